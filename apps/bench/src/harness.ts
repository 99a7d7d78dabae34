// The parent side of the multi-process benchmarks (throughput.ts, reqrep.ts,
// pubsub.ts): command-line flags, child processes that never outlive the
// run, a throughput trial, the trial loop, and the small statistics the
// tables need. Children report with messages of the shape { type: string, ... }:
// node children over fork()'s IPC channel, the libzmq C program (libzmq-c.ts)
// as JSON lines on its stdout, taking commands as lines on its stdin.
import { type ChildProcess, fork, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { LIBZMQ_C, libzmqPeer } from "./libzmq-c.js";
import type { Cpu, ThroughputMessage } from "./messages.js";
import { type Row, markdown, writeResults } from "./report.js";

export type { Cpu };

// ---- flags ---------------------------------------------------------------

export class Flags {
  constructor(readonly args: readonly string[] = process.argv.slice(2)) {}

  has(name: string): boolean {
    return this.args.includes(name);
  }
  string(name: string): string | undefined {
    const i = this.args.indexOf(name);
    return i >= 0 ? this.args[i + 1] : undefined;
  }
  number(name: string, fallback: number): number {
    const v = Number(this.string(name));
    return Number.isFinite(v) && v > 0 ? v : fallback;
  }
  list(name: string, fallback: readonly string[]): string[] {
    const v = this.string(name);
    return v ? v.split(",").filter((s) => s.length > 0) : [...fallback];
  }
  /** --quick and what it shortens, common to every program: the window (--seconds), --warmup and --trials. */
  timing(): { quick: boolean; seconds: number; warmup: number; trials: number } {
    const quick = this.has("--quick");
    return {
      quick,
      seconds: this.number("--seconds", quick ? 0.5 : 2),
      warmup: this.number("--warmup", quick ? 0.25 : 0.5),
      trials: Math.round(this.number("--trials", quick ? 1 : 3)),
    };
  }
  /** Whether any of the flags was given. */
  any(names: readonly string[]): boolean {
    return names.some((f) => this.has(f));
  }
  /** --transports, checked. */
  transports(): string[] {
    const transports = this.list("--transports", ["tcp", "ipc"]);
    for (const t of transports) if (t !== "tcp" && t !== "ipc") throw new Error(`--transports: tcp or ipc, not ${t}`);
    return transports;
  }
  /**
   * --impls, checked. A program whose roles the libzmq C program plays as
   * well (withC) runs it too by default, where it could be built.
   */
  impls(withC = false): string[] {
    const known = withC ? ["zmq-ts", "zeromq.js", LIBZMQ_C] : ["zmq-ts", "zeromq.js"];
    const given = this.string("--impls");
    const impls = given ? this.list("--impls", []) : ["zmq-ts", "zeromq.js", ...(withC && libzmqPeer() ? [LIBZMQ_C] : [])];
    for (const i of impls) if (!known.includes(i)) throw new Error(`--impls: ${known.join(", ")}, not ${i}`);
    if (impls.includes(LIBZMQ_C) && !libzmqPeer()) throw new Error(`--impls ${LIBZMQ_C}: the C program could not be built`);
    return impls;
  }
}

// ---- children --------------------------------------------------------------

export interface ChildMessage {
  type: string;
}
type ErrorMessage = { type: "error"; message: string };

/**
 * The children of one benchmark program: each is killed when the program
 * exits or is interrupted, and unix sockets live in a temporary directory
 * that goes with it. With a profile directory every child runs under
 * node --cpu-prof.
 */
export class Harness {
  readonly socketDir = mkdtempSync(join(tmpdir(), "zmq-bench-"));
  readonly profileDir: string | undefined;
  private readonly live = new Set<ChildProcess>();

  /** `script` is the node children's program (none where only the libzmq C program is spawned). */
  constructor(
    readonly script: string | undefined,
    profileDir?: string,
  ) {
    this.profileDir = profileDir ? resolve(profileDir) : undefined;
    if (this.profileDir) mkdirSync(this.profileDir, { recursive: true });
    process.on("exit", () => this.cleanUp());
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.on(signal, () => {
        this.cleanUp();
        process.exit(130);
      });
    }
  }

  private cleanUp(): void {
    for (const child of this.live) child.kill("SIGKILL");
    this.live.clear();
    rmSync(this.socketDir, { recursive: true, force: true });
  }

  /** A child playing a role: args are [role, impl, ...]; the libzmq C program for that impl, otherwise a node child. */
  spawn<M extends ChildMessage>(label: string, args: string[]): Child<M> {
    if (args[1] === LIBZMQ_C) {
      const child = spawn(libzmqPeer()!.path, args, { stdio: ["pipe", "pipe", "inherit"] });
      this.live.add(child);
      return new Child<M>(label, child, () => this.live.delete(child));
    }
    if (this.script === undefined) throw new Error(`${label}: this program has no node children`);
    const execArgv = this.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${this.profileDir}`, `--cpu-prof-name=${label}.cpuprofile`] : [];
    const child = fork(this.script, args, { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv });
    this.live.add(child);
    return new Child<M>(label, child, () => this.live.delete(child));
  }

  /** Where run n binds over a transport: an ephemeral port on 127.0.0.1, or a unix socket in socketDir. */
  bindAddress(transport: string, n: number): string {
    return transport === "tcp" ? "tcp://127.0.0.1:*" : `ipc://${join(this.socketDir, `${n}.sock`)}`;
  }

  /**
   * One throughput trial. The receiver binds and reports its endpoint; the
   * sender connects and sends flat out. The receiver counts the messages of
   * a timed window by its own clock and reports count and elapsed; then the
   * sender is told to stop, sends a zero-length end marker, and the receiver
   * drains to it (sent and received counts are checked).
   */
  async throughputTrial(t: ThroughputCase): Promise<Throughput> {
    const [recvRole, sendRole] = t.roles;
    const recv = this.spawn<ThroughputMessage>(`${t.tag}-${recvRole}`, [
      recvRole,
      t.impl,
      t.address,
      String(t.warmup * 1000),
      String(t.seconds * 1000),
      ...(t.args?.recv ?? []),
    ]);
    let send: Child<ThroughputMessage> | undefined;
    try {
      const endpoint = localEndpoint(t.tag, t.receiver, (await recv.next("ready", 15_000)).endpoint, t.address);
      const maxMs = (t.warmup + t.seconds) * 1000 + 30_000;
      send = this.spawn<ThroughputMessage>(`${t.tag}-${sendRole}`, [
        sendRole,
        t.impl,
        endpoint,
        String(t.size),
        String(maxMs),
        ...(t.args?.send ?? []),
      ]);
      const result = await recv.next("result", maxMs);
      send.tell("stop");
      const sent = await send.next("sent", 10_000);
      if (sent.byDeadline) console.warn(`  ${t.tag}: the sender stopped on its own deadline, not on "stop" (event loop starved?)`);
      // What the sender got ahead by drains at the receiver's pace; it is not timed, only checked.
      const drainMs = t.drainMs ?? defaultDrainMs;
      const drained = await recv.next("drained", drainMs).catch(() => undefined);
      if (!drained) console.warn(`  ${t.tag}: the receiver had not drained the queue ${drainMs} ms after the end marker`);
      else if (drained.total !== sent.sent) console.warn(`  ${t.tag}: sent ${sent.sent} messages but ${drained.total} arrived`);
      const secs = result.elapsedMs / 1000;
      return { msgsPerSec: result.count / secs, count: result.count, seconds: secs, recvCpu: result.cpu, sendCpu: sent.cpu };
    } finally {
      await endAll([send, recv]);
    }
  }

  /**
   * The end of a benchmark program: prints the table and, unless the run
   * was profiled or partial, records it under results/. Exits 1 if a trial
   * failed.
   */
  finish(o: { name: string; title: string; rows: readonly Row[]; note: string; partial: boolean; failures: number }): never {
    console.log(markdown(o.title, o.rows, { note: o.note }));
    // A profiled or partial run does not replace the recorded results.
    if (!this.profileDir && !o.partial) writeResults(o.name, o.title, o.rows, { note: o.note });
    if (this.profileDir) console.log(`CPU profiles in ${this.profileDir}`);
    process.exit(o.failures === 0 ? 0 : 1);
  }
}

