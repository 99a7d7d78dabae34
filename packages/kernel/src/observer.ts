/**
 * Monitor events, shaped like zeromq.js's Observer: `socket.events` is
 * async-iterable and has `on` / `off` / `receive`. Events are buffered
 * (at most 1000, the newest dropped beyond, like a monitor socket's HWM)
 * only while nobody listens.
 */
import { ZmqError } from "./errors.js";
import { Queue } from "./queue.js";

export type EventType =
  | "accept"
  | "accept:error"
  | "bind"
  | "bind:error"
  | "connect"
  | "connect:delay"
  | "connect:retry"
  | "close"
  | "close:error"
  | "disconnect"
  | "end"
  | "handshake"
  | "handshake:error:protocol"
  | "handshake:error:auth"
  | "handshake:error:other"
  | "unknown";

/** The error carried by *:error events: an Error, as zeromq.js's, with libzmq's code and errno. */
export interface EventError extends Error {
  readonly code: string;
  readonly errno: number;
  /** For handshake:error:auth, the ZAP status (300, 400 or 500). */
  readonly status?: number;
  /** What went wrong, in more words than zeromq.js's message (handshake:error:protocol). */
  readonly detail?: string;
}

/** What an emitter gives for an event's error; emit() makes the Error of it. */
export interface EventErrorFields {
  readonly code: string;
  readonly errno: number;
  readonly message: string;
  readonly status?: number;
  /** Our fuller explanation, beyond zeromq.js's message (as ZmqError's). */
  readonly detail?: string;
}

type AddressEventType = "accept" | "bind" | "connect" | "connect:delay" | "close" | "disconnect" | "handshake";
type ErrorEventType = "accept:error" | "bind:error" | "close:error" | "handshake:error:protocol" | "handshake:error:auth" | "handshake:error:other";

/** Every event, one union member per type (so EventOfType can pick one). */
export type Event =
  | { [K in AddressEventType]: { readonly type: K; readonly address: string } }[AddressEventType]
  | { readonly type: "connect:retry"; readonly address: string; readonly interval: number }
  | { [K in ErrorEventType]: { readonly type: K; readonly address: string; readonly error: EventError } }[ErrorEventType]
  | { readonly type: "end" }
  | { readonly type: "unknown" };

export type EventOfType<T extends EventType> = Extract<Event, { type: T }>;

/** An event as a socket's parts emit it: an error event's error may be plain fields. */
export type EmittedEvent =
  | Exclude<Event, { error: EventError }>
  | { [K in ErrorEventType]: { readonly type: K; readonly address: string; readonly error: EventErrorFields } }[ErrorEventType];

function toEvent(event: EmittedEvent): Event {
  // libzmq names a failed bind's address without its scheme ("127.0.0.1:5555"), and so does zeromq.js.
  if (event.type === "bind:error" && event.address.includes("://"))
    event = { ...event, address: event.address.slice(event.address.indexOf("://") + 3) };
  if (!("error" in event) || event.error instanceof Error) return event as Event;
  const { code, errno, message, status, detail } = event.error;
  const error = Object.assign(new Error(message), status === undefined ? { code, errno } : { code, errno, status });
  if (detail !== undefined) Object.defineProperty(error, "detail", { value: detail, writable: true, configurable: true });
  return { ...event, error };
}

const MAX_BUFFERED = 1000;

export class Observer implements AsyncIterable<Event> {
  private readonly listeners = new Map<EventType, Set<(event: never) => void>>();
  private readonly buffered = new Queue<Event>();
  private readonly waiting = new Queue<{ resolve: (e: Event) => void; reject: (e: unknown) => void }>();
  private isClosed = false;

  /** A receive() while another waits throws EBUSY, as zeromq.js's (ContextOptions.exclusiveOperations). */
  private readonly exclusive: boolean = false;

  /**
   * `new Observer(socket)`, zeromq.js's form, gives that socket's monitor (`socket.events`); a socket makes its own
   * with `exclusive`.
   */
  constructor(socketOrExclusive: boolean | { readonly events: Observer } = false) {
    if (typeof socketOrExclusive === "object" && socketOrExclusive !== null && socketOrExclusive.events instanceof Observer) {
      // eslint-disable-next-line no-constructor-return -- zeromq.js's constructor observes the socket given
      return socketOrExclusive.events;
    }
    this.exclusive = socketOrExclusive === true;
  }

  /** True once the observer or its socket was closed. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Calls `listener` for every event of that type. While any listener is on, receive() throws, as zeromq.js's. */
  on<T extends EventType>(type: T, listener: (event: EventOfType<T>) => void): this {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
    return this;
  }

  off<T extends EventType>(type: T, listener: (event: EventOfType<T>) => void): this {
    this.listeners.get(type)?.delete(listener);
    return this;
  }

  /**
   * The next event. Throws EBADF once the observer is closed and drained
   * (after its "end"), and an Error while listeners are on (zeromq.js's
   * "event emitter mode", which lasts from its first on()).
   */
  receive(): Promise<Event> {
    if (this.hasListeners()) {
      throw new Error("Observer is in event emitter mode. After a call to events.on() it is not possible to read events with events.receive().");
    }
    this.refuseIfBusy();
    return this.next(true);
  }

  private refuseIfBusy(): void {
    if (this.exclusive && this.waiting.length > 0) {
      throw new ZmqError("EBUSY", undefined, undefined, "Observer is busy reading; only one receive operation may be in progress at any time");
    }
  }

  /** The next event, for receive() (`strict`: EBADF once ended) and the iterator (EAGAIN, which ends it). */
  protected next(strict: boolean): Promise<Event> {
    const event = this.buffered.shift();
    if (event) return Promise.resolve(event);
    if (this.isClosed) {
      if (strict) throw new ZmqError("EBADF");
      return Promise.reject(new ZmqError("EAGAIN"));
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Stops observing: no new events; pending receives end. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (let w = this.waiting.shift(); w; w = this.waiting.shift()) w.reject(new ZmqError("EAGAIN"));
  }

  /** Emits an event (the kernel and transports call this). */
  emit(emitted: EmittedEvent): void {
    if (this.isClosed) return;
    const event = toEvent(emitted);
    const set = this.listeners.get(event.type);
    if (set) for (const l of [...set]) (l as (e: Event) => void)(event);
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter.resolve(event);
      return;
    }
    // Keep it for receive() or an iterator, unless only listeners consume events.
    if ((this.iterating > 0 || !this.hasListeners()) && this.buffered.length < MAX_BUFFERED) this.buffered.push(event);
  }

  private iterating = 0;

  private hasListeners(): boolean {
    for (const set of this.listeners.values()) if (set.size > 0) return true;
    return false;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Event, void, undefined> {
    this.iterating++;
    try {
      while (true) {
        // As zeromq.js's iterator, which reads with receive(): another reader waiting is EBUSY.
        this.refuseIfBusy();
        let event: Event;
        try {
          event = await this.next(false);
        } catch {
          return;
        }
        yield event;
        if (event.type === "end") return;
      }
    } finally {
      this.iterating--;
    }
  }
}
