// Push -> Pull throughput over tcp (127.0.0.1) and ipc (a unix socket under
// os.tmpdir()), 1 B / 64 B / 1 KiB / 64 KiB messages, the sender and the
// receiver in separate node processes (throughput-peer.js), zmq-ts and
// zeromq.js by the same code with only the import changed.
//
// Each trial: the receiver binds and reports its endpoint; the sender
// connects and runs `for (;;) await push.send(msg)` (default HWM). The
// receiver lets a warm-up pass, counts the messages of a timed window by its
// own clock and reports count and elapsed; the parent then tells the sender
// to stop, the sender sends a zero-length end marker, and the receiver
// drains to it (sent and received counts are checked). The median of the
// trials counts; the two implementations alternate. Per trial the log shows
// the CPU each side used: a side near 100% is the bottleneck.
//
//   pnpm --filter @zmq/bench bench:throughput [--seconds 2] [--warmup 0.5] [--trials 3]
//       [--quick] [--sizes 64,65536] [--transports tcp,ipc] [--impls zmq-ts,zeromq.js]
//       [--profile DIR]   (node --cpu-prof for every child, profiles in DIR)
//
// A run with --profile or a filter (--sizes, --transports, --impls) prints
// its table but leaves results/throughput.{json,md} alone.
import { type ChildProcess, fork } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Row, markdown, writeResults } from "./report.js";
import type { Cpu, PeerMessage } from "./throughput-peer.js";

const args = process.argv.slice(2);
function flag(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
function numberFlag(name: string, fallback: number): number {
  const v = Number(flag(name));
  return Number.isFinite(v) && v > 0 ? v : fallback;
}
function listFlag(name: string, fallback: readonly string[]): string[] {
  const v = flag(name);
  return v ? v.split(",").filter((s) => s.length > 0) : [...fallback];
}

const quick = args.includes("--quick");
const seconds = numberFlag("--seconds", quick ? 0.5 : 2);
const warmup = numberFlag("--warmup", quick ? 0.25 : 0.5);
const trials = Math.round(numberFlag("--trials", quick ? 1 : 3));
const sizes = listFlag("--sizes", ["1", "64", "1024", "65536"]).map(Number);
const transports = listFlag("--transports", ["tcp", "ipc"]);
const impls = listFlag("--impls", ["zmq-ts", "zeromq.js"]);
const profileFlag = flag("--profile");
const profileDir = profileFlag ? resolve(profileFlag) : undefined;

for (const t of transports) if (t !== "tcp" && t !== "ipc") throw new Error(`--transports: tcp or ipc, not ${t}`);
for (const i of impls) if (i !== "zmq-ts" && i !== "zeromq.js") throw new Error(`--impls: zmq-ts or zeromq.js, not ${i}`);
for (const s of sizes) if (!Number.isInteger(s) || s < 1) throw new Error(`--sizes: whole numbers of bytes >= 1, not ${s}`);
if (profileDir) mkdirSync(profileDir, { recursive: true });

const peerPath = join(import.meta.dirname, "throughput-peer.js");
const socketDir = mkdtempSync(join(tmpdir(), "zmq-bench-"));

// ---- children: never left behind ----------------------------------------

const live = new Set<ChildProcess>();
function cleanUp(): void {
  for (const child of live) child.kill("SIGKILL");
  live.clear();
  rmSync(socketDir, { recursive: true, force: true });
}
process.on("exit", cleanUp);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    cleanUp();
    process.exit(130);
  });
}


type Of<T extends PeerMessage["type"]> = Extract<PeerMessage, { type: T }>;

/** A child process running throughput-peer.js, and the messages it sent. */
class Peer {
  private readonly child: ChildProcess;
  private readonly inbox: PeerMessage[] = [];
  private wake: () => void = () => {};
  private exitCode: number | string | undefined;
  readonly exited: Promise<void>;

