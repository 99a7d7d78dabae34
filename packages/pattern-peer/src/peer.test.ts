// Peer over inproc and over ZMTP on the kernel's in-memory transport:
// connect() returns a routing id usable before the handshake, routing ids
// in both directions, single-frame rules, high-water marks, reconnection.
import { Context, type SocketOptions } from "@zmq/kernel";
import { type MemoryConnectionFaults, TestPush, createCleanup, endpointNames, memoryTransport, nextEvent, rejection } from "@zmq/kernel/testing";
import { inproc } from "@zmq/transport-inproc";
import { afterEach, describe, expect, it } from "vitest";
// @zmq/engine is not a devDependency of this package (yet): its build output, by path.
import { zmtpEngine } from "@zmq/engine";
import { Peer } from "./index.js";

const sockets = createCleanup();
afterEach(sockets.closeAll);
const str = (frame: Uint8Array) => new TextDecoder().decode(frame);
const isRoutingId = (id: number) => Number.isInteger(id) && id > 0 && id <= 0xffffffff;

const context = new Context({ transports: [inproc()] });
const endpoint = endpointNames("inproc://peer");
const peer = (options: SocketOptions = {}) => sockets.track(new Peer({ context, ...options }));

function overMemory(faults?: MemoryConnectionFaults) {
  const transport = memoryTransport({ engine: zmtpEngine, faults });
  const ctx = new Context({ transports: [transport] });
  const io: SocketOptions = { context: ctx, linger: 0, sendTimeout: 5000, receiveTimeout: 5000, reconnectInterval: 5 };
  return { transport, context: ctx, peer: (o: SocketOptions = {}) => sockets.track(new Peer({ ...io, ...o })) };
}

describe("Peer over inproc", () => {
  it("connect() returns the connection's routing id; both sides address each other by id", async () => {
    const [a, b, c, ep] = [peer(), peer(), peer(), endpoint()];
    await a.bind(ep);
    const bToA = b.connect(ep);
    const cToA = c.connect(ep);
    expect(isRoutingId(bToA) && isRoutingId(cToA)).toBe(true);
    await b.send("from b", { routingId: bToA });
    await c.send("from c", { routingId: cToA });
    const [m1, { routingId: aToB }] = await a.receive();
    const [m2, { routingId: aToC }] = await a.receive();
    expect([str(m1), str(m2)]).toEqual(["from b", "from c"]);
    expect(aToB).not.toBe(aToC);
    await a.send("to c", { routingId: aToC });
    await a.send("to b", { routingId: aToB });
    const [r1, { routingId: fromA }] = await b.receive();
    expect([str(r1), fromA]).toEqual(["to b", bToA]);
    const [r2, { routingId: fromA2 }] = await c.receive();
    expect([str(r2), fromA2]).toEqual(["to c", cToA]);
  });

  it("a connect before the bind: the message sent to the returned id waits for the binder", async () => {
    const [a, b, ep] = [peer(), peer(), endpoint()];
    const toA = b.connect(ep);
    await b.send("early", { routingId: toA });
    await a.bind(ep);
    const [msg, { routingId }] = await a.receive();
    expect(str(msg)).toBe("early");
    expect(isRoutingId(routingId)).toBe(true);
  });

  it("gives each connect() its own id, and one peer can both bind and connect", async () => {
    const [a, b, ep1, ep2] = [peer(), peer(), endpoint(), endpoint()];
    await a.bind(ep1);
    await a.bind(ep2);
    const first = b.connect(ep1);
    const second = b.connect(ep2);
    expect(first).not.toBe(second);
    await b.send("via 1", { routingId: first });
    await b.send("via 2", { routingId: second });
    const [, { routingId: back1 }] = await a.receive();
    const [, { routingId: back2 }] = await a.receive();
    expect(back1).not.toBe(back2);
    // for-await yields the same tuples.
    await a.send("x", { routingId: back2 });
    for await (const [msg, { routingId }] of b) {
      expect([str(msg), routingId]).toEqual(["x", second]);
      break;
    }
  });

  it("refuses connect() with immediate (no id before the handshake), multipart sends, unknown ids", async () => {
    const [a, ep] = [peer({ immediate: true }), endpoint()];
    const error = (() => {
      try {
        a.connect(ep);
      } catch (e) {
        return e as { code: string };
      }
      return undefined;
    })();
    expect(error?.code).toBe("EINVAL");
    const b = peer();
    const id = b.connect(ep);
    expect((await rejection(b.send(["a", "b"] as never, { routingId: id }))).code).toBe("EINVAL");
    expect((await rejection(b.send("x", { routingId: id + 1 === 2 ** 32 ? 1 : id + 1 }))).code).toBe("EHOSTUNREACH");
    expect((await rejection(b.send("x", {} as never))).code).toBe("EINVAL");
  });

  it("drops a multipart message from a peer whole", async () => {
    const [a, push, ep] = [peer(), sockets.track(new TestPush({ context })), endpoint()];
    await a.bind(ep);
    push.connect(ep);
    await push.send(["two", "frames"]);
    expect(a.readable).toBe(false);
    await push.send("one");
    const [msg] = await a.receive();
    expect(str(msg)).toBe("one");
  });

  it("fails at once with EAGAIN when a connection is at its high-water mark", async () => {
    const [a, b, ep] = [peer({ receiveHighWaterMark: 1 }), peer({ sendHighWaterMark: 1 }), endpoint()];
    await a.bind(ep);
    const toA = b.connect(ep);
    await b.send("1", { routingId: toA });
    await b.send("2", { routingId: toA });
    expect(b.writable).toBe(true);
    expect((await rejection(b.send("3", { routingId: toA }))).code).toBe("EAGAIN");
    expect(str((await a.receive())[0])).toBe("1");
    await b.send("3", { routingId: toA });
  });

  it("forgets a connection whose peer closed: EHOSTUNREACH", async () => {
    const [a, b, ep] = [peer(), peer(), endpoint()];
    await a.bind(ep);
    const toA = b.connect(ep);
    await b.send("hi", { routingId: toA });
    const [, { routingId: toB }] = await a.receive();
    b.close();
    expect((await rejection(a.send("gone", { routingId: toB }))).code).toBe("EHOSTUNREACH");
  });

  it("forgets a connection it disconnected: EHOSTUNREACH", async () => {
    const [a, b, ep] = [peer(), peer(), endpoint()];
    await a.bind(ep);
    const toA = b.connect(ep);
    await b.send("hi", { routingId: toA });
    await a.receive();
    b.disconnect(ep);
    expect((await rejection(b.send("gone", { routingId: toA }))).code).toBe("EHOSTUNREACH");
  });

  it("says EBADF once closed, for connect() and send()", () => {
    const [a, ep] = [peer(), endpoint()];
    a.close();
    expect(() => a.connect(ep)).toThrow(expect.objectContaining({ code: "EBADF" }));
    expect(() => a.send(["a", "b"] as never, {} as never)).toThrow(expect.objectContaining({ code: "EBADF" }));
  });

  it("reports type 19, PEER, thread-safe", () => {
    const a = peer();
    expect([a.type, a.socketType, a.threadSafe]).toEqual([19, "PEER", true]);
    expect(a).toBeInstanceOf(Peer);
  });
});

