/**
 * Rejections in tests: the ZmqError an operation fails with, its code,
 * rejections awaited later, and retrying while an address is still in use.
 */
import { type ZmqError, isZmqError, show } from "../index.js";

/**
 * The ZmqError that `promise` rejects with, for `expect((await rejection(s.receive())).code).toBe("EAGAIN")`.
 * Throws (failing the test) when it resolves, or rejects with anything but a ZmqError.
 */
export async function rejection(promise: Promise<unknown>): Promise<ZmqError> {
  try {
    await promise;
  } catch (e) {
    if (!isZmqError(e)) throw new Error(`expected a ZmqError rejection, got ${e instanceof Error ? `${e.name}: ${e.message}` : show(e)}`);
    return e;
  }
  throw new Error("expected a rejection");
}

/** A ZmqError's code, or anything else as a string: `expect(errorCode(await p.catch((x: unknown) => x))).toBe("EFSM")`. */
export function errorCode(error: unknown): string {
  return isZmqError(error) ? error.code : String(error);
}

/**
 * Marks `promise`'s rejection as handled, so that it is not reported as
 * unhandled before the test awaits it, and returns the same promise (which
 * still rejects for whoever awaits it).
 */
export function later<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/**
 * Calls `fn` again, every 20 ms, while it fails with an EADDRINUSE code (a
 * port or path that a socket closed a moment ago still holds), until
 * `deadline` (a Date.now() time, 5 s from the call by default); any other
 * failure, or one past the deadline, is thrown.
 */
export async function retryInUse<T>(fn: () => Promise<T>, deadline = Date.now() + 5000): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if ((e as { code?: string }).code !== "EADDRINUSE" || Date.now() > deadline) throw e;
      await new Promise<void>((resolve) => setTimeout(() => resolve(), 20));
    }
  }
}
