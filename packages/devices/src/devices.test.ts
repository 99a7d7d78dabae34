// Proxies and devices over inproc and tcp: forwarding both ways, capture,
// backpressure without loss, steering (PAUSE, RESUME, TERMINATE,
// STATISTICS), the zeromq.js Proxy class, and the three presets.
import { Context, type SocketBase, isZmqError } from "@zmq/kernel";
import { createCleanup, endpointNames, nextEvent, text } from "@zmq/kernel/testing";
import { Pair } from "@zmq/pattern-pair";
import { Pull, Push } from "@zmq/pattern-pipeline";
import { Publisher, Subscriber } from "@zmq/pattern-pubsub";
import { Dealer, Reply, Request, Router } from "@zmq/pattern-reqrep";
import { inproc } from "@zmq/transport-inproc";
import { tcp } from "@zmq/transport-tcp";
import { afterEach, describe, expect, it } from "vitest";
import { Proxy, ProxyRun, forwarder, proxy, queue, steerableProxy, streamer } from "./index.js";

const context = new Context({ transports: [inproc(), tcp()] });
const open = createCleanup<SocketBase>();
afterEach(open.closeAll);
const make = open.track;
const ep = endpointNames("inproc://devices", "x");

/** producer -> [PULL | proxy | PUSH] -> consumer, all inproc. */
async function streamerRig(options: { hwm?: number } = {}) {
  const hwm = options.hwm ?? 1000;
  const [inEp, outEp] = [ep("in"), ep("out")];
  const front = make(new Pull({ context, receiveHighWaterMark: hwm }));
  const back = make(new Push({ context, sendHighWaterMark: hwm }));
  await front.bind(inEp);
  await back.bind(outEp);
  const producer = make(new Push({ context, sendHighWaterMark: hwm }));
  producer.connect(inEp);
  const consumer = make(new Pull({ context, receiveHighWaterMark: hwm }));
  consumer.connect(outEp);
  return { front, back, producer, consumer };
}

