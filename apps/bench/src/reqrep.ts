// Request/reply benchmarks, client and server in separate node processes
// (reqrep-peer.js), zmq-ts and zeromq.js by the same code with only the
// import changed:
//
// (a) REQ -> REP round-trip latency over tcp (127.0.0.1) and ipc (a unix
//     socket under os.tmpdir()), 64-byte messages: after a warm-up, the
//     client times each of N round trips (send, then receive the echo) with
//     process.hrtime.bigint(); p50, p99 and mean in microseconds.
// (b) DEALER -> ROUTER throughput over tcp, 64-byte messages, measured as
//     throughput.ts measures Push -> Pull: the ROUTER counts the messages of
//     a timed window by its own clock, then drains to an end marker.
//
// Each case runs a few trials with the two implementations alternating; the
// median of the trials counts (for latency: of each statistic).
//
//   pnpm --filter @zmq/bench bench:reqrep [--round-trips 20000] [--warmup-round-trips 5000]
//       [--seconds 2] [--warmup 0.5] [--trials 3] [--quick] [--size 64]
//       [--transports tcp,ipc] [--impls zmq-ts,zeromq.js,libzmq] [--only latency|throughput]
//       [--profile DIR]   (node --cpu-prof for every child, profiles in DIR)
//
// A run with --profile or a filter (--transports, --impls, --only, --size)
// prints its table but leaves results/reqrep.{json,md} alone.
import { join } from "node:path";
import { type Child, Figures, Flags, Harness, Machine, Trials, cpuShare, endAll, localEndpoint, rate } from "./harness.js";
import type { Row } from "./report.js";
import type { ReqRepMessage } from "./reqrep-peer.js";

const flags = new Flags();
const { quick, seconds, warmup, trials } = flags.timing();
const roundTrips = Math.round(flags.number("--round-trips", quick ? 3_000 : 20_000));
const warmupRoundTrips = Math.round(flags.number("--warmup-round-trips", quick ? 1_000 : 5_000));
const size = Math.round(flags.number("--size", 64));
const impls = flags.impls(true);
const transports = flags.transports();
const only = flags.string("--only");
if (only !== undefined && only !== "latency" && only !== "throughput") throw new Error(`--only: latency or throughput, not ${only}`);

const harness = new Harness(join(import.meta.dirname, "reqrep-peer.js"), flags.string("--profile"));
let runNumber = 0;

// ---- (a) latency ---------------------------------------------------------------

type Latency = Extract<ReqRepMessage, { type: "latency" }>;

async function latencyTrial(impl: string, transport: string): Promise<Latency> {
  const n = ++runNumber;
  const tag = `rtt-${transport}-${impl}-${n}`;
  const address = harness.bindAddress(transport, n);
  const rep = harness.spawn<ReqRepMessage>(`${tag}-rep`, ["rep", impl, address]);
  let req: Child<ReqRepMessage> | undefined;
  try {
    const endpoint = localEndpoint(tag, "server", (await rep.next("ready", 15_000)).endpoint, address);
    req = harness.spawn<ReqRepMessage>(`${tag}-req`, ["req", impl, endpoint, String(size), String(warmupRoundTrips), String(roundTrips)]);
    // Even at 1 ms a round trip the run ends well within this.
    return await req.next("latency", 15_000 + (warmupRoundTrips + roundTrips) * 1);
  } finally {
    await endAll([req, rep]);
  }
}

// ---- (b) throughput: as throughput.ts, a ROUTER receiving from a DEALER --------

function throughputTrial(impl: string, transport: string) {
  const n = ++runNumber;
  const tag = `dealer-router-${transport}-${impl}-${n}`;
  return harness.throughputTrial({
    tag,
    impl,
    address: harness.bindAddress(transport, n),
    roles: ["router", "dealer"],
    receiver: "server",
    size,
    warmup,
    seconds,
  });
}

// ---- the table -------------------------------------------------------------------

const us = (x: number) => `${x.toFixed(1)} µs`;
const machine = new Machine();
const rows: Row[] = [];
const runs = new Trials(impls, trials);

// Raw node:net ping-pong runs beside the latency cases: the floor for a Node program.
const withFloor = new Trials([...impls, "node:net"], trials);
if (only !== "throughput") {
  console.log(
    `REQ→REP round trips, ${size} B, client and server in separate processes: ${trials} trial(s) of ${roundTrips} after ${warmupRoundTrips} warm-up`,
  );
  for (const transport of transports) {
    const stats = { p50: new Figures(), p99: new Figures(), mean: new Figures() };
    await withFloor.run(
      (impl) => `${transport} ${impl}`,
      (impl) => latencyTrial(impl, transport),
      (impl, r) => {
        for (const [key, value] of [
          ["p50", r.p50Us],
          ["p99", r.p99Us],
          ["mean", r.meanUs],
        ] as const)
          stats[key].add(impl, value);
        return `p50 ${us(r.p50Us)}, p99 ${us(r.p99Us)}, mean ${us(r.meanUs)}, min ${us(r.minUs)}, max ${us(r.maxUs)}; ${rate(r.n / (r.cpu.wallMs / 1000))} round trips/s; client ${cpuShare(r.cpu)}`;
      },
    );
    for (const key of ["p50", "p99", "mean"] as const) {
      const floor = stats[key].median("node:net");
      rows.push(stats[key].row(`${transport} REQ→REP round trip, ${size} B, ${key}`, "µs", { lowerIsBetter: true, floor }));
    }
  }
}

if (only !== "latency") {
  const transport = "tcp";
  console.log(
    `DEALER→ROUTER throughput, ${size} B over ${transport}, separate processes: ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up`,
  );
  const results = new Figures();
  await runs.run(
    (impl) => `${transport} ${impl}`,
    (impl) => throughputTrial(impl, transport),
    (impl, r) => {
      results.add(impl, r.msgsPerSec);
      return `${rate(r.msgsPerSec)} msgs/s (${r.count} in ${r.seconds.toFixed(2)} s); router ${cpuShare(r.recvCpu)}, dealer ${cpuShare(r.sendCpu)}`;
    },
  );
  rows.push(results.row(`${transport} DEALER→ROUTER, ${size} B`, "msgs/s", { bytesPerMsg: size }));
}

const title = "Request/reply: REQ→REP latency and DEALER→ROUTER throughput";
const note =
  `client and server in separate node processes, same code path; latency: median over ${trials} trial(s) of each statistic of ${roundTrips.toLocaleString("en-US")} timed round trips after ${warmupRoundTrips.toLocaleString("en-US")} warm-up, ` +
  `ratio = zeromq.js / zmq-ts (above 1: zmq-ts is faster); throughput: median of ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up, the ROUTER's count; ` +
  machine.summary();
harness.finish({
  name: "reqrep",
  title,
  rows,
  note,
  partial: flags.any(["--transports", "--impls", "--only", "--size"]),
  failures: runs.failures + withFloor.failures,
});