/** How long the receiver may take, by default, to drain after the window before it is killed. */
const defaultDrainMs = 2_000;

export interface ThroughputCase {
  tag: string;
  impl: string;
  /** Where the receiver binds (Harness.bindAddress). */
  address: string;
  /** The child roles of the receiver and the sender; the children are named `${tag}-${role}`. */
  roles: readonly [recv: string, send: string];
  /** What to call the receiver if it binds a non-local endpoint. */
  receiver: string;
  size: number;
  warmup: number;
  seconds: number;
  /** More arguments for the receiver and the sender, after the usual ones (curve.ts's keys). */
  args?: { recv?: readonly string[]; send?: readonly string[] };
  /** How long the receiver may take to drain after the window (2 s unless given). */
  drainMs?: number;
}

export interface Throughput {
  msgsPerSec: number;
  count: number;
  seconds: number;
  /** CPU use of the receiver over the window and of the sender over its run. */
  recvCpu: Cpu;
  sendCpu: Cpu;
}

/** Tells the children to exit and waits for them, killing any still there after graceMs. */
export async function endAll(children: readonly (Child<ChildMessage> | undefined)[], graceMs = 5_000): Promise<void> {
  for (const c of children) c?.tell("exit");
  await Promise.all(children.flatMap((c) => (c ? [c.end(graceMs)] : [])));
}

