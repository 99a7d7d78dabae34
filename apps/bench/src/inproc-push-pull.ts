// Push -> Pull over inproc, 64-byte messages: zmq-ts and zeromq.js run the
// same loop in the same process, one after the other, three trials each;
// the median counts. A sender awaits every send(); a receiver uses
// for await. Prints msgs/s for both and the ratio. libzmq C runs beside
// them (c/zmq-peer.c's inproc role: a PUSH and a PULL on two threads of one
// process, the pattern of libzmq's inproc_thr).
//
//   pnpm --filter @zmq/bench bench:inproc [--seconds 2]
import { Context } from "@zmq/kernel";
import { Pull, Push } from "@zmq/pattern-pipeline";
import { inproc } from "@zmq/transport-inproc";
import * as zmq from "zeromq";
import { Harness, median } from "./harness.js";
import { chromiumInproc } from "./inproc-browser.js";
import { LIBZMQ_C, libzmqPeer } from "./libzmq-c.js";
import { type Row, markdown, writeResults } from "./report.js";

interface Sender {
  send(msg: Uint8Array): Promise<void>;
  close(): void;
}
interface Receiver extends AsyncIterable<unknown> {
  close(): void;
}
interface Impl {
  name: string;
  make(endpoint: string): Promise<[Sender, Receiver]>;
}

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf("--seconds") + 1] ?? 1.5) || 1.5;

const ourContext = new Context({ transports: [inproc()] });
const impls: Impl[] = [
  {
    name: "zmq-ts",
    make: async (endpoint) => {
      const pull = new Pull({ context: ourContext });
      await pull.bind(endpoint);
      const push = new Push({ context: ourContext });
      push.connect(endpoint);
      return [push, pull];
    },
  },
  {
    name: "zeromq.js",
    make: async (endpoint) => {
      const pull = new zmq.Pull();
      await pull.bind(endpoint);
      const push = new zmq.Push();
      push.connect(endpoint);
      return [push, pull];
    },
  },
];

/**
 * The floor: the same loop over a plain array queue (a high-water mark of 1,000 as the sockets have, sends resolved at
 * once below it, a receiver woken by the next send), no ZeroMQ at all. What is left between it and zmq-ts is the
 * sockets' own work; the floor itself is V8's await and for-await machinery.
 */
function plainQueue(): [Sender, Receiver] {
  const hwm = 1000;
  let queue: Uint8Array[][] = [];
  let head = 0;
  let reader: ((r: IteratorResult<Uint8Array[]>) => void) | undefined;
  let writer: (() => void) | undefined;
  const resolved = Promise.resolve();
  const sender: Sender = {
    send(msg) {
      const m = [msg];
      if (reader) {
        const r = reader;
        reader = undefined;
        r({ value: m, done: false });
        return resolved;
      }
      queue.push(m);
      return queue.length - head < hwm ? resolved : new Promise<void>((resolve) => (writer = resolve));
    },
    close() {},
  };
  const iterator: AsyncIterator<Uint8Array[]> = {
    next() {
      if (head === queue.length) return new Promise((resolve) => (reader = resolve));
      const value = queue[head++]!;
      if (head === queue.length) {
        queue = [];
        head = 0;
      }
      if (writer && queue.length - head <= hwm / 2) {
        const w = writer;
        writer = undefined;
        w();
      }
      return Promise.resolve({ value, done: false });
    },
  };
  return [sender, { [Symbol.asyncIterator]: () => iterator, close() {} }];
}

let trial = 0;
async function run(impl: Impl, size: number): Promise<number> {
  const [push, pull] = await impl.make(`inproc://bench-${++trial}`);
  const msg = new Uint8Array(size);
  const stop = new Uint8Array(0);
  let received = 0;
  const receiving = (async () => {
    for await (const m of pull) {
      if ((m as Uint8Array[])[0]!.length === 0) break;
      received++;
    }
  })();
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) await push.send(msg);
  await push.send(stop);
  await receiving;
  const elapsed = (performance.now() - start) / 1000;
  push.close();
  pull.close();
  return received / elapsed;
}

/** libzmq C: one trial of c/zmq-peer.c's inproc role. */
const harness = new Harness(undefined);
async function runC(size: number): Promise<number> {
  const child = harness.spawn<{ type: "result"; count: number; elapsedMs: number }>("inproc-libzmq", [
    "inproc",
    LIBZMQ_C,
    String(size),
    String(seconds * 1000),
  ]);
  try {
    const r = await child.next("result", seconds * 1000 + 15_000);
    return r.count / (r.elapsedMs / 1000);
  } finally {
    child.tell("exit");
    await child.end(5_000);
  }
}

const rows: Row[] = [];
let browserVersion = "";
for (const size of [64]) {
  const results = new Map<string, number[]>();
  for (let t = 0; t < 3; t++) {
    for (const impl of impls) {
      const list = results.get(impl.name) ?? [];
      list.push(await run(impl, size));
      results.set(impl.name, list);
    }
    if (libzmqPeer()) results.set(LIBZMQ_C, [...(results.get(LIBZMQ_C) ?? []), await runC(size)]);
    results.set("floor", [...(results.get("floor") ?? []), await run({ name: "floor", make: () => Promise.resolve(plainQueue()) }, size)]);
  }
  const c = results.has(LIBZMQ_C) ? { libzmq: median(results.get(LIBZMQ_C)!) } : {};
  rows.push({
    case: `inproc Push→Pull, ${size} B`,
    ours: median(results.get("zmq-ts")!),
    zeromq: median(results.get("zeromq.js")!),
    ...c,
    floor: median(results.get("floor")!),
    unit: "msgs/s",
  });
  // The same loop in a Chromium page (zeromq.js and libzmq do not run there).
  const browser = await chromiumInproc(size, seconds, 3).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
  if (typeof browser === "string") console.warn(`no Chromium row: ${browser}`);
  else {
    browserVersion = browser.version;
    rows.push({ case: `inproc Push→Pull, ${size} B, in a Chromium page`, ours: median(browser.rates), zeromq: NaN, unit: "msgs/s" });
  }
}

const title = "Push/Pull over inproc";
const note = `zmq-ts and zeromq.js: the same loop in this process, one after the other; plain JS: that loop over an array queue with no ZeroMQ (the floor); libzmq C: a PUSH and a PULL on two threads of its own process; zmq-ts in ${browserVersion || "Chromium"}: the same loop in a headless page; median of 3 trials of ${seconds} s.`;
console.log(markdown(title, rows, { note, floorName: "plain JS" }));
writeResults("inproc-push-pull", title, rows, { note, floorName: "plain JS" });
process.exit(0);
