// Channel over inproc and over ZMTP on the in-memory transport: both
// directions, exclusivity, single-frame rules, high-water mark.
import { Context, type SocketOptions } from "@zmq/kernel";
import { TestPush, createCleanup, endpointNames, memoryTransport, nextEvent, rejection } from "@zmq/kernel/testing";
import { inproc } from "@zmq/transport-inproc";
import { afterEach, describe, expect, it } from "vitest";
// @zmq/engine is not a devDependency of this package (yet): its build output, by path.
import { zmtpEngine } from "@zmq/engine";
import { Channel } from "./index.js";

const sockets = createCleanup();
afterEach(sockets.closeAll);
const str = (frame: Uint8Array) => new TextDecoder().decode(frame);
const context = new Context({ transports: [inproc()] });
const endpoint = endpointNames("inproc://channel");
const channel = (options: SocketOptions = {}) => sockets.track(new Channel({ context, ...options }));
const next = async (c: Channel) => {
  const msg = await c.receive();
  expect(msg).toHaveLength(1);
  return str(msg[0]);
};

describe("Channel", () => {
  it("talks both ways, one frame a message", async () => {
    const [a, b, ep] = [channel(), channel(), endpoint()];
    await a.bind(ep);
    b.connect(ep);
    await a.send("to b");
    await b.send(["to a"]);
    expect(await next(b)).toBe("to b");
    expect(await next(a)).toBe("to a");
    expect([a.type, a.socketType, a.threadSafe]).toEqual([20, "CHANNEL", true]);
  });

  it("is exclusive: a second peer gets no traffic while the first is there", async () => {
    const [a, first, second, ep] = [channel(), channel(), channel({ receiveTimeout: 20, sendTimeout: 20 }), endpoint()];
    await a.bind(ep);
    first.connect(ep);
    second.connect(ep);
    for (let i = 0; i < 3; i++) await a.send(String(i));
    for (let i = 0; i < 3; i++) expect(await next(first)).toBe(String(i));
    expect((await rejection(second.receive())).code).toBe("EAGAIN");
    expect((await rejection(second.send("ignored"))).code).toBe("EAGAIN");
    await first.send("from first");
    expect(await next(a)).toBe("from first");
    // Once the first has gone, a new peer is taken.
    first.close();
    second.close();
    // The binder hears of the pipe's end on a microtask, as with Pair.
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    const third = channel();
    third.connect(ep);
    await a.send("to third");
    expect(await next(third)).toBe("to third");
  });

  it("refuses multipart sends with EINVAL and drops a peer's multipart message whole", async () => {
    const [a, push, ep] = [channel(), sockets.track(new TestPush({ context })), endpoint()];
    await a.bind(ep);
    expect((await rejection(a.send(["a", "b"] as never))).code).toBe("EINVAL");
    push.connect(ep);
    await push.send(["x", "y"]);
    expect(a.readable).toBe(false);
    await push.send("z");
    expect(await next(a)).toBe("z");
  });

  it("waits at the high-water mark instead of dropping", async () => {
    const [a, b, ep] = [channel({ sendHighWaterMark: 1, sendTimeout: 20 }), channel({ receiveHighWaterMark: 1 }), endpoint()];
    await b.bind(ep);
    a.connect(ep);
    await a.send("1");
    await a.send("2");
    expect(a.writable).toBe(false);
    expect((await rejection(a.send("3"))).code).toBe("EAGAIN");
    a.sendTimeout = -1;
    const waiting = a.send("3");
    expect(await next(b)).toBe("1");
    await waiting;
    expect(await next(b)).toBe("2");
    expect(await next(b)).toBe("3");
  });

  it("over ZMTP: chunked, delayed bytes; refuses a peer that is not a CHANNEL", async () => {
    const transport = memoryTransport({ engine: zmtpEngine, faults: { chunkSize: 1, delayMs: 1 } });
    const ctx = new Context({ transports: [transport] });
    const io: SocketOptions = { context: ctx, linger: 0, sendTimeout: 5000, receiveTimeout: 5000 };
    const [a, b] = [sockets.track(new Channel(io)), sockets.track(new Channel(io))];
    await a.bind("mem://*");
    b.connect(a.lastEndpoint!);
    for (let i = 0; i < 5; i++) await b.send(`m${i}`);
    for (let i = 0; i < 5; i++) expect(await next(a)).toBe(`m${i}`);
    await a.send("back");
    expect(await next(b)).toBe("back");
    const refused = nextEvent(a, "handshake:error:protocol");
    const push = sockets.track(new TestPush({ context: ctx, linger: 0 }));
    push.connect(a.lastEndpoint!);
    await refused;
  });
});
