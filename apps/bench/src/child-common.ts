// The child side of the multi-process benchmarks (reqrep-peer.ts,
// pubsub-peer.ts): reporting to the parent over fork()'s IPC channel, and
// the rules that keep a child from outliving its run.
import type { Cpu } from "./harness.js";

export type { Cpu };

/** Starts the child: it exits when the parent goes away, and after lifetimeMs in any case. */
export function guard(program: string, lifetimeMs: number): void {
  if (!process.send) {
    console.error(`${program} is started by its benchmark (it needs an IPC channel)`);
    process.exit(2);
  }
  process.on("disconnect", () => process.exit(2));
  setTimeout(() => process.exit(3), lifetimeMs).unref();
}

/** Sends a message to the parent; resolves once it is on its way. */
export function report<M extends { type: string }>(message: M): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, undefined, () => resolve()));
}

export async function fail(error: unknown): Promise<never> {
  await report({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}

export function cpuSince(start: NodeJS.CpuUsage, startWall: number, nowWall: number): Cpu {
  const used = process.cpuUsage(start);
  return { userMs: used.user / 1000, systemMs: used.system / 1000, wallMs: nowWall - startWall };
}

/** Calls fn for each control message ("go", "stop", "exit") from the parent. */
export function onCommand(fn: (command: string) => void): void {
  process.on("message", (m) => {
    if (typeof m === "string") fn(m);
  });
}

/** Yields to the event loop (I/O, timers, the parent's messages). */
export const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));
