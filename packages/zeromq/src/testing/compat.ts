// For the compatibility tests (compat-*.test.ts): the two implementations
// each expectation runs against, sockets closed after each test, and what a
// call throws synchronously. Test support only; not built into dist.
import { afterEach } from "vitest";
import * as real from "zeromq";
import * as ours from "../index.js";

export type Impl = typeof real;

/** zmq-ts and npm zeromq 6.8.0, by name. */
export const implementations: [string, Impl][] = [
  ["zmq-ts", ours as unknown as Impl],
  ["zeromq", real],
];

const open: { close(): void }[] = [];

/** Closes every socket passed to `track` after each test of the file that calls this. */
export function closeAfterEach(): void {
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
}

export function track<T extends { close(): void }>(s: T): T {
  open.push(s);
  return s;
}

/** What `fn` throws synchronously, or undefined; a promise it returns is kept from rejecting unhandled. */
export function thrown(fn: () => unknown): (Error & { code?: string; errno?: number }) | undefined {
  try {
    const result = fn();
    if (result instanceof Promise) result.catch(() => {});
  } catch (error) {
    return error as Error & { code?: string; errno?: number };
  }
  return undefined;
}
