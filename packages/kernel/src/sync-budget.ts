/**
 * A send() or receive() that completes at once returns a resolved promise.
 * A loop that awaits only such promises (a PUB publishing, which never
 * waits) would run on microtasks for ever and starve the event loop: no
 * I/O, no timers. So after a run of SYNC_BUDGET immediate completions on a
 * socket with no event-loop turn in between, the next one resolves on a
 * macrotask instead (zeromq.js does the same, every 10). The budget is per
 * socket: one busy socket using it up must not make every other socket in
 * the process wait a turn, or the first loop to run after each turn would
 * take all the throughput.
 */
const SYNC_BUDGET = 256;

const macrotask: (fn: () => void) => void =
  typeof setImmediate === "function"
    ? (fn) => {
        setImmediate(fn);
      }
    : (fn) => {
        setTimeout(fn, 0);
      };

export class SyncBudget {
  private used = 0;
  private resetScheduled = false;
  private readonly reset = () => {
    this.used = 0;
    this.resetScheduled = false;
  };

  /** True while immediate completions may still resolve at once. */
  allowed(): boolean {
    if (!this.resetScheduled) {
      this.resetScheduled = true;
      macrotask(this.reset);
    }
    return ++this.used <= SYNC_BUDGET;
  }
}

/** A promise resolved with `value` after an event-loop turn. */
export function afterTurn<T>(value: T): Promise<T> {
  return new Promise((resolve) => macrotask(() => resolve(value)));
}
