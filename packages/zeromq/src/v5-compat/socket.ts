/**
 * The socket of zeromq.js v5's callback API, over a v6 socket: messages
 * arrive as "message" events (one argument per frame), send() queues and
 * takes ZMQ_SNDMORE, bind() reports through a callback or a "bind" event,
 * monitor() turns the v6 events into v5's event names.
 */
import { EventEmitter } from "node:events";
import { type Event, type EventError, type MessageLike, type SocketBase, ZmqError, parseEndpoint } from "@zmq/kernel";
import { parseTcpAddress } from "@zmq/transport-tcp";
import { Dealer, Pair, Publisher, Pull, Push, Reply, Request, Router, Stream, Subscriber, XPublisher, XSubscriber } from "../index.js";
import { type ShortOption, type SocketType, ZMQ_SNDMORE, options as shortOptions } from "./constants.js";
import { type OptionTarget, getOption, setOption } from "./socket-options.js";

/** A v5 callback: no argument on success, the error otherwise. */
export type Callback = (err?: Error) => void;

const FACTORIES: Readonly<Record<SocketType, () => SocketBase>> = {
  pair: () => new Pair(),
  req: () => new Request(),
  rep: () => new Reply(),
  pub: () => new Publisher(),
  sub: () => new Subscriber(),
  dealer: () => new Dealer(),
  xreq: () => new Dealer(),
  router: () => new Router(),
  xrep: () => new Router(),
  pull: () => new Pull(),
  push: () => new Push(),
  xpub: () => new XPublisher(),
  xsub: () => new XSubscriber(),
  stream: () => new Stream(),
};

/** v6 monitor events and the v5 names they are emitted under. */
const MONITORED: ReadonlyArray<readonly [Event["type"], string]> = [
  ["connect", "connect"],
  ["connect:delay", "connect_delay"],
  ["connect:retry", "connect_retry"],
  ["bind", "listen"],
  ["bind:error", "bind_error"],
  ["accept", "accept"],
  ["accept:error", "accept_error"],
  ["close", "close"],
  ["close:error", "close_error"],
  ["disconnect", "disconnect"],
];

/** Runs a user callback; what it throws surfaces as an uncaught exception, never inside our promise chains. True if it threw. */
function invoke(fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
    return true;
  }
}

// zeromq.js's typings give the v5 socket an index signature: any property may be set on it.
export interface Socket {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [key: string]: any;
}

export class Socket extends EventEmitter {
  /** The type name this socket was made with ("push", "router" ...). */
  readonly type: SocketType;
  readonly #socket: SocketBase;
  /** Frames (and callbacks) of a message sent part by part with ZMQ_SNDMORE. */
  #parts: MessageLike[] = [];
  #partCallbacks: Callback[] = [];
  /** Whole messages sent while paused, in order. */
  readonly #outbox: Array<[MessageLike[], Callback[]]> = [];
  /** Messages received while paused, emitted on resume(). */
  readonly #held: Buffer[][] = [];
  #paused = false;
  /** A message handed to the v6 socket that must wait for room: the next waits for it (the v6 socket takes one waiting send). */
  #sending = false;
  #reading = false;
  /** REQ: its requests go one at a time, each after the reply to the one before. */
  readonly #isReq: boolean;
  #awaitingReply = false;
  /** Whether this socket type reads all the time (every type but PUSH and PUB; REQ reads while a reply is due). */
  readonly #reads: boolean;
  #endpointQueue: Promise<void> = Promise.resolve();
  #endpointOps = 0;
  readonly #monitorListeners: Array<[Event["type"], (event: Event) => void]> = [];
  readonly #optionTarget: OptionTarget;

  constructor(type: SocketType) {
    super();
    const factory = Object.hasOwn(FACTORIES, type) ? FACTORIES[type] : undefined;
    if (!factory) throw new Error(`Invalid socket type: ${String(type)}`);
    this.type = type;
    this.#socket = factory();
    this.#optionTarget = {
      socket: this.#socket,
      receiveTimeout: -1,
      subscribe: (filter, unsubscribe) => (unsubscribe ? this.unsubscribe(filter) : this.subscribe(filter)),
    };
    this.#isReq = type === "req";
    this.#reads = type !== "push" && type !== "pub" && type !== "req";
    if (this.#reads) void this.#readLoop();
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.#socket.closed;
  }

