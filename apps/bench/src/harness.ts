// The parent side of the multi-process benchmarks (reqrep.ts, pubsub.ts):
// command-line flags, child processes that never outlive the run, and the
// small statistics both tables need. Children report over fork()'s IPC
// channel with messages of the shape { type: string, ... }.
import { type ChildProcess, fork } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** CPU time a process used over a stretch of wall time, in ms. */
export interface Cpu {
  userMs: number;
  systemMs: number;
  wallMs: number;
}

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
  /** --impls, checked. */
  impls(): string[] {
    const impls = this.list("--impls", ["zmq-ts", "zeromq.js"]);
    for (const i of impls) if (i !== "zmq-ts" && i !== "zeromq.js") throw new Error(`--impls: zmq-ts or zeromq.js, not ${i}`);
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

  constructor(
    readonly script: string,
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

  spawn<M extends ChildMessage>(label: string, args: string[]): Child<M> {
    const execArgv = this.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${this.profileDir}`, `--cpu-prof-name=${label}.cpuprofile`] : [];
    const child = fork(this.script, args, { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv });
    this.live.add(child);
    return new Child<M>(label, child, () => this.live.delete(child));
  }
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
    child.on("message", (m: M | ErrorMessage) => {
      this.inbox.push(m);
      this.wake();
    });
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

// ---- figures -----------------------------------------------------------------

export const LOCAL_TCP = /^tcp:\/\/127\.0\.0\.1:\d+$/;

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
