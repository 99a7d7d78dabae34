// CURVE (RFC 26) over tcp (127.0.0.1), both ends in separate node processes
// (curve-peer.js), zmq-ts and zeromq.js by the same code with only the import
// changed. One server key pair and one client key pair are made for the run
// (Z85) and given to the children.
//
// (a) Push -> Pull throughput with CURVE, 64 B / 1 KiB / 64 KiB messages:
//     throughput.ts's trial (Harness.throughputTrial: the receiver counts the
//     messages of a timed window by its own clock, then drains to an end
//     marker) with a CURVE server Pull and a CURVE client Push, so every
//     message is boxed by the sender and opened by the receiver.
// (b) The handshake rate: a client process connects a new CURVE client Push
//     to a CURVE server Pull, waits for its "handshake" monitor event
//     (socket.events in both libraries), closes it without lingering, and
//     again, one at a time; after a warm-up it counts the handshakes of a
//     timed window by its own clock. Each one is a TCP connect, the ZMTP
//     greeting, HELLO / WELCOME / INITIATE / READY and a close. The log shows
//     the CPU of the client over its window and of the server over about the
//     same stretch.
//
// Each case runs a few trials with the two implementations alternating; the
// median of the trials counts.
//
//   pnpm --filter @zmq/bench bench:curve [--seconds 2] [--warmup 0.5] [--trials 3] [--quick]
//       [--sizes 64,1024,65536] [--impls zmq-ts,zeromq.js] [--only throughput|handshakes]
//       [--profile DIR]   (node --cpu-prof for every child, profiles in DIR)
//
// A run with --profile or a filter (--sizes, --impls, --only) prints its
// table but leaves results/curve.{json,md} alone.
import { join } from "node:path";
import { curveKeyPair } from "@zmq/zeromq";
import type { CurveMessage } from "./curve-peer.js";
import { type Child, type Cpu, Figures, Flags, Harness, Machine, Trials, cpuShare, endAll, localEndpoint, rate } from "./harness.js";
import type { Row } from "./report.js";

const flags = new Flags();
const { seconds, warmup, trials } = flags.timing();
const sizes = flags.list("--sizes", ["64", "1024", "65536"]).map(Number);
const impls = flags.impls();
const only = flags.string("--only");
/**
 * zmq-ts's CURVE crypto: @zmq/zeromq's default (X25519 from node:crypto, boxes from libsodium-wrappers once loaded),
 * the same with @noble/ciphers' pure-JS boxes (what the default is without libsodium-wrappers installed), and
 * @zmq/curve/sodium (libsodium's WebAssembly build) for everything.
 */
const BACKENDS = ["default", "noble", "libsodium"];
const backends = flags.list("--backends", BACKENDS);
for (const b of backends) if (!BACKENDS.includes(b)) throw new Error(`--backends: ${BACKENDS.join(", ")}, not ${b}`);
let backend = backends[0]!;
/** The implementation a child loads: zmq-ts with the backend of the rows being measured. */
const childImpl = (impl: string) => (impl === "zmq-ts" && backend !== "default" ? `zmq-ts@${backend}` : impl);
const backendName = () => (backend === "libsodium" ? ", libsodium backend" : backend === "noble" ? ", pure-JS boxes" : "");
for (const s of sizes) if (!Number.isInteger(s) || s < 1) throw new Error(`--sizes: whole numbers of bytes >= 1, not ${s}`);
if (only !== undefined && only !== "throughput" && only !== "handshakes") throw new Error(`--only: throughput or handshakes, not ${only}`);

const harness = new Harness(join(import.meta.dirname, "curve-peer.js"), flags.string("--profile"));
const transport = "tcp";
let runNumber = 0;

// The run's keys: the server's secret goes to the server, its public key and the client's pair to the client.
const serverKeys = curveKeyPair();
const clientKeys = curveKeyPair();
const serverArgs = [serverKeys.secretKey];
const clientArgs = [serverKeys.publicKey, clientKeys.publicKey, clientKeys.secretKey];

// ---- (a) throughput ------------------------------------------------------------

function throughputTrial(impl: string, size: number) {
  const n = ++runNumber;
  return harness.throughputTrial({
    tag: `curve-${transport}-${impl}-${size}-${n}`,
    impl: childImpl(impl),
    address: harness.bindAddress(transport, n),
    roles: ["recv", "send"],
    receiver: "receiver",
    size,
    warmup,
    seconds,
    args: { recv: serverArgs, send: clientArgs },
    // What the sender got ahead by (two high-water marks of boxes) drains at the receiver's pace.
    drainMs: 10_000,
  });
}

