/**
 * Operations waiting on a socket: the send()s that found every queue full
 * and the receive()s that found nothing to read. One generic queue serves
 * both: each entry is retried in order by `flush()` (called whenever the
 * socket's pipes change) until its attempt succeeds, its timeout passes
 * (EAGAIN), or its AbortSignal fires. The immediate case never gets here:
 * the socket tries once itself and returns a settled promise.
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

export class PendingOperations<I, O> {
  private readonly queue = new Queue<Pending<I, O>>();
  private flushing = false;
  private again = false;

  /**
   * @param attempt tries one operation: its result, or undefined when it
   * must keep waiting. A throw fails that operation alone.
   */
  constructor(private readonly attempt: (input: I) => O | undefined) {}

  /** Operations waiting. */
  get length(): number {
    return this.queue.length;
  }

  /**
   * Queues an operation; `timeout` ms (-1 for ever) before it fails with
   * EAGAIN. A timeout of 0 fails at once, as does an aborted signal (with
   * its reason).
   */
  wait(input: I, timeout: number, signal: AbortSignal | undefined): Promise<O> {
    if (timeout === 0) return Promise.reject(new ZmqError("EAGAIN"));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<O>((resolve, reject) => {
      const pending: Pending<I, O> = { input, resolve, reject, timer: undefined, signal, onAbort: undefined };
      const remove = (error: unknown) => {
        if (this.queue.removeWhere((p) => p === pending) > 0) this.settle(pending, error);
      };
      if (timeout > 0) pending.timer = setTimeout(() => remove(new ZmqError("EAGAIN")), timeout);
      if (signal) {
        pending.onAbort = () => remove(signal.reason);
        signal.addEventListener("abort", pending.onAbort, { once: true });
      }
      this.queue.push(pending);
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

  /** Fails every waiting operation (the socket closed). */
  rejectAll(error: () => unknown): void {
    for (let p = this.queue.shift(); p; p = this.queue.shift()) this.settle(p, error());
  }

  private settle(pending: Pending<I, O>, error: unknown, value?: O): void {
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    if (pending.onAbort) pending.signal!.removeEventListener("abort", pending.onAbort);
    if (error !== undefined) pending.reject(error);
    else pending.resolve(value as O);
  }
}