describe("Peer over ZMTP (in-memory transport)", () => {
  it("sends to the id connect() returned before the handshake, with slow, chunked bytes", async () => {
    const { peer: mk } = overMemory({ chunkSize: 1, delayMs: 1 });
    const [a, b] = [mk(), mk()];
    await a.bind("mem://*");
    const toA = b.connect(a.lastEndpoint!);
    // Nothing has been exchanged yet: the handshake takes many delayed single-byte chunks.
    for (let i = 0; i < 5; i++) await b.send(`m${i}`, { routingId: toA });
    for (let i = 0; i < 5; i++) {
      const [msg, { routingId }] = await a.receive();
      expect(str(msg)).toBe(`m${i}`);
      await a.send(`r${i}`, { routingId });
    }
    for (let i = 0; i < 5; i++) expect(str((await b.receive())[0])).toBe(`r${i}`);
  });

  it("the connecting side keeps its id across a reconnection; the binding side sees a new connection", async () => {
    const { transport, peer: mk } = overMemory();
    const [a, b] = [mk(), mk()];
    await a.bind("mem://*");
    const toA = b.connect(a.lastEndpoint!);
    await b.send("one", { routingId: toA });
    const [, { routingId: before }] = await a.receive();
    const dropped = nextEvent(a, "disconnect");
    const again = nextEvent(a, "handshake");
    transport.connections[0]!.acceptor.destroy();
    await dropped;
    expect((await rejection(a.send("lost", { routingId: before }))).code).toBe("EHOSTUNREACH");
    await again;
    await b.send("two", { routingId: toA });
    const [msg, { routingId: after }] = await a.receive();
    expect(str(msg)).toBe("two");
    expect(after).not.toBe(before);
    await a.send("back", { routingId: after });
    const [reply, { routingId: from }] = await b.receive();
    expect([str(reply), from]).toEqual(["back", toA]);
  });

  it("forgets a connection it disconnected, even with messages lingering for it", async () => {
    const { peer: mk } = overMemory({ delayMs: 1 });
    const [a, b] = [mk(), mk({ linger: -1 })];
    await a.bind("mem://*");
    const toA = b.connect(a.lastEndpoint!);
    for (let i = 0; i < 3; i++) await b.send(`m${i}`, { routingId: toA });
    b.disconnect(a.lastEndpoint!);
    expect((await rejection(b.send("gone", { routingId: toA }))).code).toBe("EHOSTUNREACH");
  });

  it("refuses a peer that is not a PEER", async () => {
    const { context: ctx, peer: mk } = overMemory();
    const a = mk();
    await a.bind("mem://*");
    const refused = nextEvent(a, "handshake:error:protocol");
    const push = sockets.track(new TestPush({ context: ctx, linger: 0 }));
    push.connect(a.lastEndpoint!);
    await push.send("no");
    await refused;
    expect(a.readable).toBe(false);
  });
});