  // ---- endpoints -----------------------------------------------------------

  /**
   * Binds in the background; then emits "bind" with the address and calls
   * `cb` (or `cb(err)`; with no `cb`, emits "error"). Binds and unbinds of one
   * socket run one after the other, in the order they were called.
   */
  bind(address: string, cb?: Callback): this {
    this.#assertOpen(address);
    this.#endpointOp(() => this.#socket.bind(address), "bind", address, cb);
    return this;
  }

  /**
   * Binds, throwing at once what can be known at once (closed socket, bad
   * address, unknown transport). The listening itself completes in the
   * background, as JavaScript cannot listen synchronously: a failure then
   * (EADDRINUSE ...) is emitted as "error", and `last_endpoint` is set once
   * listening.
   */
  bindSync(address: string): this {
    this.#checkAddress(address, true);
    this.#endpointOp(() => this.#socket.bind(address));
    return this;
  }

  /** Unbinds in the background; then emits "unbind" and calls `cb` (or `cb(err)`; with no `cb`, emits "error"). */
  unbind(address: string, cb?: Callback): this {
    this.#assertOpen(address);
    this.#endpointOp(() => this.#socket.unbind(address), "unbind", address, cb);
    return this;
  }

  /** Unbinds, throwing at once for a closed socket or a bad address; as in zeromq.js 6, an address never bound is no error. */
  unbindSync(address: string): this {
    this.#checkAddress(address, false);
    this.#endpointOp(() =>
      this.#socket.unbind(address).catch((error: Partial<ZmqError>) => {
        if (error.code !== "ENOENT") throw error;
      }),
    );
    return this;
  }

  // The v6 socket is blocked while a bind or unbind runs (EBUSY, as zeromq.js's); v5's binds were
  // synchronous, so what v5 code calls next waits for them here, in the order it was called.

  /** Connects; after the binds and unbinds still running, if any (a failure then is emitted as "error"). */
  connect(address: string): this {
    this.#afterBinds(() => this.#socket.connect(address));
    return this;
  }

  /** Disconnects; after the binds and unbinds still running, if any. */
  disconnect(address: string): this {
    this.#afterBinds(() => this.#socket.disconnect(address));
    return this;
  }

  /**
   * Runs a bind or unbind after those called before it. Success emits
   * `event` and calls `cb`; failure goes to `cb`, else to "error" (nowhere
   * once the socket is closed and nobody asked).
   */
  #endpointOp(op: () => Promise<void>, event?: string, address?: string, cb?: Callback): void {
    const run = this.#endpointOps === 0 ? op() : this.#endpointQueue.then(op);
    this.#endpointOps++;
    const done = run.finally(() => this.#endpointOps--);
    this.#endpointQueue = done.catch(() => {});
    done.then(
      () =>
        process.nextTick(() => {
          if (event) this.emit(event, address);
          if (cb) invoke(() => cb());
        }),
      (error: Error) =>
        process.nextTick(() => {
          if (cb) invoke(() => cb(error));
          else if (!this.#socket.closed) this.#fail(error);
        }),
    );
  }

  /** Runs `op` now, or after the binds and unbinds still running (then a throw is emitted as "error"). */
  #afterBinds(op: () => void): void {
    if (this.#endpointOps === 0) op();
    else this.#endpointOp(() => Promise.resolve().then(op));
  }

  #assertOpen(address: string): void {
    if (this.#socket.closed) throw new ZmqError("EBADF", undefined, address);
  }

  #checkAddress(address: string, bind: boolean): void {
    this.#assertOpen(address);
    const endpoint = parseEndpoint(address);
    this.#socket.context.transport(endpoint.scheme, address);
    if (bind && endpoint.scheme === "tcp") parseTcpAddress(address, endpoint.address, true);
  }

  // ---- sending -------------------------------------------------------------

  /**
   * Queues a message: a frame or an array of frames. With ZMQ_SNDMORE in
   * `flags` it is the first part of a message the next send() continues.
   * Each part's `cb` is called once the whole message is queued in the
   * socket, or with the error that stopped it. A REQ socket sends each
   * request once the reply to the one before has arrived.
   */
  send(message: MessageLike | readonly MessageLike[], flags: number | null | undefined = 0, cb?: Callback): this {
    if (Array.isArray(message)) for (const frame of message as readonly MessageLike[]) this.#parts.push(frame);
    else this.#parts.push(message as MessageLike);
    if (cb) this.#partCallbacks.push(cb);
    if (((flags ?? 0) | 0) & ZMQ_SNDMORE) return this;
    const msg = this.#parts;
    const callbacks = this.#partCallbacks;
    this.#parts = [];
    this.#partCallbacks = [];
    if (this.#socket.closed) this.#transmit(msg, callbacks);
    else {
      this.#outbox.push([msg, callbacks]);
      this.#pump();
    }
    return this;
  }

  /** Hands queued messages to the v6 socket, unless paused or (REQ) waiting for a reply. */
  #pump(): void {
    if (this.#endpointOps > 0) {
      void this.#endpointQueue.then(() => this.#pump());
      return;
    }
    while (!this.#sending && !this.#paused && !(this.#isReq && this.#awaitingReply)) {
      const entry = this.#outbox.shift();
      if (!entry) break;
      if (this.#isReq) this.#awaitingReply = true;
      this.#transmit(entry[0], entry[1]);
    }
    if (this.#isReq && this.#awaitingReply) void this.#readLoop();
  }

  #transmit(msg: MessageLike[], callbacks: Callback[]): void {
    // The v6 socket throws EBADF at once when closed; v5 reports it to the callbacks like any failure.
    let sending: Promise<void>;
    try {
      sending = this.#socket.send(msg);
    } catch (error) {
      sending = Promise.reject(error);
    }
    // A message the socket took at once lets the next follow at once (so close() right after keeps it); one that
    // waits for room holds the rest back until it goes.
    const waits = this.#socket.sendsWaiting > 0;
    if (waits) this.#sending = true;
    // Then the next message goes, if this one held it back (or a REQ's request failed: no reply will come).
    const next = (failedRequest: boolean) => {
      if (waits) this.#sending = false;
      if ((waits || failedRequest) && !this.#socket.closed) this.#pump();
    };
    sending.then(
      () => {
        for (const cb of callbacks) invoke(() => cb.call(this));
        next(false);
      },
      (error: Error) => {
        if (this.#isReq) this.#awaitingReply = false;
        next(this.#isReq);
        if (callbacks.length > 0) for (const cb of callbacks) invoke(() => cb.call(this, error));
        else if (!this.#socket.closed) this.#fail(error);
      },
    );
  }

  /** Removed in zeromq.js 6's compatibility mode, as here. */
  read(): never {
    throw new Error("read() has been removed from compatibility mode; use on('message', ...) instead.");
  }

  // ---- receiving -----------------------------------------------------------

  /** Emits each message as it arrives, until paused or closed (REQ: while a reply is due). */
  async #readLoop(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    const socket = this.#socket;
    try {
      while (!this.#paused && !socket.closed && (!this.#isReq || this.#awaitingReply)) {
        let msg = this.#held.shift();
        if (!msg) {
          if (this.#endpointOps > 0) {
            await this.#endpointQueue;
            continue;
          }
          try {
            msg = (await socket.receive()) as Buffer[];
          } catch (error) {
            if (socket.closed) break;
            if ((error as Partial<ZmqError>).code !== "EAGAIN") this.#fail(error as Error);
            // Give the event loop a turn before trying again.
            await new Promise<void>((resolve) => setImmediate(resolve));
            continue;
          }
        }
        if (this.#paused) {
          this.#held.push(msg);
          break;
        }
        if (this.#isReq) this.#awaitingReply = false;
        // A handler that threw: its exception surfaces before the next message, as zeromq.js's.
        if (this.#deliver(msg)) await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.#isReq) this.#pump();
      }
    } finally {
      this.#reading = false;
    }
  }

  #deliver(msg: Buffer[]): boolean {
    return invoke(() => this.emit("message", ...msg));
  }

  /** Emits "error" (thrown as an uncaught exception when nobody listens, as EventEmitter does). */
  #fail(error: Error): void {
    invoke(() => this.emit("error", error));
  }

  // ---- flow ----------------------------------------------------------------

  /** Stops emitting "message" and queues send()s until resume(). Peers block at the high-water mark meanwhile. */
  pause(): void {
    this.#paused = true;
  }

  /** Emits the messages held while paused, sends what was queued, and carries on. */
  resume(): void {
    this.#paused = false;
    this.#pump();
    if (this.#reads) void this.#readLoop();
  }

  /**
   * Closes the socket (messages in flight keep going for `linger` ms). Sends it has not handed on yet (a paused
   * socket's, or those behind one waiting for room) are dropped without their callbacks, as zeromq.js 6's.
   */
  close(): this {
    this.#outbox.length = 0;
    this.#held.length = 0;
    this.#socket.close();
    return this;
  }

  // ---- monitoring ----------------------------------------------------------

  /**
   * Emits the socket's monitor events under v5's names (`listen`, `accept`,
   * `connect`, `connect_delay`, `connect_retry`, `disconnect`, `close`,
   * `bind_error`, `accept_error`, `close_error`) with `(value, address,
   * error)`: `value` is the retry interval for connect_retry and the errno
   * for the *_error events. Events are pushed, not polled: the interval and
   * count of v5 are ignored, with a warning as in zeromq.js 6.
   */
  monitor(interval?: number, numOfEvents?: number): this {
    if (this.#socket.closed) throw new ZmqError("ENOTSOCK", "monitor() on a closed socket");
    if (interval || numOfEvents) {
      process.emitWarning("monitor(interval, numOfEvents): both are ignored here; every event is emitted as it happens");
    }
    if (this.#monitorListeners.length > 0) return this;
    for (const [type, name] of MONITORED) {
      const listener = (event: Event) => {
        const e = event as { address?: string; interval?: number; error?: EventError };
        const error = e.error;
        const value = type === "connect:retry" ? e.interval : error ? (error as Partial<ZmqError>).errno : undefined;
        process.nextTick(() => invoke(() => this.emit(name, value, e.address, error)));
      };
      this.#socket.events.on(type, listener);
      this.#monitorListeners.push([type, listener]);
    }
    return this;
  }

  /** Stops emitting monitor events (monitor() starts again). */
  unmonitor(): this {
    if (this.#socket.closed) throw new ZmqError("ENOTSOCK", "unmonitor() on a closed socket");
    for (const [type, listener] of this.#monitorListeners.splice(0)) this.#socket.events.off(type, listener);
    return this;
  }

  // ---- subscriptions and options ------------------------------------------

  /** SUB sockets: receive messages starting with `filter` ("" for all). */
  subscribe(filter: string | Uint8Array): this {
    if (!(this.#socket instanceof Subscriber)) throw new Error("Subscriber socket required");
    this.#socket.subscribe(filter);
    return this;
  }

  unsubscribe(filter: string | Uint8Array): this {
    if (!(this.#socket instanceof Subscriber)) throw new Error("Subscriber socket required");
    this.#socket.unsubscribe(filter);
    return this;
  }

  /** Sets an option by zmq.h number (`zmq.ZMQ_LINGER`) or by a name of `zmq.options` ("linger"). */
  setsockopt(option: number | ShortOption, value: unknown): this {
    setOption(this.#optionTarget, option, value);
    return this;
  }

  /** Reads an option by zmq.h number or by a name of `zmq.options`. */
  getsockopt(option: number | ShortOption): unknown {
    return getOption(this.#optionTarget, option);
  }
}

// Every name of zmq.options is a property: `sock.linger = 0`, `sock.identity = "a"` (strings go in as Buffers, as in v5).
for (const [name, number] of Object.entries(shortOptions)) {
  if (Object.hasOwn(Socket.prototype, name)) continue;
  Object.defineProperty(Socket.prototype, name, {
    configurable: true,
    get(this: Socket) {
      return this.getsockopt(number);
    },
    set(this: Socket, value: unknown) {
      this.setsockopt(number, typeof value === "string" ? Buffer.from(value, "utf8") : value);
    },
  });
}