// ---- (b) handshakes --------------------------------------------------------------

interface Handshakes {
  perSec: number;
  count: number;
  seconds: number;
  clientCpu: Cpu;
  serverCpu: Cpu;
}

async function handshakeTrial(impl: string): Promise<Handshakes> {
  const n = ++runNumber;
  const tag = `curve-handshakes-${impl}-${n}`;
  const address = harness.bindAddress(transport, n);
  const server = harness.spawn<CurveMessage>(`${tag}-server`, ["server", childImpl(impl), address, ...serverArgs]);
  let client: Child<CurveMessage> | undefined;
  try {
    const endpoint = localEndpoint(tag, "server", (await server.next("ready", 15_000)).endpoint, address);
    client = harness.spawn<CurveMessage>(`${tag}-client`, [
      "client",
      childImpl(impl),
      endpoint,
      String(warmup * 1000),
      String(seconds * 1000),
      ...clientArgs,
    ]);
    await client.next("mark", 15_000 + warmup * 1000);
    server.tell("mark");
    const result = await client.next("handshakes", 15_000 + seconds * 1000);
    server.tell("read");
    const served = await server.next("served", 5_000);
    // The server completes a handshake before its client does: it has seen at least as many.
    if (served.total < result.total) console.warn(`  ${tag}: the client completed ${result.total} handshakes but the server only ${served.total}`);
    const secs = result.elapsedMs / 1000;
    return { perSec: result.count / secs, count: result.count, seconds: secs, clientCpu: result.cpu, serverCpu: served.cpu };
  } finally {
    await endAll([client, server]);
  }
}

// ---- the table -------------------------------------------------------------------

const sizeName = (n: number) => (n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} B`);
const machine = new Machine();
const rows: Row[] = [];
const runs = new Trials(impls, trials);

for (backend of backends) {
  if (only !== "handshakes") {
    console.log(
      `CURVE Push→Pull throughput over ${transport}, separate processes: ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up per case`,
    );
    for (const size of sizes) {
      const results = new Figures();
      await runs.run(
        (impl) => `${transport} CURVE ${sizeName(size)} ${impl}`,
        (impl) => throughputTrial(impl, size),
        (impl, r) => {
          results.add(impl, r.msgsPerSec);
          return `${rate(r.msgsPerSec)} msgs/s, ${((r.msgsPerSec * size) / 1e6).toFixed(1)} MB/s (${r.count} in ${r.seconds.toFixed(2)} s); receiver ${cpuShare(r.recvCpu)}, sender ${cpuShare(r.sendCpu)}`;
        },
      );
      rows.push(results.row(`${transport} CURVE Push→Pull, ${sizeName(size)}${backendName()}`, "msgs/s", { bytesPerMsg: size }));
    }
  }

  if (only !== "throughput") {
    console.log(
      `CURVE handshakes over ${transport} (connect, handshake, close, one at a time), separate processes: ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up`,
    );
    const results = new Figures();
    await runs.run(
      (impl) => `${transport} CURVE handshakes ${impl}`,
      (impl) => handshakeTrial(impl),
      (impl, r) => {
        results.add(impl, r.perSec);
        return `${rate(r.perSec)} handshakes/s (${r.count} in ${r.seconds.toFixed(2)} s); client ${cpuShare(r.clientCpu)}, server ${cpuShare(r.serverCpu)}`;
      },
    );
    rows.push(results.row(`${transport} CURVE handshakes (new connection each)${backendName()}`, "handshakes/s"));
  }
}

const title = "CURVE: Push/Pull throughput and handshake rate over tcp";
const note =
  `both ends in separate node processes, same code path, one server and one client key pair per run; ` +
  `zmq-ts's rows without a backend named use @zmq/zeromq's default Context (X25519 from node:crypto; boxes from libsodium-wrappers, ` +
  `an optional dependency loaded in the background at the first handshake), the pure-JS rows the same with @noble/ciphers' boxes ` +
  `(the default where libsodium-wrappers is not installed), the libsodium rows @zmq/curve/sodium (WebAssembly) for both; ` +
  `median of ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up; throughput: the receiver's count, MB/s = payload bytes (10^6) per second; ` +
  `handshakes: a client connecting a new CURVE socket, waiting for its "handshake" event and closing it, one at a time; ` +
  machine.summary();
harness.finish({ name: "curve", title, rows, note, partial: flags.any(["--sizes", "--impls", "--only", "--backends"]), failures: runs.failures });
