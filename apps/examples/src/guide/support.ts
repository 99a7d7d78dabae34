// What every guide example shares: an injectable `log`, an AbortSignal
// that stops servers by closing their sockets, and a tiny CLI runner so
// each module works both as `node dist/guide/<name>.js` and as a function
// a test calls with small counts.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Socket } from "@zmq/zeromq";

/** Where an example writes its report, one line at a time. */
export type Log = (line: string) => void;

/** Options every example's main() takes. */
export interface CommonOptions {
  /** Receives each line of output; defaults to console.log. */
  log?: Log;
  /** Stops the example: its sockets are closed and main() returns. */
  signal?: AbortSignal;
}

export const consoleLog: Log = (line) => console.log(line);

/** Anything with close(): sockets, devices. */
interface Closable {
  close(): void;
}

/**
 * Closes `sockets` as soon as `signal` aborts, which ends their for-await
 * loops and rejects pending receives. Returns a function that detaches the
 * listener (call it from `finally`).
 */
export function closeOnAbort(signal: AbortSignal | undefined, ...sockets: Closable[]): () => void {
  if (!signal) return () => {};
  const close = () => {
    for (const s of sockets) s.close();
  };
  if (signal.aborted) {
    close();
    return () => {};
  }
  signal.addEventListener("abort", close, { once: true });
  return () => signal.removeEventListener("abort", close);
}

/**
 * Resolves once `count` peers have completed the ZMTP handshake with
 * `socket`. Call it before bind() or connect(), so no handshake is missed;
 * the returned promise settles after the socket has attached each peer.
 * Over inproc there is no handshake: use it with tcp and ipc only.
 */
export function peersReady(socket: Socket, count: number, signal?: AbortSignal): Promise<void> {
  if (count <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let seen = 0;
    const onAbort = () => {
      socket.events.off("handshake", onHandshake);
      reject(new Error(`stopped while waiting for peers (${seen} of ${count} connected)`));
    };
    const onHandshake = () => {
      if (++seen < count) return;
      socket.events.off("handshake", onHandshake);
      signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    socket.events.on("handshake", onHandshake);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A promise with its resolve function outside, for handing endpoints between examples. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A random integer in [min, max]. */
export function randomInt(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

/** True when the module at `url` is the program node was started with. */
export function isMain(url: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(url));
  } catch {
    return false;
  }
}

/** Command-line flags: `--name=value` or `--name value`; a bare `--name` is "true". */
export class Flags {
  private readonly values = new Map<string, string>();
  readonly positional: string[] = [];

  constructor(argv: readonly string[] = process.argv.slice(2)) {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (!arg.startsWith("--")) {
        this.positional.push(arg);
        continue;
      }
      const eq = arg.indexOf("=");
      if (eq > 0) {
        this.values.set(arg.slice(2, eq), arg.slice(eq + 1));
      } else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) {
        this.values.set(arg.slice(2), argv[++i]!);
      } else {
        this.values.set(arg.slice(2), "true");
      }
    }
  }

  string(name: string): string | undefined {
    return this.values.get(name);
  }

  number(name: string): number | undefined {
    const v = this.values.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} wants a number, got ${JSON.stringify(v)}`);
    return n;
  }

  /** A comma-separated list. */
  list(name: string): string[] | undefined {
    return this.values
      .get(name)
      ?.split(",")
      .filter((s) => s.length > 0);
  }
}

/**
 * Runs an example as a program: Ctrl-C (or SIGTERM) aborts the signal so
 * servers close their sockets and return; an error sets exit code 1.
 */
export async function runCli(run: (flags: Flags, signal: AbortSignal) => Promise<unknown>): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await run(new Flags(), controller.signal);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
