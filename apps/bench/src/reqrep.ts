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
//       [--transports tcp,ipc] [--impls zmq-ts,zeromq.js] [--only latency|throughput]
//       [--profile DIR]   (node --cpu-prof for every child, profiles in DIR)
//
// A run with --profile or a filter (--transports, --impls, --only, --size)
// prints its table but leaves results/reqrep.{json,md} alone.
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { type Child, type Cpu, Flags, Harness, LOCAL_TCP, cpuShare, errorText, median, rate } from "./harness.js";
import { type Row, markdown, writeResults } from "./report.js";
import type { ReqRepMessage } from "./reqrep-peer.js";

const flags = new Flags();
const quick = flags.has("--quick");
const roundTrips = Math.round(flags.number("--round-trips", quick ? 3_000 : 20_000));
const warmupRoundTrips = Math.round(flags.number("--warmup-round-trips", quick ? 1_000 : 5_000));
const seconds = flags.number("--seconds", quick ? 0.5 : 2);
const warmup = flags.number("--warmup", quick ? 0.25 : 0.5);
const trials = Math.round(flags.number("--trials", quick ? 1 : 3));
const size = Math.round(flags.number("--size", 64));
const transports = flags.list("--transports", ["tcp", "ipc"]);
const impls = flags.impls();
const only = flags.string("--only");
for (const t of transports) if (t !== "tcp" && t !== "ipc") throw new Error(`--transports: tcp or ipc, not ${t}`);
if (only !== undefined && only !== "latency" && only !== "throughput") throw new Error(`--only: latency or throughput, not ${only}`);

const harness = new Harness(join(import.meta.dirname, "reqrep-peer.js"), flags.string("--profile"));
let runNumber = 0;

function bindAddress(transport: string, n: number): string {
  return transport === "tcp" ? "tcp://127.0.0.1:*" : `ipc://${join(harness.socketDir, `${n}.sock`)}`;
}
/** Nothing leaves the loopback interface or the unix socket. */
function checkLocal(tag: string, transport: string, endpoint: string, address: string): void {
  const local = transport === "tcp" ? LOCAL_TCP.test(endpoint) : endpoint === address;
  if (!local) throw new Error(`${tag}: the server bound ${endpoint}, not a local endpoint`);
}

// ---- (a) latency ---------------------------------------------------------------

type Latency = Extract<ReqRepMessage, { type: "latency" }>;

async function latencyTrial(impl: string, transport: string): Promise<Latency> {
  const n = ++runNumber;
  const tag = `rtt-${transport}-${impl}-${n}`;
  const address = bindAddress(transport, n);
  const rep = harness.spawn<ReqRepMessage>(`${tag}-rep`, ["rep", impl, address]);
  let req: Child<ReqRepMessage> | undefined;
  try {
    const { endpoint } = await rep.next("ready", 15_000);
    checkLocal(tag, transport, endpoint, address);
    req = harness.spawn<ReqRepMessage>(`${tag}-req`, ["req", impl, endpoint, String(size), String(warmupRoundTrips), String(roundTrips)]);
    // Even at 1 ms a round trip the run ends well within this.
    return await req.next("latency", 15_000 + (warmupRoundTrips + roundTrips) * 1);
  } finally {
    req?.tell("exit");
    rep.tell("exit");
    await Promise.all([rep.end(5_000), req?.end(5_000)]);
  }
}

// ---- (b) throughput ------------------------------------------------------------

interface Throughput {
  msgsPerSec: number;
  count: number;
  seconds: number;
  recvCpu: Cpu;
  sendCpu: Cpu;
}
const drainMs = 2_000;

async function throughputTrial(impl: string, transport: string): Promise<Throughput> {
  const n = ++runNumber;
  const tag = `dealer-router-${transport}-${impl}-${n}`;
  const address = bindAddress(transport, n);
  const recv = harness.spawn<ReqRepMessage>(`${tag}-router`, ["router", impl, address, String(warmup * 1000), String(seconds * 1000)]);
  let send: Child<ReqRepMessage> | undefined;
  try {
    const { endpoint } = await recv.next("ready", 15_000);
    checkLocal(tag, transport, endpoint, address);
    const maxMs = (warmup + seconds) * 1000 + 30_000;
    send = harness.spawn<ReqRepMessage>(`${tag}-dealer`, ["dealer", impl, endpoint, String(size), String(maxMs)]);
    const result = await recv.next("result", maxMs);
    send.tell("stop");
    const sent = await send.next("sent", 10_000);
    if (sent.byDeadline) console.warn(`  ${tag}: the sender stopped on its own deadline, not on "stop" (event loop starved?)`);
    const drained = await recv.next("drained", drainMs).catch(() => undefined);
    if (!drained) console.warn(`  ${tag}: the receiver had not drained the queue ${drainMs} ms after the end marker`);
    else if (drained.total !== sent.sent) console.warn(`  ${tag}: sent ${sent.sent} messages but ${drained.total} arrived`);
    const secs = result.elapsedMs / 1000;
    return { msgsPerSec: result.count / secs, count: result.count, seconds: secs, recvCpu: result.cpu, sendCpu: sent.cpu };
  } finally {
    send?.tell("exit");
    recv.tell("exit");
    await Promise.all([recv.end(5_000), send?.end(5_000)]);
  }
}

