// Publish/subscribe benchmarks over tcp (127.0.0.1), publisher and
// subscribers in separate node processes (pubsub-peer.js), zmq-ts and
// zeromq.js by the same code with only the import changed:
//
// (a) PUB -> SUB throughput, 64-byte messages, with 1 subscriber (at the
//     default high-water marks and with none, HWM 0 on both sides), 10 and
//     100 (all subscribed to everything; by default the subscribers share one
//     process, --sub-procs spreads them), and the publisher's CPU per
//     message sent (encode once: it should grow slower than the count). The publisher sends a probe every
//     millisecond until every subscriber has had one (no bare sleep for the
//     slow joiner), then publishes flat out, yielding to the event loop
//     every --batch messages. Each subscriber counts what it received in a
//     timed window by its own clock: the table shows received msgs/s per
//     subscriber and, for more than one, their sum. PUB drops for a subscriber that
//     falls behind, by design: the log shows sent vs received per trial and
//     the note the share delivered.
// (b) The cost of matching: one subscriber subscribes to 10,000 distinct
//     topics; the publisher (an XPublisher, which counts the 10,000
//     subscriptions arriving before it starts: PUB and XPUB send by the same
//     code in both libraries) publishes messages whose topics are drawn from
//     100,000, so one in ten matches. The table shows the publisher's own
//     send rate.
//
// Each case runs a few trials with the two implementations alternating; the
// median of the trials counts.
//
//   pnpm --filter @zmq/bench bench:pubsub [--seconds 2] [--warmup 0.5] [--trials 3] [--quick]
//       [--subscribers 1,10,100] [--hwm default,0] [--sub-procs 1] [--batch 256] [--topics 10000]
//       [--impls zmq-ts,zeromq.js,libzmq] [--only fanout|topics]
//       [--profile DIR]   (node --cpu-prof for every child, profiles in DIR)
//
// A run with --profile or a filter (--subscribers, --impls, --only, or a
// changed --sub-procs, --batch, --topics) prints its table but leaves
// results/pubsub.{json,md} alone.
import { join } from "node:path";
import { type Child, type Cpu, Figures, Flags, Harness, Machine, Trials, cpuShare, endAll, localEndpoint, rate } from "./harness.js";
import type { PubSubMessage } from "./pubsub-peer.js";
import type { Row } from "./report.js";

const flags = new Flags();
const { seconds, warmup, trials } = flags.timing();
const subscriberCounts = flags.list("--subscribers", ["1", "10", "100"]).map(Number);
/** High-water marks of the fan-out cases: "default" (each library's 1,000) or a number (0: none), on the publisher and the subscribers. */
const hwms = flags.list("--hwm", ["default"]).map((h) => (h === "default" ? undefined : Number(h)));
for (const h of hwms) if (h !== undefined && !(Number.isInteger(h) && h >= 0)) throw new Error(`--hwm: default or a whole number, not ${h}`);
/** The fan-out cases: every count with every HWM; by default also 1 subscriber with HWM 0. */
const fanoutCases = subscriberCounts.flatMap((subscribers) => hwms.map((hwm) => ({ subscribers, hwm })));
if (!flags.any(["--subscribers", "--hwm"])) fanoutCases.splice(1, 0, { subscribers: 1, hwm: 0 });
const subProcs = Math.round(flags.number("--sub-procs", 1));
const batch = Math.round(flags.number("--batch", 256));
const topics = Math.round(flags.number("--topics", 10_000));
const impls = flags.impls(true);
const only = flags.string("--only");
const size = 64;
/** Subscriptions per step of the matching case, below the default high-water mark of 1,000. */
const chunk = 500;
for (const n of subscriberCounts) if (!Number.isInteger(n) || n < 1) throw new Error(`--subscribers: whole numbers >= 1, not ${n}`);
if (only !== undefined && only !== "fanout" && only !== "topics") throw new Error(`--only: fanout or topics, not ${only}`);

const harness = new Harness(join(import.meta.dirname, "pubsub-peer.js"), flags.string("--profile"));
const address = "tcp://127.0.0.1:*";
let runNumber = 0;
const checkLocal = (tag: string, endpoint: string | undefined) => localEndpoint(tag, "publisher", endpoint, address);

// ---- (a) fan-out -----------------------------------------------------------------

interface Fanout {
  /** Received msgs/s of each subscriber over its window. */
  rates: number[];
  sent: number;
  /** Everything each subscriber received, or undefined if it never saw the end marker. */
  totals: (number | undefined)[];
  pubCpu: Cpu;
  subCpu: Cpu[];
}

