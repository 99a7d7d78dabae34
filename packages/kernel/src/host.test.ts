// Process lifetime as the kernel keeps it: ZMQ_BLOCKY on the Context, queued
// messages of a closed socket holding the event loop for linger, and the
// monitor holding it while read or listened to. (Child-process tests in
// apps/interop/src/lifetime.test.ts check the same against zeromq.js.)
import { describe, expect, it, vi } from "vitest";
import { Context } from "./context.js";
import { loopHolds } from "./pending.js";
import { type Pipe, pipePair } from "./pipe.js";
import { TestPush } from "./testing/test-sockets.js";
import { TRANSPORT_API_VERSION, type MessageTransport, type PipeHost } from "./transport.js";

/** A message transport whose connect() attaches one end of a pipe pair and hands the test the other (the "peer"). */
function peerTransport(): { transport: MessageTransport; peers: Pipe[] } {
  const peers: Pipe[] = [];
  const transport: MessageTransport = {
    apiVersion: TRANSPORT_API_VERSION,
    kind: "message",
    scheme: "peer",
    bind: (endpoint) => ({ endpoint: endpoint.url, close: () => {} }),
    connect: (endpoint, socket: PipeHost) => {
      const [mine, theirs] = pipePair(socket.sendHighWaterMark, socket.receiveHighWaterMark);
      peers.push(theirs);
      socket.attachPipe(mine, endpoint.url);
      return { close: () => {} };
    },
  };
  return { transport, peers };
}

describe("Context blocky", () => {
  it("is true by default; false gives sockets made afterwards linger 0, unless their options set it", () => {
    const { transport } = peerTransport();
    const context = new Context({ transports: [transport] });
    expect(context.blocky).toBe(true);
    expect(new TestPush({ context }).linger).toBe(-1);
    context.blocky = false;
    expect(new TestPush({ context }).linger).toBe(0);
    expect(new TestPush({ context, linger: 500 }).linger).toBe(500);
    expect(new TestPush({ context: new Context({ blocky: false }) }).linger).toBe(0);
  });
});

describe("a closed socket's queued messages", () => {
  it("hold the event loop until the peer has taken them (linger -1)", async () => {
    const { transport, peers } = peerTransport();
    const push = new TestPush({ context: new Context({ transports: [transport] }) });
    push.connect("peer://a");
    await push.send("one");
    await push.send("two");
    const before = loopHolds.held;
    push.close();
    expect(loopHolds.held).toBe(before + 1);
    const peer = peers[0]!;
    expect([peer.read(), peer.read(), peer.read()].map((m) => m && new TextDecoder().decode(m[0]))).toEqual(["one", "two", undefined]);
    await vi.waitFor(() => expect(loopHolds.held).toBe(before), { timeout: 2000, interval: 5 });
  });

  it("hold it for linger ms at most, then are dropped", async () => {
    const { transport, peers } = peerTransport();
    const push = new TestPush({ context: new Context({ transports: [transport] }), linger: 30 });
    push.connect("peer://a");
    await push.send("never taken");
    const before = loopHolds.held;
    push.close();
    expect(loopHolds.held).toBe(before + 1);
    await vi.waitFor(() => expect(loopHolds.held).toBe(before), { timeout: 2000, interval: 5 });
    expect(peers[0]!.read()).toBeUndefined();
  });

  it("hold nothing with linger 0, or when nothing is queued", () => {
    const { transport } = peerTransport();
    const context = new Context({ transports: [transport] });
    const before = loopHolds.held;
    const dropping = new TestPush({ context, linger: 0 });
    dropping.connect("peer://a");
    void dropping.send("dropped");
    dropping.close();
    const idle = new TestPush({ context });
    idle.connect("peer://b");
    idle.close();
    expect(loopHolds.held).toBe(before);
  });
});

describe("the monitor", () => {
  it("holds the event loop while a receive() waits", async () => {
    const push = new TestPush({ context: new Context() });
    const before = loopHolds.held;
    const next = push.events.receive();
    expect(loopHolds.held).toBe(before + 1);
    push.close();
    expect((await next).type).toBe("end");
    expect(loopHolds.held).toBe(before);
  });

  it("holds it from its first listener until the socket closes", () => {
    const push = new TestPush({ context: new Context() });
    const before = loopHolds.held;
    push.events.on("bind", () => {});
    push.events.on("close", () => {});
    expect(loopHolds.held).toBe(before + 1);
    push.close();
    expect(loopHolds.held).toBe(before);
  });
});