// ---- the table -------------------------------------------------------------------

const us = (x: number) => `${x.toFixed(1)} µs`;
const started = performance.now();
const loadAtStart = loadavg()[0]!;
const cores = availableParallelism();
if (loadAtStart > cores / 2) console.warn(`Load average ${loadAtStart.toFixed(1)} on ${cores} cores: expect noisy figures`);
const rows: Row[] = [];
let failures = 0;
/** Alternates who goes first, so that neither always runs on a warmer machine. */
const orderOf = (t: number) => (t % 2 === 0 ? impls : [...impls].reverse());
const fromImpl = (m: Map<string, number[]>, impl: string) => median(m.get(impl) ?? []);

if (only !== "throughput") {
  console.log(`REQ→REP round trips, ${size} B, client and server in separate processes: ${trials} trial(s) of ${roundTrips} after ${warmupRoundTrips} warm-up`);
  for (const transport of transports) {
    const stats = { p50: new Map<string, number[]>(), p99: new Map<string, number[]>(), mean: new Map<string, number[]>() };
    for (let t = 0; t < trials; t++) {
      for (const impl of orderOf(t)) {
        try {
          const r = await latencyTrial(impl, transport);
          for (const [key, value] of [["p50", r.p50Us], ["p99", r.p99Us], ["mean", r.meanUs]] as const) {
            stats[key].set(impl, [...(stats[key].get(impl) ?? []), value]);
          }
          console.log(
            `  ${transport} ${impl} #${t + 1}: p50 ${us(r.p50Us)}, p99 ${us(r.p99Us)}, mean ${us(r.meanUs)}, min ${us(r.minUs)}, max ${us(r.maxUs)}; ${rate(r.n / (r.cpu.wallMs / 1000))} round trips/s; client ${cpuShare(r.cpu)}`,
          );
        } catch (error) {
          failures++;
          console.error(`  ${transport} ${impl} #${t + 1} failed: ${errorText(error)}`);
        }
      }
    }
    for (const key of ["p50", "p99", "mean"] as const) {
      rows.push({
        case: `${transport} REQ→REP round trip, ${size} B, ${key}`,
        ours: fromImpl(stats[key], "zmq-ts"),
        zeromq: fromImpl(stats[key], "zeromq.js"),
        unit: "µs",
        lowerIsBetter: true,
      });
    }
  }
}

if (only !== "latency") {
  const transport = "tcp";
  console.log(`DEALER→ROUTER throughput, ${size} B over ${transport}, separate processes: ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up`);
  const results = new Map<string, number[]>();
  for (let t = 0; t < trials; t++) {
    for (const impl of orderOf(t)) {
      try {
        const r = await throughputTrial(impl, transport);
        results.set(impl, [...(results.get(impl) ?? []), r.msgsPerSec]);
        console.log(
          `  ${transport} ${impl} #${t + 1}: ${rate(r.msgsPerSec)} msgs/s (${r.count} in ${r.seconds.toFixed(2)} s); router ${cpuShare(r.recvCpu)}, dealer ${cpuShare(r.sendCpu)}`,
        );
      } catch (error) {
        failures++;
        console.error(`  ${transport} ${impl} #${t + 1} failed: ${errorText(error)}`);
      }
    }
  }
  rows.push({
    case: `${transport} DEALER→ROUTER, ${size} B`,
    ours: fromImpl(results, "zmq-ts"),
    zeromq: fromImpl(results, "zeromq.js"),
    unit: "msgs/s",
    bytesPerMsg: size,
  });
}

const title = "Request/reply: REQ→REP latency and DEALER→ROUTER throughput";
const note =
  `client and server in separate node processes, same code path; latency: median over ${trials} trial(s) of each statistic of ${roundTrips.toLocaleString("en-US")} timed round trips after ${warmupRoundTrips.toLocaleString("en-US")} warm-up, ` +
  `ratio = zeromq.js / zmq-ts (above 1: zmq-ts is faster); throughput: median of ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up, the ROUTER's count; ` +
  `${cores} cores, load average ${loadAtStart.toFixed(1)} at start, ${((performance.now() - started) / 1000).toFixed(0)} s in all.`;
console.log(markdown(title, rows, { note }));
const partial = ["--transports", "--impls", "--only", "--size"].some((f) => flags.has(f));
if (!harness.profileDir && !partial) writeResults("reqrep", title, rows, { note });
if (harness.profileDir) console.log(`CPU profiles in ${harness.profileDir}`);
process.exit(failures === 0 ? 0 : 1);
