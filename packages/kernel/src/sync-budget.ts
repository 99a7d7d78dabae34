/**
 * A send() or receive() that completes at once returns a resolved promise.
 * A loop that awaits only such promises (a PUB publishing, which never
 * waits) would run on microtasks for ever and starve the event loop: no
 * I/O, no timers. So after a run of SYNC_BUDGET immediate completions with
 * no event-loop turn in between, the next one resolves on a macrotask
 * instead (zeromq.js does the same, every 10).
 */
const SYNC_BUDGET = 256;

let used = 0;
let resetScheduled = false;

const macrotask: (fn: () => void) => void =
  typeof setImmediate === "function"
    ? (fn) => {
        setImmediate(fn);
      }
    : (fn) => {
        setTimeout(fn, 0);
      };

function reset(): void {
  used = 0;
  resetScheduled = false;
}

/** True while immediate completions may still resolve at once. */
export function syncAllowed(): boolean {
  if (!resetScheduled) {
    resetScheduled = true;
    macrotask(reset);
  }
  return ++used <= SYNC_BUDGET;
}

/** A promise resolved with `value` after an event-loop turn. */
export function afterTurn<T>(value: T): Promise<T> {
  return new Promise((resolve) => macrotask(() => resolve(value)));
}
