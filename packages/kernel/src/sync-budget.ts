/**
 * A send() or receive() that completes at once returns a resolved promise.
 * A loop that awaits only such promises (a PUB publishing, which never
 * waits) would run on microtasks for ever and starve the event loop: no
 * I/O, no timers. So after a run of SYNC_BUDGET immediate completions on a
 * socket with no event-loop turn in between, the next one resolves on a
 * macrotask instead (zeromq.js does the same, every 10). 1,024 keeps a busy
 * loop's hold on the thread to a fraction of a millisecond, and lets a
 * sender's turn fill a write of about the default HWM's worth of messages:
 * 64 B Push->Pull over tcp measured 4-9% faster than with 256, with fewer,
 * larger writes. The budget is per
 * socket: one busy socket using it up must not make every other socket in
 * the process wait a turn, or the first loop to run after each turn would
 * take all the throughput.
 */
export const SYNC_BUDGET = 1024;

/** The part of the web's MessageChannel used here (the kernel is built without the DOM's types). */
interface Channel {
  port1: { onmessage: (() => void) | null };
  port2: { postMessage(message: undefined): void };
}

/** The web's MessageChannel; read only where there is no setImmediate (in Node the global loads the worker and stream modules). */
const webChannel = () => (globalThis as unknown as { MessageChannel?: new () => Channel }).MessageChannel;

/**
 * One event-loop turn: setImmediate where the runtime has it (Node, Bun,
 * Deno); in a browser a MessageChannel message, because a browser clamps
 * nested setTimeout(fn, 0) to 4 ms, which would cap a busy loop at 256
 * messages per 4 ms; setTimeout where neither exists.
 */
const macrotask: (fn: () => void) => void =
  typeof setImmediate === "function"
    ? (fn) => {
        setImmediate(fn);
      }
    : typeof webChannel() === "function"
      ? channelTask(webChannel()!)
      : (fn) => {
          setTimeout(fn, 0);
        };

function channelTask(MessageChannel: new () => Channel): (fn: () => void) => void {
  let queue: (() => void)[] = [];
  let port: Channel["port2"] | undefined;
  return (fn) => {
    if (port === undefined) {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        const due = queue;
        queue = [];
        for (const task of due) task();
      };
      port = channel.port2;
    }
    if (queue.push(fn) === 1) port.postMessage(undefined);
  };
}

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
