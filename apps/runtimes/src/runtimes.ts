/**
 * The runtimes the scenario scripts run under, and a child process to run
 * them in: Node (this process's own binary), Bun and Deno (the npm packages'
 * native binaries, from this app's node_modules). A runtime whose binary is
 * missing or does not start is reported with the reason, so that its tests
 * skip rather than fail.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export const appDir = join(import.meta.dirname, "..");
export const scenarioDir = join(import.meta.dirname, "scenarios");

export type RuntimeName = "node" | "bun" | "deno";

export interface Runtime {
  readonly name: RuntimeName;
  /** The binary, or undefined when it cannot run here. */
  readonly binary: string | undefined;
  /** Why the binary cannot run here ("" when it can). */
  readonly missing: string;
  /** The version it reports. */
  readonly version: string;
  /** The arguments that run `script` with `args`. */
  command(script: string, args: readonly string[], flags?: readonly string[]): string[];
}

/** What Deno needs for the scenarios: loopback sockets, unix sockets in /tmp, node_modules, the environment. */
export const DENO_FLAGS = ["--allow-net", "--allow-read", "--allow-write", "--allow-env", "--allow-sys"] as const;

const require = createRequire(import.meta.url);

function packageBinary(pkg: string, relative: string): string | undefined {
  try {
    const path = join(dirname(require.resolve(`${pkg}/package.json`)), relative);
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

function probe(name: RuntimeName, binary: string | undefined, command: Runtime["command"]): Runtime {
  if (!binary) return { name, binary, missing: `${name} is not installed (npm package "${name}" in apps/runtimes)`, version: "", command };
  const result = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 20_000 });
  if (result.status !== 0) {
    const why = result.error?.message ?? (result.stderr.trim() || `exit status ${result.status}`);
    return { name, binary: undefined, missing: `${binary} --version failed: ${why}`, version: "", command };
  }
  return { name, binary, missing: "", version: result.stdout.split("\n")[0]!.trim(), command };
}

export const node: Runtime = probe("node", process.execPath, (script, args) => [script, ...args]);
export const bun: Runtime = probe("bun", packageBinary("bun", "bin/bun.exe"), (script, args) => ["run", script, ...args]);
export const deno: Runtime = probe("deno", packageBinary("deno", "deno"), (script, args, flags = DENO_FLAGS) => ["run", ...flags, script, ...args]);
export const runtimes: readonly Runtime[] = [node, bun, deno];

const childEnv = { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", DO_NOT_TRACK: "1" };

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A scenario script running under a runtime, its output collected. */
export class Run {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<Exit>;
  private readonly watchers: (() => void)[] = [];

  constructor(
    readonly runtime: Runtime,
    script: string,
    args: readonly string[] = [],
    flags?: readonly string[],
    /** More environment for the script (a test certificate's files, say). */
    env: Record<string, string> = {},
    /** Run it in a network namespace of its own, loopback up with a multicast route (for epgm://). */
    netns = false,
  ) {
    if (!runtime.binary) throw new Error(runtime.missing);
    const command = [runtime.binary, ...runtime.command(join(scenarioDir, script), args, flags)];
    const [file, ...argv] = netns
      ? ["unshare", "-n", "sh", "-c", 'ip link set lo up && ip route add 224.0.0.0/4 dev lo && exec "$@"', "sh", ...command]
      : command;
    this.child = spawn(file!, argv, {
      cwd: appDir,
      env: { ...childEnv, ...env },
      stdio: "pipe",
    });
    this.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      this.stdout += chunk;
      for (const watch of this.watchers) watch();
    });
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve, reject) => {
      this.child.once("error", reject);
      this.child.once("close", (code, signal) => {
        for (const watch of this.watchers) watch();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** The first stdout line that starts with `prefix`, once it is printed (rejects if the process ends first). */
  line(prefix: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const watch = () => {
        const found = this.stdout.split("\n").find((l) => l.startsWith(prefix) && this.stdout.includes(`${l}\n`));
        if (found !== undefined) resolve(found);
        else if (this.child.exitCode !== null || this.child.signalCode !== null)
          reject(new Error(`${this.runtime.name} exited before printing "${prefix}": ${this.stdout}${this.stderr}`));
      };
      this.watchers.push(watch);
      watch();
    });
  }

  /** Ends the process if it is still running. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

/** Runs a scenario to its end. */
export function runScenario(runtime: Runtime, script: string, args: readonly string[] = [], flags?: readonly string[], netns = false): Promise<Exit> {
  return new Run(runtime, script, args, flags, {}, netns).exited;
}

/** Why a network namespace with a multicast route cannot be made here, or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  const probe = spawnSync("unshare", ["-n", "sh", "-c", "ip link set lo up && ip route add 224.0.0.0/4 dev lo"], {
    encoding: "utf8",
    timeout: 10_000,
  });
  if (probe.error) return `unshare: ${probe.error.message}`;
  return probe.status === 0 ? undefined : `cannot make a network namespace: ${probe.stderr.trim()}`;
}