describe("proxy", () => {
  it("forwards both ways and copies every message to capture", async () => {
    const [fe, be, ce] = [ep(), ep(), ep()];
    const front = make(new Router({ context }));
    const back = make(new Dealer({ context }));
    const capture = make(new Push({ context }));
    await front.bind(fe);
    await back.bind(be);
    await capture.bind(ce);
    const tap = make(new Pull({ context }));
    tap.connect(ce);
    const run = proxy(front, back, capture);
    const client = make(new Request({ context }));
    client.connect(fe);
    const worker = make(new Reply({ context }));
    worker.connect(be);
    await client.send(["question", ""]);
    expect(text(await worker.receive())).toEqual(["question", ""]);
    await worker.send("answer");
    expect(text(await client.receive())).toEqual(["answer"]);
    const copies = [await tap.receive(), await tap.receive()];
    expect(copies.map((m) => text(m).slice(-1)[0])).toEqual(["", "answer"]);
    expect(copies[0]!.length).toBe(4); // routing id, delimiter, question, ""
    front.close();
    await run;
  });

  it("on a Context of one waiting send per socket (zeromq.js's), both directions share a capture that must wait", async () => {
    const exclusive = new Context({ transports: [inproc()], exclusiveOperations: true });
    const [fe, be, ce] = [ep(), ep(), ep()];
    const front = make(new Pair({ context: exclusive }));
    const back = make(new Pair({ context: exclusive }));
    const capture = make(new Push({ context: exclusive }));
    await front.bind(fe);
    await back.bind(be);
    await capture.bind(ce);
    const run = proxy(front, back, capture);
    const left = make(new Pair({ context: exclusive }));
    const right = make(new Pair({ context: exclusive }));
    left.connect(fe);
    right.connect(be);
    // Nobody reads the capture yet: its first send waits, and the other direction's capture waits behind it.
    await left.send("to the right");
    await right.send("to the left");
    const tap = make(new Pull({ context: exclusive }));
    tap.connect(ce);
    expect(text(await right.receive())).toEqual(["to the right"]);
    expect(text(await left.receive())).toEqual(["to the left"]);
    expect([text(await tap.receive()), text(await tap.receive())].sort()).toEqual([["to the left"], ["to the right"]]);
    front.close();
    await run;
  });

  it("one socket as both ends: what it reads goes back out of it", async () => {
    const exclusive = new Context({ transports: [inproc()], exclusiveOperations: true });
    const e = ep();
    const echo = make(new Pair({ context: exclusive }));
    await echo.bind(e);
    const run = proxy(echo, echo);
    const peer = make(new Pair({ context: exclusive }));
    peer.connect(e);
    await peer.send("round");
    expect(text(await peer.receive())).toEqual(["round"]);
    echo.close();
    await run;
  });

  it("never drops: a slow consumer stops the proxy reading, and the producer waits", async () => {
    const { front, back, producer, consumer } = await streamerRig({ hwm: 2 });
    const run = new ProxyRun(front, back);
    const total = 500;
    const sending = (async () => {
      for (let i = 0; i < total; i++) await producer.send(String(i));
    })();
    for (let i = 0; i < total; i++) {
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 1));
      expect(text(await consumer.receive())).toEqual([String(i)]);
    }
    await sending;
    expect(run.statistics.frontendReceivedFrames).toBe(total);
    run.terminate();
    await run.done;
  });

  it("is steered by PAUSE, RESUME, STATISTICS and TERMINATE on a REP control socket", async () => {
    const { front, back, producer, consumer } = await streamerRig();
    const ce = ep("control");
    const control = make(new Reply({ context }));
    await control.bind(ce);
    const steer = make(new Request({ context }));
    steer.connect(ce);
    const done = steerableProxy(front, back, control);
    await producer.send("before pause");
    expect(text(await consumer.receive())).toEqual(["before pause"]);
    await steer.send("PAUSE");
    expect((await steer.receive()).map((f) => f.length)).toEqual([0]);
    await producer.send("while paused");
    consumer.receiveTimeout = 50;
    await expect(consumer.receive()).rejects.toMatchObject({ code: "EAGAIN" });
    await steer.send("RESUME");
    await steer.receive();
    consumer.receiveTimeout = -1;
    expect(text(await consumer.receive())).toEqual(["while paused"]);
    await steer.send("STATISTICS");
    const stats = await steer.receive();
    expect(stats).toHaveLength(8);
    const numbers = stats.map((f) => Number(new DataView(f.buffer, f.byteOffset, 8).getBigUint64(0, true)));
    // frontend: 2 frames in, 24 bytes in, nothing sent back; backend: 2 frames sent.
    expect(numbers).toEqual([2, 24, 0, 0, 0, 0, 2, 24]);
    await steer.send("TERMINATE");
    await steer.receive();
    await done;
  });

  it("stops when aborted or when a socket closes", async () => {
    const { front, back } = await streamerRig();
    const controller = new AbortController();
    const run = new ProxyRun(front, back, { signal: controller.signal });
    controller.abort();
    await run.done;
    const again = new ProxyRun(front, back);
    back.close();
    front.close();
    await again.done;
  });
});

describe("Proxy (zeromq.js)", () => {
  it("runs, pauses, resumes, terminates, and closes both sockets", async () => {
    const { front, back, producer, consumer } = await streamerRig();
    const p = new Proxy(front, back);
    expect(p.frontEnd).toBe(front);
    expect(() => p.pause()).toThrow(expect.objectContaining({ code: "EBADF" }) as Error);
    const running = p.run();
    await producer.send("through");
    expect(text(await consumer.receive())).toEqual(["through"]);
    p.pause();
    p.resume();
    await producer.send("again");
    expect(text(await consumer.receive())).toEqual(["again"]);
    p.terminate();
    await running;
    expect(front.closed && back.closed).toBe(true);
  });

  it("wants both sockets bound or connected", async () => {
    const p = new Proxy(make(new Pull({ context })), make(new Push({ context })));
    await expect(p.run()).rejects.toMatchObject({ code: "EINVAL", message: "Front-end socket must be bound or connected" });
    // zeromq.js's argument checks: an object that is not a socket is EINVAL, anything else a TypeError, and two arguments.
    expect(() => new Proxy({} as never, {} as never)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => new Proxy(1 as never, 2 as never)).toThrow(TypeError);
    const a = make(new Pull({ context }));
    const b = make(new Push({ context }));
    expect(() => new (Proxy as unknown as new (...args: unknown[]) => Proxy)(a, b, a)).toThrow("Expected 2 arguments but received 3");
    // A closed socket is neither bound nor connected.
    await a.bind("inproc://proxy-closed-front");
    await b.bind("inproc://proxy-closed-back");
    a.close();
    await expect(new Proxy(a, b).run()).rejects.toMatchObject({ code: "EINVAL", message: "Front-end socket must be bound or connected" });
    const c = make(new Pull({ context }));
    await c.bind("inproc://proxy-closed-front2");
    b.close();
    await expect(new Proxy(c, b).run()).rejects.toMatchObject({ code: "EINVAL", message: "Back-end socket must be bound or connected" });
  });
});