type Of<M extends ChildMessage, T extends M["type"]> = Extract<M, { type: T }>;

/** A child process and the messages it sent. */
export class Child<M extends ChildMessage> {
  private readonly inbox: (M | ErrorMessage)[] = [];
  private wake: () => void = () => {};
  private exitCode: number | string | undefined;
  readonly exited: Promise<void>;

  constructor(
    readonly label: string,
    private readonly child: ChildProcess,
    gone: () => void,
  ) {
    // A message to a child that is on its way out fails with EPIPE: that is fine.
    child.on("error", () => {});
    const receive = (m: M | ErrorMessage) => {
      this.inbox.push(m);
      this.wake();
    };
    child.on("message", receive);
    if (child.stdout) createInterface({ input: child.stdout }).on("line", (line) => receive(JSON.parse(line) as M | ErrorMessage));
    child.stdin?.on("error", () => {});
    this.exited = new Promise((done) =>
      child.once("exit", (code, signal) => {
        gone();
        this.exitCode = code ?? signal ?? "?";
        this.wake();
        done();
      }),
    );
  }

  /** The next message of a type; throws on the child's error, its exit, or the timeout. */
  async next<T extends M["type"]>(type: T, timeoutMs: number): Promise<Of<M, T>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const error = this.inbox.find((m): m is ErrorMessage => m.type === "error");
      if (error) throw new Error(`${this.label}: ${error.message}`);
      const i = this.inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as Of<M, T>;
      if (this.exitCode !== undefined) throw new Error(`${this.label} exited (${this.exitCode}) before "${type}"`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.label}: no "${type}" within ${Math.round(timeoutMs)} ms`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, left);
        this.wake = () => {
          clearTimeout(timer);
          r();
        };
      });
    }
  }

  tell(message: string): void {
    if (this.child.stdin) {
      if (this.child.stdin.writable) this.child.stdin.write(`${message}\n`);
    } else if (this.child.connected) this.child.send(message, () => {});
  }

  /** Waits for the process to end, killing it after graceMs. */
  async end(graceMs: number): Promise<void> {
    if (this.exitCode !== undefined) return;
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

// ---- figures -----------------------------------------------------------------

export const LOCAL_TCP = /^tcp:\/\/127\.0\.0\.1:\d+$/;

/**
 * Nothing leaves the loopback interface or the unix socket: the endpoint a
 * child (`who`) bound for `address`, checked.
 */
export function localEndpoint(tag: string, who: string, endpoint: string | undefined, address: string): string {
  const local = endpoint !== undefined && (address.startsWith("tcp://") ? LOCAL_TCP.test(endpoint) : endpoint === address);
  if (!local) throw new Error(`${tag}: the ${who} bound ${endpoint}, not a local endpoint`);
  return endpoint;
}

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const rate = (n: number): string => Math.round(n).toLocaleString("en-US");
/** "93% CPU (61 user + 32 sys)": of one core, over the stretch measured. */
export const cpuShare = (c: Cpu): string => {
  const pct = (ms: number) => Math.round((100 * ms) / c.wallMs);
  return `${pct(c.userMs + c.systemMs)}% CPU (${pct(c.userMs)} user + ${pct(c.systemMs)} sys)`;
};
export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// ---- trials ------------------------------------------------------------------

/**
 * The trials of a benchmark program: each case runs `count` trials of each
 * implementation, alternating who goes first so that neither always runs on
 * a warmer machine. A trial that fails is logged and counted.
 */
export class Trials {
  failures = 0;

  constructor(
    readonly impls: readonly string[],
    readonly count: number,
  ) {}

  /** Runs the trials of one case; `name` names a trial in the log, `line` takes its result and says what it was. */
  async run<R>(name: (impl: string) => string, trial: (impl: string) => Promise<R>, line: (impl: string, r: R) => string): Promise<void> {
    for (let t = 0; t < this.count; t++) {
      for (const impl of t % 2 === 0 ? this.impls : [...this.impls].reverse()) {
        try {
          const r = await trial(impl);
          console.log(`  ${name(impl)} #${t + 1}: ${line(impl, r)}`);
        } catch (error) {
          this.failures++;
          console.error(`  ${name(impl)} #${t + 1} failed: ${errorText(error)}`);
        }
      }
    }
  }
}

