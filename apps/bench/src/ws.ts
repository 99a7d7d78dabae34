// ZeroMQ over WebSocket (ZWS 2.0, ws://127.0.0.1), zmq-ts against libzmq's
// ws engine (npm `zeromq` 6.8.0 on both ends), the same peers and the same
// trials as throughput.ts and reqrep.ts with only the endpoint changed:
//
// (a) Push -> Pull throughput, 64 B and 64 KiB (throughput-peer.js).
// (b) REQ -> REP round-trip latency, 64 B (reqrep-peer.js): p50, p99, mean.
//
// The same cases run over tcp too (--transports ws,tcp, the default), so
// that ws can be read against our own tcp figure in the same run.
//
//   pnpm --filter @zmq/bench bench:ws [--seconds 2] [--warmup 0.5] [--trials 3] [--quick]
//       [--sizes 64,65536] [--round-trips 20000] [--warmup-round-trips 5000]
//       [--transports ws,tcp] [--impls zmq-ts,zeromq.js] [--profile DIR]
//
// The receiver binds ws://127.0.0.1:<port>/bench on a port the parent has
// just found free (so that the endpoint it reports can be checked as local).
// A run with --profile or a filter leaves results/ws.{json,md} alone.
import { createServer } from "node:net";
import { join } from "node:path";
import { type Child, Figures, Flags, Harness, Machine, Trials, cpuShare, endAll, localEndpoint, rate } from "./harness.js";
import type { Row } from "./report.js";
import type { ReqRepMessage } from "./reqrep-peer.js";

const flags = new Flags();
const { quick, seconds, warmup, trials } = flags.timing();
const sizes = flags.list("--sizes", ["64", "65536"]).map(Number);
const roundTrips = Math.round(flags.number("--round-trips", quick ? 3_000 : 20_000));
const warmupRoundTrips = Math.round(flags.number("--warmup-round-trips", quick ? 1_000 : 5_000));
const transports = flags.list("--transports", ["ws", "tcp"]);
for (const t of transports) if (t !== "ws" && t !== "tcp") throw new Error(`--transports: ws or tcp, not ${t}`);
for (const s of sizes) if (!Number.isInteger(s) || s < 1) throw new Error(`--sizes: whole numbers of bytes >= 1, not ${s}`);
const impls = flags.impls();
const profile = flags.string("--profile");

const throughputHarness = new Harness(join(import.meta.dirname, "throughput-peer.js"), profile);
const reqrepHarness = new Harness(join(import.meta.dirname, "reqrep-peer.js"), profile);
let runNumber = 0;

/** A port free on 127.0.0.1 a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

async function bindAddress(transport: string): Promise<string> {
  return transport === "tcp" ? "tcp://127.0.0.1:*" : `ws://127.0.0.1:${await freePort()}/bench`;
}

const sizeName = (n: number) => (n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} B`);
const us = (x: number) => `${x.toFixed(1)} µs`;

type Latency = Extract<ReqRepMessage, { type: "latency" }>;

async function latencyTrial(impl: string, transport: string): Promise<Latency> {
  const n = ++runNumber;
  const tag = `rtt-${transport}-${impl}-${n}`;
  const address = await bindAddress(transport);
  const rep = reqrepHarness.spawn<ReqRepMessage>(`${tag}-rep`, ["rep", impl, address]);
  let req: Child<ReqRepMessage> | undefined;
  try {
    const endpoint = localEndpoint(tag, "server", (await rep.next("ready", 15_000)).endpoint, address);
    req = reqrepHarness.spawn<ReqRepMessage>(`${tag}-req`, ["req", impl, endpoint, "64", String(warmupRoundTrips), String(roundTrips)]);
    return await req.next("latency", 15_000 + (warmupRoundTrips + roundTrips) * 1);
  } finally {
    await endAll([req, rep]);
  }
}

const machine = new Machine();
const rows: Row[] = [];
const runs = new Trials(impls, trials);
/** Our own figures by case and transport, for the ws / tcp line. */
const ours = new Map<string, number>();

console.log(`Push→Pull over ${transports.join(" and ")}, separate processes: ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up per case`);
for (const transport of transports) {
  for (const size of sizes) {
    const results = new Figures();
    await runs.run(
      (impl) => `${transport} ${sizeName(size)} ${impl}`,
      async (impl) => {
        const n = ++runNumber;
        return throughputHarness.throughputTrial({
          tag: `${transport}-${impl}-${size}-${n}`,
          impl,
          address: await bindAddress(transport),
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
    ours.set(`push ${size} ${transport}`, results.median("zmq-ts"));
    rows.push(results.row(`${transport} Push→Pull, ${sizeName(size)}`, "msgs/s", { bytesPerMsg: size }));
  }
}

console.log(`REQ→REP round trips, 64 B: ${trials} trial(s) of ${roundTrips} after ${warmupRoundTrips} warm-up`);
for (const transport of transports) {
  const stats = { p50: new Figures(), p99: new Figures(), mean: new Figures() };
  await runs.run(
    (impl) => `${transport} ${impl}`,
    (impl) => latencyTrial(impl, transport),
    (impl, r) => {
      stats.p50.add(impl, r.p50Us);
      stats.p99.add(impl, r.p99Us);
      stats.mean.add(impl, r.meanUs);
      return `p50 ${us(r.p50Us)}, p99 ${us(r.p99Us)}, mean ${us(r.meanUs)}; ${rate(r.n / (r.cpu.wallMs / 1000))} round trips/s; client ${cpuShare(r.cpu)}`;
    },
  );
  ours.set(`rtt ${transport}`, stats.mean.median("zmq-ts"));
  for (const key of ["p50", "p99", "mean"] as const) {
    rows.push(stats[key].row(`${transport} REQ→REP round trip, 64 B, ${key}`, "µs", { lowerIsBetter: true }));
  }
}

let wsAgainstTcp = "";
if (transports.includes("tcp") && transports.includes("ws") && impls.includes("zmq-ts")) {
  const parts = sizes.map((s) => `${sizeName(s)} ${(ours.get(`push ${s} ws`)! / ours.get(`push ${s} tcp`)!).toFixed(2)}×`);
  parts.push(`round trip (mean) ${(ours.get("rtt tcp")! / ours.get("rtt ws")!).toFixed(2)}×`);
  wsAgainstTcp = `zmq-ts over ws against zmq-ts over tcp (above 1: ws is faster): Push→Pull ${parts.join(", ")}`;
  console.log(wsAgainstTcp);
}

const title = "WebSocket (ZWS 2.0): Push/Pull throughput and REQ→REP latency over ws://";
const note =
  `libzmq's ws engine on both ends for zeromq.js; sender and receiver in separate node processes, same code path; throughput: median of ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up; ` +
  `latency: median over ${trials} trial(s) of each statistic of ${roundTrips.toLocaleString("en-US")} timed round trips, ratio = zeromq.js / zmq-ts (above 1: zmq-ts is faster); ${wsAgainstTcp ? `${wsAgainstTcp}; ` : ""}${machine.summary()}`;
throughputHarness.finish({
  name: "ws",
  title,
  rows,
  note,
  partial: flags.any(["--sizes", "--transports", "--impls"]),
  failures: runs.failures,
});