async function fanoutTrial(impl: string, subscribers: number, hwm: number | undefined): Promise<Fanout> {
  const n = ++runNumber;
  const tag = `pubsub-${subscribers}-${impl}-${n}`;
  const hwmArg = hwm === undefined ? [] : [String(hwm)];
  const pub = harness.spawn<PubSubMessage>(`${tag}-pub`, [
    "pub",
    impl,
    address,
    String(size),
    String(batch),
    String((warmup + seconds) * 1000 + 30_000),
    ...hwmArg,
  ]);
  const subs: Child<PubSubMessage>[] = [];
  try {
    const endpoint = checkLocal(tag, (await pub.next("ready", 15_000)).endpoint);
    const procs = Math.min(subProcs, subscribers);
    for (let p = 0; p < procs; p++) {
      const sockets = Math.floor(subscribers / procs) + (p < subscribers % procs ? 1 : 0);
      subs.push(
        harness.spawn(`${tag}-sub${p}`, [
          "sub",
          impl,
          endpoint,
          String(sockets),
          String(size),
          String(warmup * 1000),
          String(seconds * 1000),
          ...hwmArg,
        ]),
      );
    }
    for (const s of subs) await s.next("ready", 15_000);
    pub.tell("go");
    const results: Extract<PubSubMessage, { type: "result" }>[] = [];
    for (const s of subs) results.push(await s.next("result", (warmup + seconds) * 1000 + 20_000));
    pub.tell("stop");
    const sent = await pub.next("sent", 10_000);
    if (sent.byDeadline) console.warn(`  ${tag}: the publisher stopped on its own deadline, not on "stop"`);
    const totals = await Promise.all(
      subs.map((s) =>
        s.next("drained", 3_000).then(
          (d) => d.totals,
          () => undefined,
        ),
      ),
    );
    return {
      rates: results.flatMap((r) => r.windows.map((w) => w.count / (w.elapsedMs / 1000))),
      sent: sent.sent,
      totals: totals.flatMap((t, p) => t ?? new Array<undefined>(results[p]!.windows.length).fill(undefined)),
      pubCpu: sent.cpu,
      subCpu: results.map((r) => r.cpu),
    };
  } finally {
    await endAll([pub, ...subs]);
  }
}

// ---- (b) matching against many subscriptions -----------------------------------

interface Matching {
  msgsPerSec: number;
  count: number;
  seconds: number;
  subscribeMs: number;
  sent: number;
  matched: number;
  received: number | undefined;
  pubCpu: Cpu;
}

async function matchingTrial(impl: string): Promise<Matching> {
  const n = ++runNumber;
  const tag = `topics-${impl}-${n}`;
  const pub = harness.spawn<PubSubMessage>(`${tag}-xpub`, [
    "xpub",
    impl,
    address,
    String(topics),
    String(chunk),
    String(size),
    String(batch),
    String(warmup * 1000),
    String(seconds * 1000),
  ]);
  let sub: Child<PubSubMessage> | undefined;
  try {
    const endpoint = checkLocal(tag, (await pub.next("ready", 15_000)).endpoint);
    sub = harness.spawn(`${tag}-sub`, ["topicsub", impl, endpoint, String(topics), String(size), String(chunk)]);
    // Chunk by chunk: the subscriber subscribes, the publisher counts, the subscriber goes on.
    let counted = 0;
    while (counted < topics) {
      const { upTo } = await sub.next("chunk", 15_000);
      while (counted < upTo) counted = (await pub.next("progress", 15_000)).topics;
      sub.tell("more");
    }
    const subscribed = await pub.next("subscribed", 15_000);
    const result = await pub.next("result", (warmup + seconds) * 1000 + 20_000);
    const sent = await pub.next("sent", 10_000);
    const drained = await sub.next("drained", 3_000).catch(() => undefined);
    const w = result.windows[0]!;
    return {
      msgsPerSec: w.count / (w.elapsedMs / 1000),
      count: w.count,
      seconds: w.elapsedMs / 1000,
      subscribeMs: subscribed.ms,
      sent: sent.sent,
      matched: sent.matched,
      received: drained?.totals[0],
      pubCpu: result.cpu,
    };
  } finally {
    await endAll([pub, sub]);
  }
}

// ---- the table -------------------------------------------------------------------

const pct = (x: number) => `${(100 * x).toFixed(x < 0.995 ? 1 : 0)}%`;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const machine = new Machine();
const rows: Row[] = [];
/** What share of the messages reached the subscribers, per case and implementation. */
const delivery: string[] = [];
const runs = new Trials(impls, trials);
const deliveredNote = (what: string, m: Figures) => `${what}: ${impls.map((i) => `${i} ${m.has(i) ? pct(m.median(i)) : "?"}`).join(", ")}`;

