// Server and Client over ZMTP on the kernel's in-memory transport: bytes cut
// into single-byte chunks and delayed, a raw peer that sends a multipart
// message, a dropped connection (the routing id goes, the reconnection gets
// a new one), and a peer of the wrong type.
import { Context, type SocketOptions, parseEndpoint } from "@zmq/kernel";
import { type MemoryConnectionFaults, TestPush, createCleanup, greetingBytes, memoryTransport, nextEvent, rejection } from "@zmq/kernel/testing";
import { afterEach, describe, expect, it } from "vitest";
// @zmq/engine is not a devDependency of this package (yet): its build output, by path.
import { zmtpEngine } from "@zmq/engine";
import { Client, Server } from "./index.js";

const sockets = createCleanup();
afterEach(sockets.closeAll);
const str = (frame: Uint8Array) => new TextDecoder().decode(frame);
const bytes = (s: string) => new TextEncoder().encode(s);

function setup(faults?: MemoryConnectionFaults) {
  const transport = memoryTransport({ engine: zmtpEngine, faults });
  const context = new Context({ transports: [transport] });
  const io: SocketOptions = { context, linger: 0, sendTimeout: 5000, receiveTimeout: 5000, reconnectInterval: 5 };
  return {
    transport,
    context,
    server: (o: SocketOptions = {}) => sockets.track(new Server({ ...io, ...o })),
    client: (o: SocketOptions = {}) => sockets.track(new Client({ ...io, ...o })),
  };
}

/** A ZMTP 3.1 frame: flags, a short or long size, the body. */
function frame(flags: number, body: Uint8Array): Uint8Array {
  const long = body.length > 255;
  const out = new Uint8Array((long ? 9 : 2) + body.length);
  out[0] = flags | (long ? 0x02 : 0);
  if (long) new DataView(out.buffer).setBigUint64(1, BigInt(body.length));
  else out[1] = body.length;
  out.set(body, long ? 9 : 2);
  return out;
}

/** READY with a Socket-Type property. */
function ready(socketType: string): Uint8Array {
  const name = bytes("Socket-Type");
  const value = bytes(socketType);
  const body = new Uint8Array(1 + 5 + 1 + name.length + 4 + value.length);
  let at = 0;
  body[at++] = 5;
  body.set(bytes("READY"), at);
  at += 5;
  body[at++] = name.length;
  body.set(name, at);
  at += name.length;
  new DataView(body.buffer).setUint32(at, value.length);
  at += 4;
  body.set(value, at);
  return frame(0x04, body);
}

describe("Server and Client over ZMTP (in-memory transport)", () => {
  it("exchange with bytes cut into single-byte chunks and delayed", async () => {
    const { server, client } = setup({ chunkSize: 1, delayMs: 1 });
    const s = server();
    await s.bind("mem://*");
    const clients = [client(), client()];
    for (const c of clients) c.connect(s.lastEndpoint!);
    for (let i = 0; i < 5; i++) for (const [n, c] of clients.entries()) await c.send(`c${n}-${i}`);
    const ids = new Map<string, number>();
    for (let i = 0; i < 10; i++) {
      const [msg, { routingId }] = await s.receive();
      const who = str(msg).slice(0, 2);
      expect(ids.get(who) ?? routingId).toBe(routingId);
      ids.set(who, routingId);
      await s.send(`echo ${str(msg)}`, { routingId });
    }
    expect(new Set(ids.values()).size).toBe(2);
    for (const [n, c] of clients.entries()) {
      for (let i = 0; i < 5; i++) expect(str((await c.receive())[0])).toBe(`echo c${n}-${i}`);
    }
  });

  it("drops a multipart message from a peer whole, as libzmq", async () => {
    const { transport, server } = setup();
    const s = server();
    await s.bind("mem://*");
    const handshake = nextEvent(s, "handshake");
    const raw = transport.connect(parseEndpoint(s.lastEndpoint!), { ipv6: false, connectTimeout: 0, tcpKeepalive: -1, tcpKeepaliveIdle: -1 });
    raw.setHandlers({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
    raw.write(greetingBytes());
    raw.write(ready("CLIENT"));
    await handshake;
    raw.write(frame(0x01, bytes("first of two")));
    raw.write(frame(0x00, bytes("second of two")));
    raw.write(frame(0x00, bytes("alone")));
    const [msg, { routingId }] = await s.receive();
    expect(str(msg)).toBe("alone");
    expect(routingId).toBeGreaterThan(0);
    expect(s.readable).toBe(false);
    raw.destroy();
  });

  it("forgets a dropped connection's routing id; the reconnection gets a new one", async () => {
    const { transport, server, client } = setup();
    const s = server();
    await s.bind("mem://*");
    const c = client();
    c.connect(s.lastEndpoint!);
    await c.send("one");
    const [, { routingId: first }] = await s.receive();
    const dropped = nextEvent(s, "disconnect");
    const again = nextEvent(s, "handshake");
    transport.connections[0]!.acceptor.destroy();
    await dropped;
    expect((await rejection(s.send("lost", { routingId: first }))).code).toBe("EHOSTUNREACH");
    await again;
    await c.send("two");
    const [msg, { routingId: second }] = await s.receive();
    expect(str(msg)).toBe("two");
    expect(second).not.toBe(first);
    await s.send("welcome back", { routingId: second });
    expect(str((await c.receive())[0])).toBe("welcome back");
  });

  it("a connecting server keeps a connection's routing id across a reconnection, and queues for it meanwhile", async () => {
    const { transport, server, client } = setup();
    const c = client();
    await c.bind("mem://*");
    const s = server();
    s.connect(c.lastEndpoint!);
    await c.send("hello");
    const [, { routingId }] = await s.receive();
    // Both ends have seen the connection go before the send, so that it cannot leave on the dead one.
    const dropped = Promise.all([nextEvent(c, "disconnect"), nextEvent(s, "disconnect")]);
    const again = nextEvent(c, "handshake");
    transport.connections[0]!.acceptor.destroy();
    await dropped;
    // As libzmq's: the connect side's pipe, and so its id, outlive the connection.
    await s.send("while away", { routingId });
    await again;
    expect(str((await c.receive())[0])).toBe("while away");
    await c.send("back");
    const [msg, { routingId: same }] = await s.receive();
    expect([str(msg), same]).toEqual(["back", routingId]);
  });

  it("refuses a peer whose socket type does not go with SERVER", async () => {
    const { context, server } = setup();
    const s = server();
    await s.bind("mem://*");
    const refused = nextEvent(s, "handshake:error:protocol");
    const push = sockets.track(new TestPush({ context, linger: 0 }));
    push.connect(s.lastEndpoint!);
    await push.send(["not", "for", "a", "server"]);
    await refused;
    expect(s.readable).toBe(false);
  });
});