  constructor(
    readonly label: string,
    peerArgs: string[],
  ) {
    const execArgv = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${label}.cpuprofile`] : [];
    this.child = fork(peerPath, peerArgs, { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv });
    live.add(this.child);
    // A message to a peer that is on its way out fails with EPIPE: that is fine.
    this.child.on("error", () => {});
    this.child.on("message", (m: PeerMessage) => {
      this.inbox.push(m);
      this.wake();
    });
    this.exited = new Promise((done) =>
      this.child.once("exit", (code, signal) => {
        live.delete(this.child);
        this.exitCode = code ?? signal ?? "?";
        this.wake();
        done();
      }),
    );
  }

  /** The next message of a type; throws on the peer's error, its exit, or the timeout. */
  async next<T extends PeerMessage["type"]>(type: T, timeoutMs: number): Promise<Of<T>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const error = this.inbox.find((m) => m.type === "error");
      if (error) throw new Error(`${this.label}: ${error.message}`);
      const i = this.inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as Of<T>;
      if (this.exitCode !== undefined) throw new Error(`${this.label} exited (${this.exitCode}) before "${type}"`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.label}: no "${type}" within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, left);
        this.wake = () => {
          clearTimeout(timer);
          r();
        };
      });
    }
  }

  tell(message: "stop" | "exit"): void {
    if (this.child.connected) this.child.send(message, () => {});
  }

  /** Waits for the process to end, killing it after graceMs. */
  async end(graceMs: number): Promise<void> {
    if (this.exitCode !== undefined) return;
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

// ---- one trial -----------------------------------------------------------

interface Trial {
  msgsPerSec: number;
  count: number;
  seconds: number;
  /** CPU use of the receiver over the window and of the sender over its run. */
  recvCpu: Cpu;
  sendCpu: Cpu;
}

const LOCAL_TCP = /^tcp:\/\/127\.0\.0\.1:\d+$/;
/** How long the receiver may take to drain after the window before it is killed. */
const drainMs = 2_000;
let runNumber = 0;

async function trial(impl: string, transport: string, size: number): Promise<Trial> {
  const n = ++runNumber;
  const tag = `${transport}-${impl}-${size}-${n}`;
  const bindAddress = transport === "tcp" ? "tcp://127.0.0.1:*" : `ipc://${join(socketDir, `${n}.sock`)}`;
  const recv = new Peer(`${tag}-recv`, ["recv", impl, bindAddress, String(warmup * 1000), String(seconds * 1000)]);
  let send: Peer | undefined;
  try {
    const { endpoint } = await recv.next("ready", 15_000);
    // Nothing leaves the loopback interface or the unix socket.
    const local = transport === "tcp" ? LOCAL_TCP.test(endpoint) : endpoint === bindAddress;
    if (!local) throw new Error(`${tag}: the receiver bound ${endpoint}, not a local endpoint`);
    const maxMs = (warmup + seconds) * 1000 + 30_000;
    send = new Peer(`${tag}-send`, ["send", impl, endpoint, String(size), String(maxMs)]);
    const result = await recv.next("result", maxMs);
    send.tell("stop");
    const sent = await send.next("sent", 10_000);
    if (sent.byDeadline) console.warn(`  ${tag}: the sender stopped on its own deadline, not on "stop" (event loop starved?)`);
    // What the sender got ahead by drains at the receiver's pace; it is not timed, only checked.
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

// ---- the table -------------------------------------------------------------

const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sizeName = (n: number) => (n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} B`);
const rate = (n: number) => Math.round(n).toLocaleString("en-US");
/** "93% CPU (61 user + 32 sys)": of one core, over the stretch measured. */
const cpuShare = (c: Cpu) => {
  const pct = (ms: number) => Math.round((100 * ms) / c.wallMs);
  return `${pct(c.userMs + c.systemMs)}% CPU (${pct(c.userMs)} user + ${pct(c.systemMs)} sys)`;
};

const started = performance.now();
// Other work on the machine skews both columns (each run needs two busy cores): say how busy it was.
const loadAtStart = loadavg()[0]!;
const cores = availableParallelism();
if (loadAtStart > cores / 2) console.warn(`Load average ${loadAtStart.toFixed(1)} on ${cores} cores: expect noisy figures`);
console.log(
  `Push→Pull throughput, sender and receiver in separate processes: ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up per case`,
);
const rows: Row[] = [];
let failures = 0;
for (const transport of transports) {
  for (const size of sizes) {
    const results = new Map<string, number[]>(impls.map((i) => [i, []]));
    for (let t = 0; t < trials; t++) {
      // Alternate who goes first, so that neither always runs on a warmer machine.
      const order = t % 2 === 0 ? impls : [...impls].reverse();
      for (const impl of order) {
        try {
          const r = await trial(impl, transport, size);
          results.get(impl)!.push(r.msgsPerSec);
          console.log(
            `  ${transport} ${sizeName(size)} ${impl} #${t + 1}: ${rate(r.msgsPerSec)} msgs/s, ${((r.msgsPerSec * size) / 1e6).toFixed(1)} MB/s (${r.count} in ${r.seconds.toFixed(2)} s); receiver ${cpuShare(r.recvCpu)}, sender ${cpuShare(r.sendCpu)}`,
          );
        } catch (error) {
          failures++;
          console.error(`  ${transport} ${sizeName(size)} ${impl} #${t + 1} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    rows.push({
      case: `${transport} Push→Pull, ${sizeName(size)}`,
      ours: median(results.get("zmq-ts") ?? []),
      zeromq: median(results.get("zeromq.js") ?? []),
      unit: "msgs/s",
      bytesPerMsg: size,
    });
  }
}

const title = "Push/Pull throughput over tcp and ipc";
const note = `sender and receiver in separate node processes, same code path; median of ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up; MB/s = payload bytes (10^6) per second; ${cores} cores, load average ${loadAtStart.toFixed(1)} at start, ${((performance.now() - started) / 1000).toFixed(0)} s in all.`;
console.log(markdown(title, rows, { note }));
// A profiled or partial run does not replace the recorded results.
const partial = ["--sizes", "--transports", "--impls"].some((f) => args.includes(f));
if (!profileDir && !partial) writeResults("throughput", title, rows, { note });
if (profileDir) console.log(`CPU profiles in ${profileDir}`);
process.exit(failures === 0 ? 0 : 1);
