/**
 * Operations waiting on a socket: the send()s that found every queue full
 * and the receive()s that found nothing to read. One generic queue serves
 * both: each entry is retried in order by `flush()` (called whenever the
 * socket's pipes change) until its attempt succeeds, its timeout passes
 * (EAGAIN), or its AbortSignal fires. The immediate case never gets here:
 * the socket tries once itself and returns a settled promise.
 *
 * While an operation waits it holds the event loop (a Node process stays
 * alive), as zeromq.js's pending send() and receive() do; an idle socket,
 * its connections, reconnect and heartbeat timers hold nothing. The holds
 * are plain timers, so this works in any runtime.
 */
import { ZmqError } from "./errors.js";
import { Queue } from "./queue.js";

interface Pending<I, O> {
  readonly input: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

type Timer = ReturnType<typeof setTimeout>;

// The runtime's own timers, taken once: holds are not application timers (fake timers in tests leave them be).
const startInterval = setInterval;
const stopInterval = clearInterval;

/**
 * Keeps the event loop alive while something must finish: a counted hold
 * (one timer for all holders, referenced only while held where the runtime
 * can unreference it), and watched conditions checked every `WATCH_MS`
 * until they turn false or their time is up.
 */
class LoopHolds {
  private count = 0;
  private timer: Timer | undefined;
  private readonly watched = new Set<{ readonly needed: () => boolean; readonly until: number }>();
  private watchTimer: Timer | undefined;

  /** Holders now: waiting operations' queues, and lingering conditions. */
  get held(): number {
    return this.count + this.watched.size;
  }

  /** Holds the loop until the returned function is called (once). */
  hold(): () => void {
    if (this.count++ === 0) {
      const timer = this.timer as { ref?: () => void } | undefined;
      if (timer?.ref) timer.ref();
      else this.timer = startInterval(() => {}, 0x3fffffff);
    }
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (--this.count > 0) return;
      const timer = this.timer as { unref?: () => void } | undefined;
      // Node keeps the one timer and only unreferences it: holding is then cheap on a hot receive loop.
      if (timer?.unref) timer.unref();
      else {
        stopInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Holds the loop while `needed()` is true, for at most `ms` milliseconds (-1: no limit). */
  watch(needed: () => boolean, ms: number): void {
    if (!needed()) return;
    this.watched.add({ needed, until: ms < 0 ? Infinity : Date.now() + ms });
    this.watchTimer ??= startInterval(() => this.check(), WATCH_MS);
  }

  private check(): void {
    const now = Date.now();
    for (const w of this.watched) if (now >= w.until || !w.needed()) this.watched.delete(w);
    if (this.watched.size === 0) {
      stopInterval(this.watchTimer);
      this.watchTimer = undefined;
    }
  }
}

/** How often a watched condition (messages lingering) is looked at. */
const WATCH_MS = 20;

/** The process-wide loop holds (there is one event loop). */
export const loopHolds = /* @__PURE__ */ new LoopHolds();

export class PendingOperations<I, O> {
  private readonly queue = new Queue<Pending<I, O>>();
  private flushing = false;
  private again = false;
  private release: (() => void) | undefined;

  /**
   * @param attempt tries one operation: its result, or undefined when it
   * must keep waiting. A throw fails that operation alone.
   * @param timedOut the error of an operation whose time is up: EAGAIN
   * unless the socket says otherwise (EFSM for one out of turn).
   */
  constructor(
    private readonly attempt: (input: I) => O | undefined,
    private readonly timedOut: () => ZmqError = () => new ZmqError("EAGAIN"),
  ) {}

  /** Operations waiting. */
  get length(): number {
    return this.queue.length;
  }

  /** Throws zeromq.js's EBUSY while an operation waits (ContextOptions.exclusiveOperations); `op` names it: "send", "receive". */
  refuseIfBusy(op: "send" | "receive"): void {
    if (this.queue.length === 0) return;
    const doing = op === "send" ? "writing" : "reading";
    throw new ZmqError("EBUSY", undefined, undefined, `Socket is busy ${doing}; only one ${op} operation may be in progress at any time`);
  }

  /**
   * Queues an operation; `timeout` ms (-1 for ever) before it fails with
   * EAGAIN (or the socket's timedOut error). A timeout of 0 fails at once,
   * as does an aborted signal (with its reason).
   */
  wait(input: I, timeout: number, signal: AbortSignal | undefined): Promise<O> {
    if (timeout === 0) return Promise.reject(this.timedOut());
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<O>((resolve, reject) => {
      const pending: Pending<I, O> = { input, resolve, reject, timer: undefined, signal, onAbort: undefined };
      const remove = (error: unknown) => {
        if (this.queue.removeWhere((p) => p === pending) > 0) this.settle(pending, error);
      };
      if (timeout > 0) pending.timer = setTimeout(() => remove(this.timedOut()), timeout);
      if (signal) {
        pending.onAbort = () => remove(signal.reason);
        signal.addEventListener("abort", pending.onAbort, { once: true });
      }
      this.queue.push(pending);
      this.release ??= loopHolds.hold();
    });
  }

  /** Completes waiting operations in order while their attempts succeed. Safe to call re-entrantly. */
  flush(): void {
    if (this.queue.length === 0) return;
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushing = true;
    try {
      do {
        this.again = false;
        while (this.queue.length > 0) {
          const pending = this.queue.peek()!;
          let result: O | undefined;
          try {
            result = this.attempt(pending.input);
          } catch (error) {
            this.queue.shift();
            this.settle(pending, error);
            continue;
          }
          if (result === undefined) break;
          this.queue.shift();
          this.settle(pending, undefined, result);
        }
      } while (this.again);
    } finally {
      this.flushing = false;
    }
  }

  /** Fails every waiting operation (the socket closed) with the timedOut error. */
  rejectAll(): void {
    for (let p = this.queue.shift(); p; p = this.queue.shift()) this.settle(p, this.timedOut());
  }

  private settle(pending: Pending<I, O>, error: unknown, value?: O): void {
    if (this.queue.length === 0 && this.release) {
      this.release();
      this.release = undefined;
    }
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    if (pending.onAbort) pending.signal!.removeEventListener("abort", pending.onAbort);
    if (error !== undefined) pending.reject(error);
    else pending.resolve(value as O);
  }
}