if (only !== "topics") {
  for (const { subscribers, hwm } of fanoutCases) {
    const hwmName = hwm === undefined ? "default HWM" : `HWM ${hwm}`;
    console.log(
      `PUB→SUB ${size} B over tcp, ${subscribers} subscriber(s) in ${Math.min(subProcs, subscribers)} process(es), ${hwmName}, publisher yielding every ${batch}: ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up`,
    );
    const perSub = new Figures();
    const aggregate = new Figures();
    const delivered = new Figures();
    const pubCpuPerMsg = new Figures();
    await runs.run(
      (impl) => `${subscribers} sub ${hwmName} ${impl}`,
      (impl) => fanoutTrial(impl, subscribers, hwm),
      (impl, r) => {
        const total = sum(r.rates);
        perSub.add(impl, total / r.rates.length);
        pubCpuPerMsg.add(impl, ((r.pubCpu.userMs + r.pubCpu.systemMs) * 1000) / r.sent);
        aggregate.add(impl, total);
        const known = r.totals.filter((x): x is number => x !== undefined);
        if (known.length > 0) delivered.add(impl, sum(known) / known.length / r.sent);
        const missing = r.totals.length - known.length;
        return (
          `${rate(total / r.rates.length)} msgs/s per subscriber (min ${rate(Math.min(...r.rates))}, max ${rate(Math.max(...r.rates))}), ${rate(total)} in all; ` +
          `sent ${r.sent}, received ${known.length > 0 ? `${Math.round(sum(known) / known.length)} per subscriber (${pct(sum(known) / known.length / r.sent)})` : "?"}` +
          `${missing > 0 ? `, ${missing} subscriber(s) missed the end marker` : ""}; publisher ${cpuShare(r.pubCpu)}, ${(((r.pubCpu.userMs + r.pubCpu.systemMs) * 1000) / r.sent).toFixed(3)} µs CPU a message, subscribers ${r.subCpu.map(cpuShare).join(" / ")}`
        );
      },
    );
    const plural = `${subscribers === 1 ? "1 subscriber" : `${subscribers} subscribers`}, ${hwmName}`;
    rows.push(perSub.row(`tcp PUB→SUB, ${size} B, ${plural}${subscribers > 1 ? ", per subscriber" : ""}`, "msgs/s received", { bytesPerMsg: size }));
    if (subscribers > 1) rows.push(aggregate.row(`tcp PUB→SUB, ${size} B, ${plural}, all together`, "msgs/s received", { bytesPerMsg: size }));
    rows.push(pubCpuPerMsg.row(`tcp PUB→SUB, ${size} B, ${plural}, publisher CPU per message sent`, "µs", { lowerIsBetter: true }));
    delivery.push(deliveredNote(plural, delivered));
  }
}

if (only !== "fanout") {
  console.log(
    `PUB→SUB ${size} B over tcp, 1 subscriber with ${topics.toLocaleString("en-US")} subscriptions, 1 message in 10 matching: ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up`,
  );
  const results = new Figures();
  const delivered = new Figures();
  await runs.run(
    (impl) => impl,
    (impl) => matchingTrial(impl),
    (impl, r) => {
      results.add(impl, r.msgsPerSec);
      if (r.received !== undefined) delivered.add(impl, r.received / r.matched);
      return (
        `${rate(r.msgsPerSec)} msgs/s published (${r.count} in ${r.seconds.toFixed(2)} s), ${topics} subscriptions in place after ${Math.round(r.subscribeMs)} ms; ` +
        `${r.sent} sent, ${r.matched} matching, ${r.received ?? "?"} received (${r.received === undefined ? "?" : pct(r.received / r.matched)}); publisher ${cpuShare(r.pubCpu)}`
      );
    },
  );
  rows.push(
    results.row(`tcp PUB→SUB, ${size} B, ${topics.toLocaleString("en-US")} subscriptions, 10% matching, published`, "msgs/s sent", {
      bytesPerMsg: size,
    }),
  );
  delivery.push(deliveredNote(`matching messages with ${topics.toLocaleString("en-US")} subscriptions`, delivered));
}

const title = "Publish/subscribe throughput over tcp";
const note =
  `publisher and subscribers in separate node processes (subscribers in ${subProcs} process(es)), same code path; the publisher yields to the event loop every ${batch} sends; ` +
  `median of ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up, rates received as counted by each subscriber (the matching case: sent, as counted by the publisher); ` +
  `PUB drops at the high-water mark by design, share delivered (median): ${delivery.join("; ")}; ` +
  machine.summary();
harness.finish({
  name: "pubsub",
  title,
  rows,
  note,
  partial: flags.any(["--subscribers", "--hwm", "--impls", "--only", "--sub-procs", "--batch", "--topics"]),
  failures: runs.failures,
});