/** One figure of a case, per implementation, over its trials. */
export class Figures {
  private readonly byImpl = new Map<string, number[]>();

  add(impl: string, value: number): void {
    this.byImpl.set(impl, [...(this.byImpl.get(impl) ?? []), value]);
  }
  has(impl: string): boolean {
    return this.byImpl.has(impl);
  }
  /** The median over the trials (NaN without any). */
  median(impl: string): number {
    return median(this.byImpl.get(impl) ?? []);
  }
  /** The table row: the medians of zmq-ts, zeromq.js and, if it ran, libzmq C. */
  row(name: string, unit: string, more: Pick<Row, "lowerIsBetter" | "bytesPerMsg" | "floor"> = {}): Row {
    const c = this.has(LIBZMQ_C) ? { libzmq: this.median(LIBZMQ_C) } : {};
    return { case: name, ours: this.median("zmq-ts"), zeromq: this.median("zeromq.js"), ...c, unit, ...more };
  }
}

/** The machine: other work on it skews the figures (each run needs two busy cores), so the log and the note say how busy it was. */
export class Machine {
  readonly started = performance.now();
  readonly loadAtStart = loadavg()[0]!;
  readonly cores = availableParallelism();

  constructor() {
    if (this.loadAtStart > this.cores / 2) console.warn(`Load average ${this.loadAtStart.toFixed(1)} on ${this.cores} cores: expect noisy figures`);
  }

  /** The end of a table's note: "8 cores, load average 0.5 at start, 40 s in all." */
  summary(): string {
    return `${this.cores} cores, load average ${this.loadAtStart.toFixed(1)} at start, ${((performance.now() - this.started) / 1000).toFixed(0)} s in all.`;
  }
}
