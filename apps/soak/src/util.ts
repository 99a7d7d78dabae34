/**
 * Shared by the fault scenarios: child Node processes running a program
 * text (from apps/soak, so that `zeromq` and `@zmq/zeromq` resolve), memory
 * figures with a forced GC, and a bounded wait.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** apps/soak, from src/ (tests) and dist/ (soak mode) alike. */
export const APP_DIR = fileURLToPath(new URL("..", import.meta.url));

export interface Child {
  readonly process: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Calls `fn` with each complete stdout line. */
  onLine(fn: (line: string) => void): void;
  /** Resolves when a stdout line satisfies `test`; rejects if the child exits first. */
  line(test: (line: string) => boolean): Promise<string>;
  readonly exited: Promise<number | null>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

/** Runs an ES module program text in a child Node process. */
export function runNode(program: string, args: readonly string[] = []): Child {
  const child = spawn(process.execPath, [...args, "--input-type=module", "-e", program], { cwd: APP_DIR, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let partial = "";
  const listeners: ((line: string) => void)[] = [];
  child.stdout.on("data", (d: Buffer) => {
    const text = d.toString();
    out += text;
    const lines = (partial + text).split("\n");
    partial = lines.pop()!;
    for (const l of lines) for (const fn of [...listeners]) fn(l);
  });
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const onLine = (fn: (line: string) => void) => listeners.push(fn);
  return {
    process: child,
    output: () => out,
    onLine,
    line: (test) =>
      new Promise<string>((resolve, reject) => {
        const fn = (l: string) => {
          if (!test(l)) return;
          listeners.splice(listeners.indexOf(fn), 1);
          resolve(l);
        };
        onLine(fn);
        void exited.then((code) => reject(new Error(`child exited (${code}) first: ${out.slice(-2000)}`)));
      }),
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

let gcFn: (() => void) | undefined;

/** A full GC (the flag is turned on at run time, so no --expose-gc is needed). */
export function gc(): void {
  if (!gcFn) {
    setFlagsFromString("--expose-gc");
    gcFn = runInNewContext("gc") as () => void;
  }
  gcFn();
  gcFn();
}

export interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** Memory after a full GC. */
export function memory(): Memory {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

export const MiB = 1024 * 1024;
export const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

/** `p`, or a rejection naming `what` once `ms` have passed (a bound on a test, not a measurement). */
export function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms))),
  ]);
}

/** Prints one scenario's figures as a line (tests and soak mode alike). */
export function report(name: string, figures: Record<string, unknown>): void {
  const parts = Object.entries(figures).map(([k, v]) => `${k}=${typeof v === "number" && !Number.isInteger(v) ? v.toFixed(2) : String(v)}`);
  console.log(`[soak] ${name}: ${parts.join(" ")}`);
}
