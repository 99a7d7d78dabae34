// One end of a pubsub.ts run, started with fork(). The same code runs
// zmq-ts and zeromq.js: only the import differs.
//
//   node dist/pubsub-peer.js pub      <impl> <bind-address> <size> <batch> <max-ms> [<hwm>]
//   node dist/pubsub-peer.js sub      <impl> <endpoint> <sockets> <size> <warmup-ms> <window-ms> [<hwm>]
//   node dist/pubsub-peer.js xpub     <impl> <bind-address> <topics> <chunk> <size> <batch> <warmup-ms> <window-ms>
//   node dist/pubsub-peer.js topicsub <impl> <endpoint> <topics> <size> <chunk>
//
// <hwm>, where given, is the publisher's send and the subscribers' receive
// high-water mark (0: none); otherwise each library's default (1,000).
//
// Messages are told apart by length: <size> bytes is data, 1 byte a probe,
// anything else the end marker.
//
// pub: binds a Publisher, reports { type: "ready", endpoint }, and sends a
//   probe every millisecond until the parent says "go" (a subscriber is
//   ready once a probe reached it: its subscription is in place). Then it
//   publishes `batch` messages at a time, yielding to the event loop after
//   each batch (a publisher that never yields starves zmq-ts's I/O, which
//   shares the thread, and it could not hear "stop"), until "stop"; reports
//   { type: "sent", sent }, then sends an end marker every 2 ms until "exit".
// sub: <sockets> Subscribers in this process, each subscribed to
//   everything; reports { type: "ready" } once every socket has had a probe.
//   Each socket counts the data messages of a timed window by its own clock,
//   starting <warmup-ms> after its first one; { type: "result" } carries
//   every socket's window. Each socket then counts on to the end marker:
//   { type: "drained", totals } (PUB drops for a subscriber that falls
//   behind: sent - received is what was dropped).
// xpub: binds an XPublisher, counts the subscriptions that arrive
//   ({ type: "progress" } every <chunk>) until it has <topics> of them
//   ({ type: "subscribed" }), then publishes a fixed
//   table of messages whose topics are drawn from ten times as many topics
//   (one message in ten matches), `batch` at a time as pub does, and times
//   its own sends: <warmup-ms>, then a <window-ms> window ({ type: "result" }).
//   Then { type: "sent" } and end markers until "exit".
// topicsub: a Subscriber to <topics> distinct topics, <chunk> at a time:
//   after each chunk it reports { type: "chunk", upTo } and waits for
//   "more", which the parent sends once the xpub has counted them (a
//   subscription that finds the queue to the publisher full is dropped, in
//   libzmq as in zmq-ts). Counts what arrives until the end marker:
//   { type: "drained", totals: [n] }.
//
// Every role exits on "exit" from the parent, when the parent goes away,
// and after two minutes in any case.
import {
  type Cpu,
  type Sock,
  type Window,
  WindowClock,
  bindReady,
  closeAndExit,
  cpuSince,
  fail,
  guard,
  load,
  onCommand,
  report as reportAny,
  startRun,
  yieldToLoop,
} from "./child-common.js";

interface PublisherLike extends Sock {
  readonly lastEndpoint: string | null;
  bind(address: string): Promise<void>;
  send(message: Buffer): Promise<void>;
}
interface XPublisherLike extends PublisherLike, AsyncIterable<Buffer[]> {}
interface SubscriberLike extends Sock, AsyncIterable<Buffer[]> {
  connect(endpoint: string): void;
  subscribe(...topics: (string | Buffer)[]): void;
}
interface Library {
  Publisher: new (options?: { sendHighWaterMark?: number }) => PublisherLike;
  XPublisher: new () => XPublisherLike;
  Subscriber: new (options?: { receiveHighWaterMark?: number }) => SubscriberLike;
}

export type { Window };
export type PubSubMessage =
  | { type: "ready"; endpoint?: string }
  | { type: "chunk"; upTo: number }
  | { type: "progress"; topics: number }
  | { type: "subscribed"; topics: number; ms: number }
  | { type: "result"; windows: Window[]; cpu: Cpu }
  | { type: "sent"; sent: number; matched: number; byDeadline: boolean; cpu: Cpu }
  | { type: "drained"; totals: number[] };

