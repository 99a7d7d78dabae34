/**
 * Input/output multiplexing over several sockets, as zmq_poll does it (the
 * ZeroMQ guide's "handling multiple sockets"), which zeromq.js v6 left out:
 * wait until any socket is readable or writable, with a timeout and an
 * AbortSignal, or read `[socket, message]` from many sockets in fair turn.
 *
 * ```ts
 * const poller = new Poller([receiver, subscriber]);
 * for await (const [socket, message] of poller) {
 *   if (socket === receiver) ... else ...
 * }
 * // or, item by item as zmq_poll:
 * const ready = await poller.poll({ timeout: 2500 });   // [] when the time is up
 * ```
 *
 * A waiting poll() keeps the process alive, as a waiting receive() does.
 */
import { ZmqError } from "./errors.js";
import type { Msg } from "./msg.js";
import { loopHolds } from "./pending.js";
import type { SocketBase } from "./socket-base.js";

/** What to wait for on a socket: ZMQ_POLLIN, ZMQ_POLLOUT, or both. */
export type PollEvents = "readable" | "writable" | "both";

/** A socket that is ready, and for what (only what was asked for is true). */
export interface PollItem<S extends SocketBase = SocketBase> {
  readonly socket: S;
  readonly readable: boolean;
  readonly writable: boolean;
}

export interface PollOptions {
  /** Milliseconds to wait: -1 (the default) for ever, 0 to look and return at once, as zmq_poll's timeout. */
  timeout?: number;
  /** Aborts the wait: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export class Poller<S extends SocketBase = SocketBase> implements AsyncIterable<[S, Msg]> {
  private readonly items = new Map<S, PollEvents>();
  /** Where the fair turn of the async iterator starts next. */
  private turn = 0;

  /** Polls `sockets` for `events` (readable by default); more can be added later. */
  constructor(sockets: Iterable<S> = [], events: PollEvents = "readable") {
    for (const socket of sockets) this.add(socket, events);
  }

  /** Polls `socket` for `events` (replacing what it was polled for before). */
  add(socket: S, events: PollEvents = "readable"): this {
    if (events !== "readable" && events !== "writable" && events !== "both") {
      throw new ZmqError("EINVAL", `Poll events are "readable", "writable" or "both", not ${String(events)}`);
    }
    this.items.set(socket, events);
    return this;
  }

  /** Stops polling `socket`; true if it was polled. */
  remove(socket: S): boolean {
    return this.items.delete(socket);
  }

  /** The sockets polled, in the order they were added. */
  get sockets(): S[] {
    return [...this.items.keys()];
  }

  /**
   * Resolves with the sockets that are ready, once at least one is (with
   * `readable` / `writable` saying for what), or with [] when `timeout`
   * passes first. A closed socket fails the poll with ENOTSOCK, as
   * zmq_poll does.
   */
  poll(options: PollOptions = {}): Promise<PollItem<S>[]> {
    const { timeout = -1, signal } = options;
    if (typeof timeout !== "number" || Number.isNaN(timeout))
      return Promise.reject(new ZmqError("EINVAL", `timeout must be a number, got ${String(timeout)}`));
    if (signal?.aborted) return Promise.reject(signal.reason);
    let ready: PollItem<S>[];
    try {
      ready = this.ready();
    } catch (error) {
      return Promise.reject(error);
    }
    if (ready.length > 0 || timeout === 0 || this.items.size === 0) return Promise.resolve(ready);
    return new Promise<PollItem<S>[]>((resolve, reject) => {
      const unwatch: (() => void)[] = [];
      let timer: ReturnType<typeof setTimeout> | undefined;
      const release = loopHolds.hold();
      const settle = (fn: () => void) => {
        for (const u of unwatch.splice(0)) u();
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        release();
        fn();
      };
      const check = () => {
        let now: PollItem<S>[];
        try {
          now = this.ready();
        } catch (error) {
          settle(() => reject(error));
          return;
        }
        if (now.length > 0) settle(() => resolve(now));
      };
      const onAbort = () => settle(() => reject(signal!.reason));
      for (const socket of this.items.keys()) unwatch.push(watchReadiness(socket, check));
      if (timeout > 0) timer = setTimeout(() => settle(() => resolve([])), timeout);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Messages from every socket polled for reading, one at a time, in fair
   * turn (each ready socket gives one message before any gives a second),
   * as `[socket, message]`. Ends when all of them are closed or removed.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<[S, Msg]> {
    for (;;) {
      const readers: S[] = [];
      for (const [socket, events] of this.items) if (events !== "writable" && !socket.closed) readers.push(socket);
      if (readers.length === 0) return;
      // The first socket from the turn on that has a message now; a poll (and its promise) only when none has.
      let next: S | undefined;
      for (let i = 0; i < readers.length && next === undefined; i++) {
        const socket = readers[(this.turn + i) % readers.length]!;
        if (socket.readable) next = socket;
      }
      if (next === undefined) {
        try {
          await new Poller<S>(readers).poll();
        } catch (error) {
          // A socket closed while we waited: go round again without it.
          if ((error as Partial<ZmqError>).code !== "ENOTSOCK") throw error;
        }
        continue;
      }
      this.turn = (readers.indexOf(next) + 1) % readers.length;
      yield [next, await next.receive()];
    }
  }

  /** The items ready now. */
  private ready(): PollItem<S>[] {
    const out: PollItem<S>[] = [];
    for (const [socket, events] of this.items) {
      if (socket.closed) throw new ZmqError("ENOTSOCK", "A socket in the poller is closed");
      const readable = events !== "writable" && socket.readable;
      const writable = events !== "readable" && socket.writable;
      if (readable || writable) out.push({ socket, readable, writable });
    }
    return out;
  }
}

/** Calls `listener` whenever `socket` may have become readable or writable, and once when it closes; returns the unwatch. */
function watchReadiness(socket: SocketBase, listener: () => void): () => void {
  // SocketBase calls its private `watchers` from the hooks its pipes drive (flushSends, flushReceives) and from close().
  const watched = socket as unknown as { watchers: Set<() => void> | undefined };
  (watched.watchers ??= new Set()).add(listener);
  return () => void watched.watchers?.delete(listener);
}
