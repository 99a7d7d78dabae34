/**
 * Many connections in one process. `dealerWaves`: waves of Dealers connect
 * to one Router, each does one request-reply round trip, and all close; the
 * memory after each wave (after a full GC) must stay flat. `topicFanout`:
 * Subscribers with one distinct topic each on one Publisher; each must get
 * exactly the message for its topic.
 */
import { Dealer, Router, Subscriber, XPublisher } from "@zmq/zeromq";
import { type Memory, bounded, memory, mib, report } from "./util.js";

export interface WaveFigures {
  /** Memory after a full GC, before the first wave and after each. */
  readonly memory: readonly Memory[];
  readonly ms: readonly number[];
}

export async function dealerWaves(options: { readonly waves: number; readonly dealers: number }): Promise<WaveFigures> {
  // A backlog that takes a whole wave at once (libzmq's default of 100 makes the kernel drop SYNs).
  const router = new Router({ linger: 0, backlog: options.dealers });
  await router.bind("tcp://127.0.0.1:*");
  const endpoint = router.lastEndpoint!;
  let disconnects = 0;
  const events = router.events;
  void (async () => {
    for await (const e of events) if (e.type === "disconnect") disconnects++;
  })();
  const echo = (async () => {
    for await (const [id, ...rest] of router) await router.send([id!, ...rest]);
  })();
  const figures: Memory[] = [memory()];
  const times: number[] = [];
  try {
    for (let w = 0; w < options.waves; w++) {
      const started = Date.now();
      const dealers = Array.from({ length: options.dealers }, () => new Dealer({ linger: 0 }));
      for (const d of dealers) d.connect(endpoint);
      await bounded(
        Promise.all(
          dealers.map(async (d, i) => {
            await d.send(`wave ${w} dealer ${i}`);
            const [reply] = await d.receive();
            if (reply!.toString() !== `wave ${w} dealer ${i}`) throw new Error(`dealer ${i} got ${reply!.toString()}`);
          }),
        ),
        60_000,
        `wave ${w}`,
      );
      for (const d of dealers) d.close();
      // Measure once the Router has seen every Dealer go.
      const gone = (w + 1) * options.dealers;
      await bounded(
        new Promise<void>((resolve) => {
          const check = () => (disconnects >= gone ? resolve() : setTimeout(check, 10));
          check();
        }),
        60_000,
        `wave ${w} disconnects`,
      );
      times.push(Date.now() - started);
      figures.push(memory());
    }
  } finally {
    router.close();
    await echo.catch(() => {});
  }
  report(`dealer waves (${options.waves} x ${options.dealers} Dealers on one Router)`, {
    ms: times.join("/"),
    heapUsed: figures.map((m) => mib(m.heapUsed)).join(" -> "),
    rss: figures.map((m) => mib(m.rss)).join(" -> "),
  });
  return { memory: figures, ms: times };
}

export interface FanoutFigures {
  readonly subscribers: number;
  readonly wrong: number;
  readonly missing: number;
  readonly ms: number;
  readonly heapGrowth: number;
  /** Heap used after a full GC once every Subscriber has gone. */
  readonly heapAfter: number;
}

export async function topicFanout(options: { readonly subscribers: number }): Promise<FanoutFigures> {
  const started = Date.now();
  const before = memory();
  // An XPublisher tells when every subscription has arrived; a Publisher would not.
  const pub = new XPublisher({ linger: 0, backlog: options.subscribers });
  await pub.bind("tcp://127.0.0.1:*");
  let disconnects = 0;
  const events = pub.events;
  void (async () => {
    for await (const e of events) if (e.type === "disconnect") disconnects++;
  })();
  const subs = Array.from({ length: options.subscribers }, (_, i) => {
    const s = new Subscriber({ linger: 0 });
    s.subscribe(`topic-${i}/`);
    s.connect(pub.lastEndpoint!);
    return s;
  });
  let wrong = 0;
  let missing = 0;
  try {
    let subscribed = 0;
    await bounded(
      (async () => {
        for await (const [frame] of pub) if (frame![0] === 1 && ++subscribed === options.subscribers) break;
      })(),
      60_000,
      "subscriptions",
    );
    for (let i = 0; i < options.subscribers; i++) await pub.send([`topic-${i}/`, `for ${i}`]);
    // Each subscriber's first message must be its own; a second one (any topic) would be wrong.
    await bounded(
      Promise.all(
        subs.map(async (s, i) => {
          const [topic, body] = await s.receive();
          if (topic!.toString() !== `topic-${i}/` || body!.toString() !== `for ${i}`) wrong++;
        }),
      ),
      60_000,
      "fan-out",
    );
    await pub.send(["nobody/", "x"]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const s of subs) if (s.readable) wrong++;
  } catch (error) {
    missing = subs.filter((s) => !s.readable).length;
    throw error;
  } finally {
    for (const s of subs) s.close();
  }
  // Measure once the Publisher has seen every Subscriber go.
  await bounded(
    new Promise<void>((resolve) => {
      const check = () => (disconnects >= options.subscribers ? resolve() : setTimeout(check, 10));
      check();
    }),
    60_000,
    "disconnects",
  );
  pub.close();
  const after = memory();
  const figures = {
    subscribers: options.subscribers,
    wrong,
    missing,
    ms: Date.now() - started,
    heapGrowth: after.heapUsed - before.heapUsed,
    heapAfter: after.heapUsed,
  };
  report(`topic fan-out (${options.subscribers} Subscribers, distinct topics)`, {
    ...figures,
    heapGrowth: mib(figures.heapGrowth),
    heapAfter: mib(figures.heapAfter),
  });
  return figures;
}