describe("presets", () => {
  it("queue: REQ clients to REP workers through ROUTER/DEALER over tcp", async () => {
    const device = await queue({ frontend: "tcp://127.0.0.1:*", backend: "tcp://127.0.0.1:*", socketOptions: { context } });
    const workers = [make(new Reply({ context })), make(new Reply({ context }))];
    // Both workers ready at the DEALER before any job, so that its round robin gives each two.
    const bothReady = nextEvent(device.backend, "handshake", 2);
    for (const w of workers) w.connect(device.backend.lastEndpoint!);
    await bothReady;
    const serve = workers.map(async (w, i) => {
      for (let k = 0; k < 2; k++) {
        const [q] = await w.receive();
        await w.send(`${text([q!])[0]} by worker ${i}`);
      }
    });
    const clients = [0, 1, 2, 3].map(() => make(new Request({ context })));
    for (const c of clients) c.connect(device.frontend.lastEndpoint!);
    const answers = await Promise.all(
      clients.map(async (c, i) => {
        await c.send(`job ${i}`);
        return text(await c.receive())[0]!;
      }),
    );
    await Promise.all(serve);
    answers.forEach((a, i) => expect(a).toMatch(new RegExp(`^job ${i} by worker [01]$`)));
    await device.close();
  });

  it("forwarder: subscriptions go upstream through XSUB/XPUB", async () => {
    const device = await forwarder({ frontend: ep("pubs"), backend: ep("subs"), socketOptions: { context } });
    const pub = make(new Publisher({ context }));
    pub.connect(device.frontend.lastEndpoint!);
    const sub = make(new Subscriber({ context }));
    sub.subscribe("hot");
    sub.connect(device.backend.lastEndpoint!);
    // The subscription must cross the proxy before anything is published: publish until it lands.
    const got = sub.receive();
    let landed = false;
    void got.then(() => (landed = true));
    while (!landed) {
      await pub.send(["hot", "news"]);
      await pub.send(["cold", "news"]);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(text(await got)).toEqual(["hot", "news"]);
    await device.close();
  });

  it("streamer: PULL/PUSH spreads work over consumers", async () => {
    const device = await streamer({ frontend: ep("work-in"), backend: ep("work-out"), socketOptions: { context } });
    const producer = make(new Push({ context }));
    producer.connect(device.frontend.lastEndpoint!);
    const consumers = [make(new Pull({ context })), make(new Pull({ context }))];
    for (const c of consumers) c.connect(device.backend.lastEndpoint!);
    for (let i = 0; i < 4; i++) await producer.send(String(i));
    const got = [
      ...text(await consumers[0]!.receive()),
      ...text(await consumers[0]!.receive()),
      ...text(await consumers[1]!.receive()),
      ...text(await consumers[1]!.receive()),
    ];
    expect(got.sort()).toEqual(["0", "1", "2", "3"]);
    await device.close();
  });

  it("a PAIR control socket gets STATISTICS without replies to the other commands", async () => {
    const { front, back } = await streamerRig();
    const ce = ep("pair-control");
    const control = make(new Pair({ context }));
    await control.bind(ce);
    const steer = make(new Pair({ context }));
    steer.connect(ce);
    const done = steerableProxy(front, back, control);
    await steer.send("PAUSE");
    await steer.send("STATISTICS");
    expect(await steer.receive()).toHaveLength(8);
    await steer.send("TERMINATE");
    await done;
    expect(isZmqError(new Error())).toBe(false);
  });
});
