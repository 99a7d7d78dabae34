// Server and Client over inproc: routing ids, single-frame rules, load
// balancing and fair queueing, high-water marks.
import { Context, type SocketOptions } from "@zmq/kernel";
import { TestPush, createCleanup, endpointNames, rejection } from "@zmq/kernel/testing";
import { inproc } from "@zmq/transport-inproc";
import { afterEach, describe, expect, it } from "vitest";
import { Client, Server } from "./index.js";

const sockets = createCleanup();
afterEach(sockets.closeAll);
const context = new Context({ transports: [inproc()] });
const endpoint = endpointNames("inproc://client-server");
const server = (options: SocketOptions = {}) => sockets.track(new Server({ context, ...options }));
const client = (options: SocketOptions = {}) => sockets.track(new Client({ context, ...options }));
const str = (frame: Uint8Array) => new TextDecoder().decode(frame);
/** Our explanation of an error: its `detail` where the kernel keeps zeromq.js's message apart, else its message. */
const explanation = (error: Error) => (error as Error & { detail?: string }).detail ?? error.message;

describe("Server", () => {
  it("gives each connection its own non-zero uint32 routing id and answers by it", async () => {
    const [s, a, b, ep] = [server(), client(), client(), endpoint()];
    await s.bind(ep);
    a.connect(ep);
    b.connect(ep);
    await a.send("from a");
    await b.send("from b");
    const [m1, { routingId: id1 }] = await s.receive();
    const [m2, { routingId: id2 }] = await s.receive();
    expect([str(m1), str(m2)]).toEqual(["from a", "from b"]);
    for (const id of [id1, id2]) {
      expect(Number.isInteger(id) && id > 0 && id <= 0xffffffff).toBe(true);
    }
    expect(id1).not.toBe(id2);
    // The same connection keeps its id.
    await a.send("again");
    const [, { routingId: again }] = await s.receive();
    expect(again).toBe(id1);
    await s.send("to b", { routingId: id2 });
    await s.send("to a", { routingId: id1 });
    expect(str((await b.receive())[0])).toBe("to b");
    expect(str((await a.receive())[0])).toBe("to a");
    expect(a.readable || b.readable).toBe(false);
  });

  it("yields [message, { routingId }] in for-await", async () => {
    const [s, c, ep] = [server(), client(), endpoint()];
    await s.bind(ep);
    c.connect(ep);
    for (const m of ["a", "b", "c"]) await c.send(m);
    const seen: string[] = [];
    for await (const [msg, { routingId }] of s) {
      expect(typeof routingId).toBe("number");
      seen.push(str(msg));
      await s.send(msg, { routingId });
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(["a", "b", "c"]);
    for (const m of ["a", "b", "c"]) expect(str((await c.receive())[0])).toBe(m);
  });

  it("fails a send to an unknown routing id with EHOSTUNREACH, and one without a routing id with EINVAL", async () => {
    const s = server();
    const unknown = await rejection(s.send("x", { routingId: 12345 }));
    expect(unknown.code).toBe("EHOSTUNREACH");
    // The explanation names the id (in `detail` where the kernel keeps zeromq.js's message apart).
    expect(explanation(unknown)).toContain("12345");
    expect((await rejection(s.send("x", undefined as never))).code).toBe("EINVAL");
    expect((await rejection(s.send("x", { routingId: -1 }))).code).toBe("EINVAL");
    expect((await rejection(s.send("x", { routingId: 2 ** 32 }))).code).toBe("EINVAL");
    expect((await rejection(s.send("x", { routingId: "1" as never }))).code).toBe("EINVAL");
  });

  it("refuses multipart sends with EINVAL and drops a peer's multipart message whole", async () => {
    const [s, c, push, ep] = [server(), client(), sockets.track(new TestPush({ context })), endpoint()];
    await s.bind(ep);
    c.connect(ep);
    await c.send("hello");
    const [, { routingId }] = await s.receive();
    const refused = await rejection(s.send(["a", "b"] as never, { routingId }));
    expect(refused.code).toBe("EINVAL");
    expect((await rejection(c.send(["a", "b"] as never))).code).toBe("EINVAL");
    // One frame in an array is one frame.
    await s.send(["single"], { routingId });
    expect(str((await c.receive())[0])).toBe("single");
    // inproc checks no socket types, so a PUSH can hand the server a multipart message.
    push.connect(ep);
    await push.send(["two", "frames"]);
    expect(s.readable).toBe(false);
    await push.send("one frame");
    const [msg] = await s.receive();
    expect(str(msg)).toBe("one frame");
  });

  it("forgets a connection once its peer has gone: EHOSTUNREACH", async () => {
    const [s, c, ep] = [server(), client(), endpoint()];
    await s.bind(ep);
    c.connect(ep);
    await c.send("hi");
    const [, { routingId }] = await s.receive();
    c.close();
    expect((await rejection(s.send("late", { routingId }))).code).toBe("EHOSTUNREACH");
  });

  it("fails at once with EAGAIN when the peer is at its high-water mark (a SERVER is always writable)", async () => {
    const [s, c, ep] = [server({ sendHighWaterMark: 2, sendTimeout: -1 }), client({ receiveHighWaterMark: 1 }), endpoint()];
    await s.bind(ep);
    c.connect(ep);
    await c.send("hi");
    const [, { routingId }] = await s.receive();
    // inproc's queue toward the client holds sendHighWaterMark + receiveHighWaterMark.
    for (let i = 0; i < 3; i++) await s.send(String(i), { routingId });
    expect(s.writable).toBe(true);
    const full = await rejection(s.send("3", { routingId }));
    expect(full.code).toBe("EAGAIN");
    // Reading down to the low-water mark makes room again.
    expect(str((await c.receive())[0])).toBe("0");
    expect(str((await c.receive())[0])).toBe("1");
    await s.send("3", { routingId });
    expect(str((await c.receive())[0])).toBe("2");
    expect(str((await c.receive())[0])).toBe("3");
  });

  it("fair-queues receives across its clients", async () => {
    const [s, a, b, ep] = [server(), client(), client(), endpoint()];
    await s.bind(ep);
    a.connect(ep);
    b.connect(ep);
    for (let i = 0; i < 3; i++) await a.send(`a${i}`);
    for (let i = 0; i < 3; i++) await b.send(`b${i}`);
    const got: string[] = [];
    for (let i = 0; i < 6; i++) got.push(str((await s.receive())[0]));
    expect(got).toEqual(["a0", "b0", "a1", "b1", "a2", "b2"]);
  });

  it("says EBADF once closed, before looking at the message or the routing id", () => {
    const [s, c] = [server(), client()];
    s.close();
    c.close();
    expect(() => s.send(["a", "b"] as never, undefined as never)).toThrow(expect.objectContaining({ code: "EBADF" }));
    expect(() => c.send(["a", "b"] as never)).toThrow(expect.objectContaining({ code: "EBADF" }));
    expect(() => s.receive()).toThrow(expect.objectContaining({ code: "EBADF" }));
  });

  it("reports itself thread-safe and its zmq.h type, as zeromq.js's", () => {
    const s = server();
    const c = client();
    expect([s.type, c.type, s.socketType, c.socketType]).toEqual([12, 13, "SERVER", "CLIENT"]);
    expect(s.threadSafe && c.threadSafe).toBe(true);
    expect(s).toBeInstanceOf(Server);
  });

  it("can connect to a binding client and send to it before the handshake", async () => {
    const [s, c, ep] = [server(), client(), endpoint()];
    await c.bind(ep);
    s.connect(ep);
    await c.send("who is there");
    const [msg, { routingId }] = await s.receive();
    expect(str(msg)).toBe("who is there");
    await s.send("me", { routingId });
    expect(str((await c.receive())[0])).toBe("me");
  });
});

describe("Client", () => {
  it("sends round-robin over its servers", async () => {
    const [s1, s2, c, ep1, ep2] = [server(), server(), client(), endpoint(), endpoint()];
    await s1.bind(ep1);
    await s2.bind(ep2);
    c.connect(ep1);
    c.connect(ep2);
    for (let i = 0; i < 6; i++) await c.send(String(i));
    const got1: string[] = [];
    const got2: string[] = [];
    for (let i = 0; i < 3; i++) got1.push(str((await s1.receive())[0]));
    for (let i = 0; i < 3; i++) got2.push(str((await s2.receive())[0]));
    expect([got1, got2]).toEqual([
      ["0", "2", "4"],
      ["1", "3", "5"],
    ]);
  });

  it("fair-queues what its servers send, as one-frame arrays", async () => {
    const [s1, s2, c, ep1, ep2] = [server(), server(), client(), endpoint(), endpoint()];
    await s1.bind(ep1);
    await s2.bind(ep2);
    c.connect(ep1);
    c.connect(ep2);
    await c.send("hello 1");
    await c.send("hello 2");
    const [, { routingId: r1 }] = await s1.receive();
    const [, { routingId: r2 }] = await s2.receive();
    for (let i = 0; i < 2; i++) await s1.send(`s1-${i}`, { routingId: r1 });
    for (let i = 0; i < 2; i++) await s2.send(`s2-${i}`, { routingId: r2 });
    const got: string[] = [];
    for await (const msg of c) {
      expect(msg).toHaveLength(1);
      got.push(str(msg[0]));
      if (got.length === 4) break;
    }
    expect(got).toEqual(["s1-0", "s2-0", "s1-1", "s2-1"]);
  });

  it("waits at the high-water mark up to sendTimeout, and goes on once there is room", async () => {
    const [s, c, ep] = [server({ receiveHighWaterMark: 1 }), client({ sendHighWaterMark: 1, sendTimeout: 30 }), endpoint()];
    await s.bind(ep);
    c.connect(ep);
    await c.send("1");
    await c.send("2");
    expect(c.writable).toBe(false);
    expect((await rejection(c.send("3"))).code).toBe("EAGAIN");
    c.sendTimeout = -1;
    const waiting = c.send("3");
    expect(str((await s.receive())[0])).toBe("1");
    await waiting;
    expect(str((await s.receive())[0])).toBe("2");
    expect(str((await s.receive())[0])).toBe("3");
  });

  it("keeps its queue for a server that binds later", async () => {
    const [s, c, ep] = [server(), client(), endpoint()];
    c.connect(ep);
    await c.send("early");
    await s.bind(ep);
    expect(str((await s.receive())[0])).toBe("early");
  });
});
