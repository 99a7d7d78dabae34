// Pair over inproc: both directions, exclusivity, HWM, reconnection after
// the peer goes.
import { Context } from "@zmq/kernel";
import { createCleanup, endpointNames, rejection, text } from "@zmq/kernel/testing";
import { inproc } from "@zmq/transport-inproc";
import { afterEach, describe, expect, it } from "vitest";
import { Pair } from "./index.js";

const sockets = createCleanup<Pair>();
afterEach(sockets.closeAll);
const context = new Context({ transports: [inproc()] });
const endpoint = endpointNames("inproc://pair");
const pair = (options: ConstructorParameters<typeof Pair>[0] = {}) => sockets.track(new Pair({ context, ...options }));

describe("Pair", () => {
  it("talks both ways, multipart intact", async () => {
    const [a, b, ep] = [pair(), pair(), endpoint()];
    await a.bind(ep);
    b.connect(ep);
    await a.send(["to", "b"]);
    await b.send(["to", "a", ""]);
    expect(text(await b.receive())).toEqual(["to", "b"]);
    expect(text(await a.receive())).toEqual(["to", "a", ""]);
  });

  it("is exclusive: a second peer gets no traffic, as libzmq", async () => {
    const [a, first, second, ep] = [pair(), pair(), pair({ receiveTimeout: 20, sendTimeout: 20 }), endpoint()];
    await a.bind(ep);
    first.connect(ep);
    second.connect(ep);
    for (let i = 0; i < 3; i++) await a.send(String(i));
    for (let i = 0; i < 3; i++) expect(text(await first.receive())).toEqual([String(i)]);
    expect((await rejection(second.receive())).code).toBe("EAGAIN");
    expect((await rejection(second.send("ignored"))).code).toBe("EAGAIN");
    await first.send("from first");
    expect(text(await a.receive())).toEqual(["from first"]);
  });

  it("waits at the HWM instead of dropping", async () => {
    const [a, b, ep] = [pair({ sendHighWaterMark: 1, sendTimeout: 20 }), pair({ receiveHighWaterMark: 1 }), endpoint()];
    await b.bind(ep);
    a.connect(ep);
    await a.send("1");
    await a.send("2");
    expect(a.writable).toBe(false);
    expect((await rejection(a.send("3"))).code).toBe("EAGAIN");
    expect(text(await b.receive())).toEqual(["1"]);
    expect(text(await b.receive())).toEqual(["2"]);
  });

  it("applies HWMs set after the connection to it, both ways, as libzmq does; a send waiting at the old mark goes on", async () => {
    const [a, b, ep] = [pair({ sendTimeout: 0 }), pair(), endpoint()];
    await b.bind(ep);
    a.connect(ep);
    a.sendHighWaterMark = 3;
    b.receiveHighWaterMark = 2;
    let queued = 0;
    while (
      (await a.send("x").then(
        () => true,
        () => false,
      )) &&
      queued < 100
    )
      queued++;
    expect(queued).toBe(5); // inproc: the sender's send HWM plus the receiver's receive HWM
    a.sendTimeout = -1;
    const waiting = a.send("y");
    b.receiveHighWaterMark = 3; // room for one more: 3 + 3
    await waiting;
    a.sendTimeout = 0;
    expect((await rejection(a.send("z"))).code).toBe("EAGAIN");
    for (let i = 0; i < 6; i++) expect(text(await b.receive())).toEqual([i < 5 ? "x" : "y"]);
  });

  it("takes a new peer once the first one has gone", async () => {
    const [a, first, ep] = [pair(), pair(), endpoint()];
    await a.bind(ep);
    first.connect(ep);
    await first.send("hello");
    expect(text(await a.receive())).toEqual(["hello"]);
    first.close();
    await new Promise<void>((r) => queueMicrotask(r));
    const second = pair();
    second.connect(ep);
    await a.send("to second");
    expect(text(await second.receive())).toEqual(["to second"]);
  });

  it("connect before bind: the queue waits for the binder", async () => {
    const [a, b, ep] = [pair(), pair(), endpoint()];
    a.connect(ep);
    await a.send("early");
    await b.bind(ep);
    expect(text(await b.receive())).toEqual(["early"]);
  });
});