const report = (message: PubSubMessage) => reportAny(message);
const [role, impl, target, ...rest] = process.argv.slice(2);
const arg = (i: number) => Number(rest[i]);
guard("pubsub-peer", 120_000);

const PROBE = Buffer.from("p");
const END = Buffer.alloc(0);

/** Control from the parent: "go", "stop", "exit" (which closes the socket and ends the process). */
function control(sock: Sock | undefined): { go: boolean; stop: boolean } {
  const state = { go: false, stop: false };
  onCommand((c) => {
    if (c === "go") state.go = true;
    else if (c === "stop") state.stop = true;
    else if (c === "exit") closeAndExit(sock);
  });
  return state;
}

/** After the data: the end marker every 2 ms (PUB may drop one) until the parent says "exit". */
async function endMarkers(pub: PublisherLike, marker: Buffer): Promise<never> {
  for (;;) {
    await pub.send(marker);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The optional <hwm> argument at index i of the role's numbers. */
const hwmArg = (i: number) => (rest[i] === undefined ? undefined : arg(i));

async function publisher(lib: Library, address: string, size: number, batch: number, maxMs: number, hwm: number | undefined): Promise<void> {
  const pub = new lib.Publisher(hwm === undefined ? {} : { sendHighWaterMark: hwm });
  const state = control(pub);
  await bindReady(pub, address);
  while (!state.go) {
    await pub.send(PROBE);
    await new Promise((r) => setTimeout(r, 1));
  }
  const msg = Buffer.alloc(size, 0x61);
  const run = startRun(maxMs);
  let sent = 0;
  let byDeadline = false;
  while (!state.stop) {
    for (let i = 0; i < batch; i++) await pub.send(msg);
    sent += batch;
    await yieldToLoop();
    if (performance.now() > run.deadline) {
      byDeadline = true;
      break;
    }
  }
  await report({ type: "sent", sent, matched: sent, byDeadline, cpu: run.cpu() });
  await endMarkers(pub, END);
}

async function subscribers(
  lib: Library,
  endpoint: string,
  sockets: number,
  size: number,
  warmupMs: number,
  windowMs: number,
  hwm: number | undefined,
): Promise<void> {
  const subs = Array.from({ length: sockets }, () => new lib.Subscriber(hwm === undefined ? {} : { receiveHighWaterMark: hwm }));
  control(undefined);
  let ready = 0;
  let windowsDone = 0;
  let drained = 0;
  const windows: Window[] = new Array<Window>(sockets);
  const totals: number[] = new Array<number>(sockets).fill(0);
  let cpuStart: NodeJS.CpuUsage | undefined;
  let cpuWall = 0;

  const run = async (sub: SubscriberLike, index: number) => {
    let probed = false;
    let count = 0;
    const clock = new WindowClock(warmupMs, windowMs);
    for await (const [msg] of sub) {
      const length = msg!.length;
      if (length === size) {
        if (++count === 1) clock.first = performance.now();
        // The clock is read every 256 messages; each count is taken with its time.
        if (!clock.done && (count & 255) === 0) {
          const now = performance.now();
          const window = clock.read(count, now);
          if (window === "mark") {
            if (!cpuStart) {
              cpuStart = process.cpuUsage();
              cpuWall = now;
            }
          } else if (window) {
            windows[index] = window;
            if (++windowsDone === sockets) void report({ type: "result", windows, cpu: cpuSince(cpuStart!, cpuWall, now) });
          }
        }
      } else if (length === 1) {
        if (!probed) {
          probed = true;
          if (++ready === sockets) void report({ type: "ready" });
        }
      } else {
        totals[index] = count;
        if (++drained === sockets) void report({ type: "drained", totals });
        return;
      }
    }
  };
  for (const sub of subs) {
    sub.subscribe();
    sub.connect(endpoint);
  }
  await Promise.all(subs.map(run));
}

/** Topic i as a fixed-width string: no topic is a prefix of another. */
const topicName = (i: number, width: number) => `sym-${String(i).padStart(width, "0")}.`;
const widthFor = (topics: number) => Math.max(5, String(topics * 10 - 1).length);

async function xpublisher(
  lib: Library,
  address: string,
  topics: number,
  chunk: number,
  size: number,
  batch: number,
  warmupMs: number,
  windowMs: number,
): Promise<void> {
  const pub = new lib.XPublisher();
  control(pub);
  await bindReady(pub, address);
  const subscribeStart = performance.now();
  let subscribed = 0;
  for await (const [frame] of pub) {
    if (frame![0] !== 1) continue;
    if (++subscribed % chunk === 0 || subscribed === topics) void report({ type: "progress", topics: subscribed });
    if (subscribed === topics) break;
  }
  void report({ type: "subscribed", topics: subscribed, ms: performance.now() - subscribeStart });

  // The subscriber has topics 0, 10, 20, ...: a message's topic is drawn from ten times as many.
  const width = widthFor(topics);
  const tableSize = 8192;
  const table: Buffer[] = [];
  const matches = new Uint8Array(tableSize);
  let seed = 12345;
  for (let i = 0; i < tableSize; i++) {
    // xorshift32; its high bits pick the topic.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const t = Math.floor(((seed >>> 0) / 2 ** 32) * topics * 10);
    const msg = Buffer.alloc(size, 0x61);
    msg.write(topicName(t, width), "latin1");
    table.push(msg);
    matches[i] = t % 10 === 0 ? 1 : 0;
  }

  let sent = 0;
  let matched = 0;
  let at = 0;
  const run = startRun();
  // The warm-up counts from the first send.
  const clock = new WindowClock(warmupMs, windowMs);
  clock.first = run.startWall;
  let markCpu = process.cpuUsage();
  for (;;) {
    for (let i = 0; i < batch; i++) {
      await pub.send(table[at]!);
      matched += matches[at]!;
      at = (at + 1) & (tableSize - 1);
    }
    sent += batch;
    await yieldToLoop();
    const now = performance.now();
    const window = clock.read(sent, now);
    if (window === "mark") markCpu = process.cpuUsage();
    else if (window) {
      await report({ type: "result", windows: [window], cpu: cpuSince(markCpu, clock.markTime, now) });
      break;
    }
  }
  await report({ type: "sent", sent, matched, byDeadline: false, cpu: run.cpu() });
  await endMarkers(pub, Buffer.from(topicName(0, width), "latin1"));
}

async function topicSubscriber(lib: Library, endpoint: string, topics: number, size: number, chunk: number): Promise<void> {
  const sub = new lib.Subscriber();
  let more: () => void = () => {};
  onCommand((c) => {
    if (c === "more") more();
    else if (c === "exit") closeAndExit(sub);
  });
  const width = widthFor(topics);
  const names: string[] = [];
  for (let i = 0; i < topics; i++) names.push(topicName(i * 10, width));
  sub.connect(endpoint);
  const counting = (async () => {
    let count = 0;
    for await (const [msg] of sub) {
      if (msg!.length !== size) break;
      count++;
    }
    await report({ type: "drained", totals: [count] });
  })();
  // A subscription that finds the queue to the publisher full is dropped (in
  // libzmq as in zmq-ts): subscribe a chunk at a time, each once the
  // publisher has counted the one before.
  for (let from = 0; from < topics; from += chunk) {
    const upTo = Math.min(topics, from + chunk);
    const next = new Promise<void>((r) => (more = r));
    sub.subscribe(...names.slice(from, upTo));
    void report({ type: "chunk", upTo });
    await next;
  }
  await counting;
}

const lib: Library = await load(impl).catch(fail);
if (role === "pub") await publisher(lib, target!, arg(0), arg(1), arg(2), hwmArg(3)).catch(fail);
else if (role === "sub") await subscribers(lib, target!, arg(0), arg(1), arg(2), arg(3), hwmArg(4)).catch(fail);
else if (role === "xpub") await xpublisher(lib, target!, arg(0), arg(1), arg(2), arg(3), arg(4), arg(5)).catch(fail);
else if (role === "topicsub") await topicSubscriber(lib, target!, arg(0), arg(1), arg(2)).catch(fail);
else await fail(new Error(`unknown role ${role}`));
