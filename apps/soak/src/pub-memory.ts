/**
 * Publisher memory with subscribers that never read. A zmq-ts Publisher in
 * a child process sends to `subscribers` libzmq Subscribers (npm zeromq, in
 * another child) that never call receive(), at default HWMs. Each
 * subscriber can hold the publisher's memory only with its pipe (at most
 * sendHighWaterMark messages) and one write batch in Node's socket buffer
 * (the engine stops at write() === false). Measured after a full GC, once
 * after `count` messages, again after five times as many more, and again
 * after as many once more: live memory must stay under that sum and flat,
 * and RSS under a ceiling (the allocator moves it by tens of MiB with no
 * leak at all, so it only catches a large leak outside the heap).
 */
import { bounded, report, runNode } from "./util.js";

export interface PubMemoryOptions {
  /** The publisher's library: zmq-ts (default), or npm zeromq (libzmq) as the reference. */
  readonly lib?: "@zmq/zeromq" | "zeromq";
  readonly subscribers: number;
  readonly size: number;
  readonly count: number;
}

export interface PubMemoryFigures {
  /** Live memory (heap used + array buffers) after a full GC, growth from before sending, after phases 1, 2 and 3. */
  readonly liveGrowth1: number;
  readonly liveGrowth2: number;
  readonly liveGrowth3: number;
  /** RSS growth from before sending: the peak seen, after phases 1, 2 and 3. */
  readonly rssPeakGrowth: number;
  readonly rssGrowth1: number;
  readonly rssGrowth2: number;
  readonly rssGrowth3: number;
  readonly ms: number;
}

/** zmq-ts's engine batch (packages/engine/src/zmtp-engine.ts BATCH_BYTES) plus one message: one write buffer. */
export const WRITE_BUFFER = 256 * 1024;

function publisherProgram(o: PubMemoryOptions): string {
  return `
    import { Publisher } from ${JSON.stringify(o.lib ?? "@zmq/zeromq")};
    import { setFlagsFromString } from "node:v8";
    import { runInNewContext } from "node:vm";
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc");
    const live = () => { gc(); gc(); const m = process.memoryUsage(); return { live: m.heapUsed + m.arrayBuffers, rss: m.rss }; };
    const pub = new Publisher({ linger: 0 });
    await pub.bind("tcp://127.0.0.1:*");
    let handshakes = 0;
    const events = pub.events;
    (async () => { for await (const e of events) if (e.type === "handshake") handshakes++; })();
    console.log("endpoint " + pub.lastEndpoint);
    await new Promise((resolve) => { const t = setInterval(() => handshakes >= ${o.subscribers} && (clearInterval(t), resolve()), 10); });
    // Subscriptions follow the handshakes: give them a moment (messages before would only be dropped).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const base = live();
    let peak = base.rss;
    const started = Date.now();
    const send = async (n) => {
      for (let i = 0; i < n; i++) {
        await pub.send(Buffer.alloc(${o.size}, i & 0xff));
        if ((i & 1023) === 0) peak = Math.max(peak, process.memoryUsage().rss);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    };
    await send(${o.count});
    const one = live();
    await send(${o.count * 5});
    const two = live();
    await send(${o.count * 5});
    const three = live();
    console.log("result " + JSON.stringify({
      liveGrowth1: one.live - base.live, liveGrowth2: two.live - base.live, liveGrowth3: three.live - base.live,
      rssPeakGrowth: peak - base.rss, rssGrowth1: one.rss - base.rss, rssGrowth2: two.rss - base.rss, rssGrowth3: three.rss - base.rss,
      ms: Date.now() - started,
    }));
    pub.close();
  `;
}

function subscribersProgram(endpoint: string, n: number): string {
  return `
    import { Subscriber } from "zeromq";
    const subs = [];
    for (let i = 0; i < ${n}; i++) { const s = new Subscriber(); s.subscribe(); s.connect(${JSON.stringify(endpoint)}); subs.push(s); }
    // Never receive: libzmq reads up to its receive HWM, then the tcp buffers fill.
    setInterval(() => {}, 1 << 30);
  `;
}

export async function publisherMemory(options: PubMemoryOptions): Promise<PubMemoryFigures> {
  const publisher = runNode(publisherProgram(options));
  let subscribers: ReturnType<typeof runNode> | undefined;
  try {
    const endpoint = (
      await bounded(
        publisher.line((l) => l.startsWith("endpoint ")),
        20_000,
        "publisher start",
      )
    ).slice(9);
    subscribers = runNode(subscribersProgram(endpoint, options.subscribers));
    const line = await bounded(
      publisher.line((l) => l.startsWith("result ")),
      120_000,
      "publisher run",
    );
    const figures = JSON.parse(line.slice(7)) as PubMemoryFigures;
    const m = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
    report(
      `${options.lib === "zeromq" ? "libzmq (reference) " : ""}publisher memory (${options.subscribers} stalled libzmq Subscribers, ${options.count} + 2 x ${options.count * 5} x ${options.size} B)`,
      {
        live: `${m(figures.liveGrowth1)} / ${m(figures.liveGrowth2)} / ${m(figures.liveGrowth3)}`,
        rss: `${m(figures.rssGrowth1)} / ${m(figures.rssGrowth2)} / ${m(figures.rssGrowth3)}`,
        rssPeak: m(figures.rssPeakGrowth),
        ms: figures.ms,
      },
    );
    return figures;
  } finally {
    await subscribers?.kill();
    await publisher.kill();
  }
}
