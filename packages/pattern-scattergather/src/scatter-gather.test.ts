// Scatter and Gather over inproc: round-robin, fair queueing, single-frame
// rules, high-water marks and conflate.
import { Context } from "@zmq/kernel";
import { TestPush, createCleanup, endpointNames, rejection } from "@zmq/kernel/testing";
import { inproc } from "@zmq/transport-inproc";
import { afterEach, describe, expect, it } from "vitest";
import { Gather, type GatherOptions, Scatter, type ScatterOptions } from "./index.js";

const sockets = createCleanup();
afterEach(sockets.closeAll);
const context = new Context({ transports: [inproc()] });
const endpoint = endpointNames("inproc://scatter-gather");
const scatter = (options: ScatterOptions = {}) => sockets.track(new Scatter({ context, ...options }));
const gather = (options: GatherOptions = {}) => sockets.track(new Gather({ context, ...options }));
const str = (frame: Uint8Array) => new TextDecoder().decode(frame);
/** Our explanation of an error: its `detail` where the kernel keeps zeromq.js's message apart, else its message. */
const explanation = (error: Error) => (error as Error & { detail?: string }).detail ?? error.message;
const next = async (g: Gather) => {
  const msg = await g.receive();
  expect(msg).toHaveLength(1);
  return str(msg[0]);
};

describe("Scatter and Gather", () => {
  it("deliver single-frame messages in order, as [message]", async () => {
    const [s, g, ep] = [scatter(), gather(), endpoint()];
    await g.bind(ep);
    s.connect(ep);
    const messages = ["foo", "bar", "baz", "qux"];
    for (const m of messages) await s.send(m);
    const received: string[] = [];
    for await (const [msg] of g) {
      received.push(str(msg));
      if (received.length === messages.length) break;
    }
    expect(received).toEqual(messages);
  });

  it("Scatter sends round-robin over its gathers", async () => {
    const [s, g1, g2, ep1, ep2] = [scatter(), gather(), gather(), endpoint(), endpoint()];
    await g1.bind(ep1);
    await g2.bind(ep2);
    s.connect(ep1);
    s.connect(ep2);
    for (let i = 0; i < 6; i++) await s.send(String(i));
    const got1: string[] = [];
    const got2: string[] = [];
    for (let i = 0; i < 3; i++) got1.push(await next(g1));
    for (let i = 0; i < 3; i++) got2.push(await next(g2));
    expect([got1, got2]).toEqual([
      ["0", "2", "4"],
      ["1", "3", "5"],
    ]);
  });

  it("Gather fair-queues its scatters", async () => {
    const [g, s1, s2, ep] = [gather(), scatter(), scatter(), endpoint()];
    await g.bind(ep);
    s1.connect(ep);
    s2.connect(ep);
    for (let i = 0; i < 3; i++) await s1.send(`a${i}`);
    for (let i = 0; i < 3; i++) await s2.send(`b${i}`);
    const got: string[] = [];
    for (let i = 0; i < 6; i++) got.push(await next(g));
    expect(got).toEqual(["a0", "b0", "a1", "b1", "a2", "b2"]);
  });

  it("refuse multipart sends with EINVAL; a peer's multipart message is dropped whole", async () => {
    const [s, g, push, ep] = [scatter(), gather(), sockets.track(new TestPush({ context })), endpoint()];
    await g.bind(ep);
    s.connect(ep);
    const refused = await rejection(s.send(["a", "b"] as never));
    expect(refused.code).toBe("EINVAL");
    expect(explanation(refused)).toContain("2 frames");
    await s.send(["one"]);
    expect(await next(g)).toBe("one");
    // inproc checks no socket types: a PUSH hands the gather a multipart message.
    push.connect(ep);
    await push.send(["x", "y"]);
    expect(g.readable).toBe(false);
    await push.send("z");
    expect(g.readable).toBe(true);
    expect(await next(g)).toBe("z");
  });

  it("Scatter waits at the high-water mark up to sendTimeout, never drops", async () => {
    const [s, g, ep] = [scatter({ sendHighWaterMark: 1, sendTimeout: 30 }), gather({ receiveHighWaterMark: 1 }), endpoint()];
    await g.bind(ep);
    s.connect(ep);
    await s.send("1");
    await s.send("2");
    expect(s.writable).toBe(false);
    expect((await rejection(s.send("3"))).code).toBe("EAGAIN");
    s.sendTimeout = -1;
    const waiting = s.send("3");
    expect(await next(g)).toBe("1");
    await waiting;
    expect(await next(g)).toBe("2");
    expect(await next(g)).toBe("3");
  });

  it("Gather with conflate keeps only the newest message", async () => {
    const [s, g, ep] = [scatter(), gather({ conflate: true }), endpoint()];
    await g.bind(ep);
    s.connect(ep);
    for (let i = 0; i < 5; i++) await s.send(String(i));
    expect(await next(g)).toBe("4");
    expect(g.readable).toBe(false);
    // A message read ahead by `readable` gives way to a newer one.
    await s.send("5");
    expect(g.readable).toBe(true);
    await s.send("6");
    expect(await next(g)).toBe("6");
    expect(g.readable).toBe(false);
  });

  it("Scatter with conflate queues only the newest message for a gather not there yet", async () => {
    const [s, g, ep] = [scatter({ conflate: true }), gather(), endpoint()];
    expect(s.conflate).toBe(true);
    s.connect(ep);
    for (let i = 0; i < 5; i++) await s.send(String(i));
    await g.bind(ep);
    expect(await next(g)).toBe("4");
    expect(g.readable).toBe(false);
  });

  it("Scatter cannot receive and Gather cannot send (ENOTSUP)", async () => {
    const [s, g] = [scatter(), gather()];
    expect((await rejection((s as unknown as Gather).receive())).code).toBe("ENOTSUP");
    expect((await rejection((g as unknown as Scatter).send("x"))).code).toBe("ENOTSUP");
  });

  it("Scatter says EBADF once closed, before looking at the message", () => {
    const s = scatter();
    s.close();
    expect(() => s.send(["a", "b"] as never)).toThrow(expect.objectContaining({ code: "EBADF" }));
  });

  it("report zeromq.js's types and thread safety", () => {
    const [s, g] = [scatter(), gather()];
    expect([s.type, g.type, s.socketType, g.socketType]).toEqual([17, 16, "SCATTER", "GATHER"]);
    expect(s.threadSafe && g.threadSafe).toBe(true);
    expect(g.conflate).toBe(false);
    // Refused (the kernel decides how: EINVAL, or a TypeError as zeromq.js throws for a wrong type).
    expect(() => new Gather({ context, conflate: "yes" as never })).toThrow();
  });
});
