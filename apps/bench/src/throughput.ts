// Push -> Pull throughput over tcp (127.0.0.1) and ipc (a unix socket under
// os.tmpdir()), 1 B / 64 B / 1 KiB / 64 KiB / 1 MiB messages, the sender and the
// receiver in separate node processes (throughput-peer.js), zmq-ts and
// zeromq.js by the same code with only the import changed.
//
// Each trial: the receiver binds and reports its endpoint; the sender
// connects and runs `for (;;) await push.send(msg)` (default HWM). The
// receiver lets a warm-up pass, counts the messages of a timed window by its
// own clock and reports count and elapsed; the parent then tells the sender
// to stop, the sender sends a zero-length end marker, and the receiver
// drains to it (sent and received counts are checked): Harness.throughputTrial,
// which reqrep.ts's DEALER -> ROUTER case shares. The median of the
// trials counts; the two implementations alternate. Per trial the log shows
// the CPU each side used: a side near 100% is the bottleneck.
//
//   pnpm --filter @zmq/bench bench:throughput [--seconds 2] [--warmup 0.5] [--trials 3]
//       [--quick] [--sizes 64,65536] [--transports tcp,ipc] [--impls zmq-ts,zeromq.js,libzmq]
//       [--profile DIR]   (node --cpu-prof for every child, profiles in DIR)
//
// A run with --profile or a filter (--sizes, --transports, --impls) prints
// its table but leaves results/throughput.{json,md} alone.
import { join } from "node:path";
import { writeThroughputChart } from "./chart.js";
import { Figures, Flags, Harness, Machine, Trials, cpuShare, rate } from "./harness.js";
import type { Row } from "./report.js";

const flags = new Flags();
const { seconds, warmup, trials } = flags.timing();
const sizes = flags.list("--sizes", ["1", "64", "1024", "65536", "1048576"]).map(Number);
const transports = flags.transports();
const impls = flags.impls(true);
for (const s of sizes) if (!Number.isInteger(s) || s < 1) throw new Error(`--sizes: whole numbers of bytes >= 1, not ${s}`);

const harness = new Harness(join(import.meta.dirname, "throughput-peer.js"), flags.string("--profile"));
let runNumber = 0;

// ---- the table -------------------------------------------------------------

const sizeName = (n: number) =>
  n >= 1 << 20 && n % (1 << 20) === 0 ? `${n / (1 << 20)} MiB` : n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} B`;

const machine = new Machine();
console.log(`Push→Pull throughput, sender and receiver in separate processes: ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up per case`);
const rows: Row[] = [];
const runs = new Trials(impls, trials);
for (const transport of transports) {
  for (const size of sizes) {
    const results = new Figures();
    await runs.run(
      (impl) => `${transport} ${sizeName(size)} ${impl}`,
      (impl) => {
        const n = ++runNumber;
        const tag = `${transport}-${impl}-${size}-${n}`;
        return harness.throughputTrial({
          tag,
          impl,
          address: harness.bindAddress(transport, n),
          roles: ["recv", "send"],
          receiver: "receiver",
          size,
          warmup,
          seconds,
        });
      },
      (impl, r) => {
        results.add(impl, r.msgsPerSec);
        return `${rate(r.msgsPerSec)} msgs/s, ${((r.msgsPerSec * size) / 1e6).toFixed(1)} MB/s (${r.count} in ${r.seconds.toFixed(2)} s); receiver ${cpuShare(r.recvCpu)}, sender ${cpuShare(r.sendCpu)}`;
      },
    );
    rows.push(results.row(`${transport} Push→Pull, ${sizeName(size)}`, "msgs/s", { bytesPerMsg: size }));
  }
}

const title = "Push/Pull throughput over tcp and ipc";
const note = `sender and receiver in separate node processes, same code path; median of ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up; MB/s = payload bytes (10^6) per second; ${machine.summary()}`;
const partial = flags.any(["--sizes", "--transports", "--impls"]);
// The README's chart: tcp, by message size, one line per implementation.
if (!partial && !flags.has("--profile")) {
  writeThroughputChart(
    "throughput",
    "Push→Pull over tcp, sender and receiver in separate processes",
    rows.filter((r) => r.case.startsWith("tcp ")),
  );
}
harness.finish({ name: "throughput", title, rows, note, partial, failures: runs.failures });
