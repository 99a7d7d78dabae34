/**
 * SocketBase: the public socket API (zeromq.js v6 shape) and the machinery
 * every socket type shares: endpoints, pipes, pending sends and receives,
 * timeouts, linger and monitor events. A socket type is a small subclass
 * that implements the protected hooks with the routing strategies.
 */
import {
  type AuthResult,
  type Command,
  type MechanismOptions,
  type PeerInfo,
  type PlainCredentials,
  type SocketTypeName,
  SocketTypes,
  isCompatible,
} from "@zmq/wire";
import type { Context } from "./context.js";
import { parseEndpoint } from "./endpoint.js";
import { ZmqError, show } from "./errors.js";
import type { MessageLike, Msg } from "./msg.js";
import { Observer } from "./observer.js";
import { type BaseOptionName, type BaseOptions, OptionStore, validateOption } from "./options.js";
import type { Pipe, PipeOwner } from "./pipe.js";
import { Queue } from "./queue.js";
import type { EngineOptions } from "./engine.js";
import type { SessionHost, StreamEngine } from "./stream-session.js";
import type { MessageBinding, PipeHost, StreamTransport } from "./transport.js";
import { SyncBudget, afterTurn } from "./sync-budget.js";
import { zapRequest } from "./zap.js";

export interface SocketOptions extends Partial<BaseOptions> {
  /** The Context whose transports this socket uses. */
  context?: Context;
}

/** Options of connect(). */
export interface ConnectCallOptions {
  /** Router only: the routing id to give this connection's peer (ZMQ_CONNECT_ROUTING_ID). */
  routingId?: string | Uint8Array;
}

/** Per-call options of send() and receive(). */
export interface OperationOptions {
  /** Aborts the operation: its promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface PendingSend extends Pending<void> {
  msg: Msg;
}

/** A binding or connection this socket holds, by endpoint. */
export interface EndpointHandle {
  close(): void;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** The context used when a socket is made without one: set by @zmq/zeromq, empty otherwise. */
let fallbackContext: (() => Context) | undefined;

/** Lets an all-in-one package choose the Context for sockets made without one. */
export function setDefaultContextProvider(provider: () => Context): void {
  fallbackContext = provider;
}

export abstract class SocketBase implements PipeOwner, PipeHost, SessionHost, AsyncIterable<Msg> {
  readonly context: Context;
  readonly socketType: SocketTypeName;
  /** The option values; read them through the socket's properties. */
  protected readonly options: OptionStore;
  /** Every pipe attached to this socket. */
  protected readonly pipes = new Set<Pipe>();

  private isClosed = false;
  private observer: Observer | undefined;
  private readonly bound = new Map<string, EndpointHandle>();
  private readonly connected = new Map<string, EndpointHandle>();
  private readonly pendingSends = new Queue<PendingSend>();
  private readonly pendingReceives = new Queue<Pending<Msg>>();
  private flushingSends = false;
  private flushingReceives = false;
  private resendRequested = false;
  private rereceiveRequested = false;
  private endpointLast: string | null = null;
  private nextFixedRoutingId: Uint8Array | undefined;
  /** Immediate completions left before this socket gives the event loop a turn. */
  private readonly budget = new SyncBudget();

  protected constructor(socketType: SocketTypeName, options: SocketOptions = {}, defaults: Partial<BaseOptions> = {}) {
    const { context, ...rest } = options;
    const ctx = context ?? fallbackContext?.();
    if (!ctx) {
      throw new ZmqError(
        "EINVAL",
        "No Context: pass { context: new Context({ transports: [...] }) }, or import the socket from @zmq/zeromq, which has a default Context",
      );
    }
    this.context = ctx;
    this.socketType = socketType;
    this.options = new OptionStore(defaults);
    this.assignOptions(rest);
  }

  /** Sets options from an object, as the constructor does; unknown names throw EINVAL. */
  protected assignOptions(values: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) continue;
      if (!(name in this) || name === "context") {
        throw new ZmqError("EINVAL", `Unknown option '${name}' for a ${this.socketType} socket (value ${show(value)})`);
      }
      (this as Record<string, unknown>)[name] = value;
    }
  }

  // ---- state -------------------------------------------------------------

  /** True once close() was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** True when a receive() would complete at once. */
  get readable(): boolean {
    return !this.isClosed && this.xhasIn();
  }

  /** True when a send() would complete at once. */
  get writable(): boolean {
    return !this.isClosed && this.xhasOut();
  }

  /** The socket type's zmq.h number (PAIR 0 ... PUSH 8), as zeromq.js's `type`. */
  get type(): number {
    return SocketTypes[this.socketType];
  }

  /** The last endpoint bound (wildcards resolved) or connected, or null. */
  get lastEndpoint(): string | null {
    return this.endpointLast;
  }

  /** Monitor events of this socket. */
  get events(): Observer {
    if (!this.observer) {
      this.observer = new Observer();
      if (this.isClosed) this.observer.close();
    }
    return this.observer;
  }

  /** "null" or "plain", as zeromq.js reports the security mechanism. */
  get securityMechanism(): "null" | "plain" {
    return this.options.get("plainServer") || this.options.get("plainUsername") !== null ? "plain" : "null";
  }

  /** Sockets are used from one thread, as zeromq.js's are. */
  get threadSafe(): boolean {
    return false;
  }

  /** Emits a monitor event, if anyone observes this socket. */
  emit(event: Parameters<Observer["emit"]>[0]): void {
    this.observer?.emit(event);
  }

  // ---- endpoints ---------------------------------------------------------

  /** Binds to an endpoint (`tcp://*:5555`, `ipc:///tmp/x`, `inproc://name`). */
  async bind(address: string): Promise<void> {
    this.assertOpen();
    const endpoint = parseEndpoint(address);
    const transport = this.context.transport(endpoint.scheme, address);
    if (transport.kind === "message") {
      const binding: MessageBinding = transport.bind(endpoint, this);
      this.bound.set(binding.endpoint, binding);
      if (binding.endpoint !== address) this.bound.set(address, binding);
      this.endpointLast = binding.endpoint;
      return;
    }
    const handle = await this.engineFor(transport, address).listen(this, transport, endpoint, {
      backlog: this.options.get("backlog"),
      ipv6: this.options.get("ipv6"),
    });
    if (this.isClosed) {
      handle.close();
      throw new ZmqError("EBADF", undefined, address);
    }
    this.bound.set(handle.endpoint, handle);
    if (handle.endpoint !== address) this.bound.set(address, handle);
    this.endpointLast = handle.endpoint;
  }

  /** Stops listening on an endpoint bound before (by the address given to bind or as resolved). */
  async unbind(address: string): Promise<void> {
    this.assertOpen();
    const endpoint = parseEndpoint(address);
    this.context.transport(endpoint.scheme, address);
    const handle = this.bound.get(address);
    if (!handle) throw new ZmqError("ENOENT", undefined, address);
    for (const [key, h] of this.bound) if (h === handle) this.bound.delete(key);
    handle.close();
    const resolved = (handle as Partial<MessageBinding>).endpoint ?? address;
    this.releasePipes((p) => p.endpoint === resolved || p.endpoint === address);
    await Promise.resolve();
  }

  /** Connects to an endpoint; returns at once, the connection is made in the background. */
  connect(address: string, options: ConnectCallOptions = {}): void {
    this.assertOpen();
    const endpoint = parseEndpoint(address);
    const transport = this.context.transport(endpoint.scheme, address);
    const fixed = this.connectRoutingId(options);
    if (transport.kind === "message") {
      this.nextFixedRoutingId = fixed;
      try {
        this.connected.set(address, transport.connect(endpoint, this));
      } finally {
        this.nextFixedRoutingId = undefined;
      }
      this.endpointLast = address;
      return;
    }
    transport.validate?.(endpoint);
    this.connected.set(address, this.engineFor(transport, address).connect(this, transport, endpoint, fixed));
    this.endpointLast = address;
  }

  private engineFor(transport: StreamTransport, address: string): StreamEngine {
    const engine = transport.engine ?? this.context.engine;
    if (!engine) {
      throw new ZmqError(
        "EPROTONOSUPPORT",
        `The "${transport.scheme}" transport brings no ZMTP engine: give it engine: zmtpEngine, or the Context { engine: zmtpEngine } (from @zmq/kernel)`,
        address,
      );
    }
    return engine;
  }

  /** The routing id a connect() names for its peer; only ROUTER takes one (zeromq.js's Router.connect). */
  protected connectRoutingId(options: ConnectCallOptions): Uint8Array | undefined {
    if (options.routingId !== undefined) {
      throw new ZmqError("EINVAL", `A ${this.socketType} socket takes no routingId in connect(); only a Router does`);
    }
    return undefined;
  }

  /** Drops a connection made with connect(). */
  disconnect(address: string): void {
    this.assertOpen();
    const endpoint = parseEndpoint(address);
    this.context.transport(endpoint.scheme, address);
    const handle = this.connected.get(address);
    if (!handle) throw new ZmqError("ENOENT", undefined, address);
    this.connected.delete(address);
    handle.close();
    this.releasePipes((p) => p.endpoint === address);
  }

  // ---- what sessions need (SessionHost) ----------------------------------

  /** Engine settings for a new connection, from this socket's options. */
  engineOptions(peerAddress: string): Omit<EngineOptions, "defer"> {
    const o = this.options.values;
    return {
      socketType: this.socketType,
      routingId: this.routingIdBytes,
      mechanism: this.mechanismOptions(),
      maxMessageSize: o.maxMessageSize,
      peerAddress,
      alloc: (size) => this.context.frames.alloc(size),
      heartbeatInterval: o.heartbeatInterval,
      heartbeatTimeToLive: o.heartbeatTimeToLive,
      heartbeatTimeout: o.heartbeatTimeout,
      handshakeInterval: o.handshakeInterval,
      validate: this.validatePeerMessage,
    };
  }

  /** Checks each message a network peer sends, before it is queued (REQ overrides this). */
  protected readonly validatePeerMessage: ((msg: Msg) => boolean) | undefined = undefined;

  connectOptions(): { ipv6: boolean; connectTimeout: number; tcpKeepalive: number; tcpKeepaliveIdle: number } {
    const o = this.options.values;
    return { ipv6: o.ipv6, connectTimeout: o.connectTimeout, tcpKeepalive: o.tcpKeepalive, tcpKeepaliveIdle: o.tcpKeepaliveIdle };
  }

  reconnectOptions(): { interval: number; maxInterval: number; immediate: boolean } {
    const o = this.options.values;
    return { interval: o.reconnectInterval, maxInterval: o.reconnectMaxInterval, immediate: o.immediate };
  }

  hwm(): { send: number; receive: number } {
    return { send: this.options.get("sendHighWaterMark"), receive: this.options.get("receiveHighWaterMark") };
  }

  /** A pipe's peer finished its handshake. */
  peerReady(pipe: Pipe, peer: PeerInfo): void {
    if (!this.pipes.has(pipe)) return;
    this.xpeerReady(pipe, peer);
    // The socket type may only now route to or read from this pipe.
    this.flushSends();
    this.flushReceives();
  }

  /** A command from a peer after its handshake. */
  peerCommand(pipe: Pipe, command: Command): void {
    if (!this.pipes.has(pipe.peer)) return;
    this.xpeerCommand(pipe.peer, command);
    this.flushReceives();
  }

  /** The security mechanism for new connections, from the plain* options. */
  protected mechanismOptions(): MechanismOptions {
    const o = this.options.values;
    if (o.plainServer) {
      // libzmq hands PLAIN credentials to a ZAP handler and fails the handshake without one.
      return { type: "PLAIN", server: true, authenticate: (credentials) => this.authenticate(credentials) };
    }
    if (o.plainUsername !== null) return { type: "PLAIN", username: o.plainUsername, password: o.plainPassword ?? "" };
    return { type: "NULL" };
  }

  /**
   * Decides PLAIN credentials for a server socket by asking the ZAP handler
   * bound at inproc://zeromq.zap.01 in this Context; without one, libzmq
   * refuses every client, and so does this.
   */
  protected async authenticate(credentials: PlainCredentials): Promise<AuthResult> {
    const reply = await zapRequest(this.context, {
      domain: this.options.get("zapDomain") ?? "",
      address: credentials.address ?? "",
      identity: this.routingIdBytes ?? this.context.frames.alloc(0),
      mechanism: "PLAIN",
      credentials: [credentials.usernameBytes, credentials.passwordBytes],
    });
    return { status: reply.status, userId: reply.userId };
  }

  // ---- pipes -------------------------------------------------------------

  /** Adopts a pipe end (called by transports and sessions). */
  attachPipe(pipe: Pipe, endpoint: string): void {
    if (pipe.terminated) return;
    if (this.isClosed) {
      pipe.terminate();
      return;
    }
    pipe.owner = this;
    pipe.endpoint = endpoint;
    if (this.nextFixedRoutingId) pipe.fixedRoutingId = this.nextFixedRoutingId;
    if (this.typeOption("conflate", false)) {
      // Only the newest message waits, in each direction.
      pipe.conflate = true;
      pipe.peer.conflate = true;
    }
    this.pipes.add(pipe);
    this.xattachPipe(pipe);
    this.flushSends();
    this.flushReceives();
  }

  readActivated(pipe: Pipe): void {
    this.xreadActivated(pipe);
    this.flushReceives();
  }

  writeActivated(pipe: Pipe): void {
    this.xwriteActivated(pipe);
    this.flushSends();
  }

  pipeTerminated(pipe: Pipe): void {
    if (!this.pipes.delete(pipe)) return;
    this.xpipeTerminated(pipe);
    this.flushSends();
    this.flushReceives();
  }

  /** Lets go of pipes (disconnect, unbind, close) with linger semantics. */
  protected releasePipes(which: (pipe: Pipe) => boolean): void {
    const linger = this.options.get("linger");
    for (const pipe of [...this.pipes]) {
      if (!which(pipe)) continue;
      this.pipes.delete(pipe);
      this.xpipeTerminated(pipe);
      if (linger === 0) {
        pipe.terminate();
      } else {
        pipe.end();
        if (linger > 0 && pipe.peer.pending > 0) {
          const timer = setTimeout(() => pipe.expire(), linger);
          // A lingering pipe alone must not keep a Node process alive.
          (timer as { unref?: () => void }).unref?.();
        }
      }
    }
  }

  // ---- the peer-type check for inproc and the engine ---------------------

  /** True when a peer of that type may talk to this socket. */
  acceptsPeer(peer: SocketTypeName): boolean {
    return isCompatible(this.socketType, peer);
  }

  // ---- sending and receiving ---------------------------------------------

  /**
   * Sends a message: one frame or an array of frames (strings, Buffers,
   * typed arrays, ArrayBuffers). Resolves once the message is queued.
   * Unlike zeromq.js, concurrent sends queue in order instead of failing
   * with EBUSY.
   */
  send(message: MessageLike | readonly MessageLike[], options?: OperationOptions): Promise<void> {
    if (this.isClosed) return Promise.reject(new ZmqError("EBADF"));
    let msg: Msg;
    try {
      msg = this.toMsg(message);
      // zeromq.js resolves send([]) and sends nothing: there is no zero-frame message.
      if (msg.length === 0) return RESOLVED;
      if (this.pendingSends.length === 0 && this.xsend(msg)) return this.budget.allowed() ? RESOLVED : afterTurn(undefined);
    } catch (error) {
      return Promise.reject(error);
    }
    const timeout = this.options.get("sendTimeout");
    if (timeout === 0) return Promise.reject(new ZmqError("EAGAIN"));
    if (options?.signal?.aborted) return Promise.reject(options.signal.reason);
    return new Promise<void>((resolve, reject) => {
      const pending: PendingSend = { msg, resolve, reject, timer: undefined, signal: options?.signal, onAbort: undefined };
      this.arm(pending, this.pendingSends, timeout);
      this.pendingSends.push(pending);
    });
  }

  /**
   * Receives the next whole message. Unlike zeromq.js, concurrent receives
   * queue in order instead of failing with EBUSY.
   */
  receive(options?: OperationOptions): Promise<Msg> {
    if (this.isClosed) return Promise.reject(new ZmqError("EBADF"));
    if (this.pendingReceives.length === 0) {
      try {
        const msg = this.xrecv();
        if (msg !== undefined) return this.budget.allowed() ? Promise.resolve(msg) : afterTurn(msg);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const timeout = this.options.get("receiveTimeout");
    if (timeout === 0) return Promise.reject(new ZmqError("EAGAIN"));
    if (options?.signal?.aborted) return Promise.reject(options.signal.reason);
    return new Promise<Msg>((resolve, reject) => {
      const pending: Pending<Msg> = { resolve, reject, timer: undefined, signal: options?.signal, onAbort: undefined };
      this.arm(pending, this.pendingReceives, timeout);
      this.pendingReceives.push(pending);
    });
  }

  /** Iterates over received messages until the socket is closed. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Msg> {
    // A hand-written iterator: an async generator costs several extra
    // promise hops per message on this hot path.
    const done: IteratorResult<Msg> = { value: undefined, done: true };
    const next = (): Promise<IteratorResult<Msg>> => {
      if (this.isClosed) return Promise.resolve(done);
      if (this.pendingReceives.length === 0) {
        try {
          const value = this.xrecv();
          if (value !== undefined) {
            const result: IteratorResult<Msg> = { value, done: false };
            return this.budget.allowed() ? Promise.resolve(result) : afterTurn(result);
          }
        } catch (error) {
          return Promise.reject(error);
        }
      }
      return this.receive().then(
        (value) => ({ value, done: false }),
        (error: unknown) => {
          if (this.isClosed) return done;
          throw error;
        },
      );
    };
    const iterator: AsyncIterableIterator<Msg> = {
      next,
      return: () => Promise.resolve(done),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private arm<T extends Pending<never>>(pending: T, queue: Queue<T>, timeout: number): void {
    const remove = (error: unknown) => {
      if (queue.removeWhere((p) => p === pending) > 0) this.settle(pending, error);
    };
    if (timeout > 0) pending.timer = setTimeout(() => remove(new ZmqError("EAGAIN")), timeout);
    if (pending.signal) {
      const signal = pending.signal;
      pending.onAbort = () => remove(signal.reason);
      signal.addEventListener("abort", pending.onAbort, { once: true });
    }
  }

  private settle<T>(pending: Pending<T>, error: unknown, value?: T): void {
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    if (pending.onAbort) pending.signal!.removeEventListener("abort", pending.onAbort);
    if (error !== undefined) pending.reject(error);
    else pending.resolve(value as T);
  }

  /** Completes waiting sends while the socket type accepts them. Safe to call re-entrantly. */
  protected flushSends(): void {
    if (this.flushingSends) {
      this.resendRequested = true;
      return;
    }
    this.flushingSends = true;
    try {
      do {
        this.resendRequested = false;
        while (this.pendingSends.length > 0) {
          const pending = this.pendingSends.peek()!;
          let sent: boolean;
          try {
            sent = this.xsend(pending.msg);
          } catch (error) {
            this.pendingSends.shift();
            this.settle(pending, error);
            continue;
          }
          if (!sent) break;
          this.pendingSends.shift();
          this.settle(pending, undefined);
        }
      } while (this.resendRequested);
    } finally {
      this.flushingSends = false;
    }
  }

  /** Completes waiting receives while messages are available. Safe to call re-entrantly. */
  protected flushReceives(): void {
    if (this.flushingReceives) {
      this.rereceiveRequested = true;
      return;
    }
    this.flushingReceives = true;
    try {
      do {
        this.rereceiveRequested = false;
        while (this.pendingReceives.length > 0) {
          let msg: Msg | undefined;
          try {
            msg = this.xrecv();
          } catch (error) {
            this.settle(this.pendingReceives.shift()!, error);
            continue;
          }
          if (msg === undefined) break;
          this.settle(this.pendingReceives.shift()!, undefined, msg);
        }
      } while (this.rereceiveRequested);
    } finally {
      this.flushingReceives = false;
    }
  }

  /** Converts what send() was given into frames of the Context's preferred type. */
  protected toMsg(message: MessageLike | readonly MessageLike[]): Msg {
    if (Array.isArray(message)) {
      const msg: Msg = new Array<Uint8Array>(message.length);
      for (let i = 0; i < message.length; i++) msg[i] = this.toFrame(message[i] as MessageLike);
      return msg;
    }
    return [this.toFrame(message as MessageLike)];
  }

  private toFrame(value: MessageLike): Uint8Array {
    const frames = this.context.frames;
    if (value instanceof Uint8Array) {
      return frames.isNative(value) ? value : frames.fromBytes(value.buffer, value.byteOffset, value.byteLength);
    }
    if (typeof value === "string") return frames.fromString(value);
    if (ArrayBuffer.isView(value)) return frames.fromBytes(value.buffer, value.byteOffset, value.byteLength);
    if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)) {
      return frames.fromBytes(value, 0, value.byteLength);
    }
    if (value === null) return frames.alloc(0);
    if (value === undefined || typeof value === "symbol") {
      throw new ZmqError("EINVAL", `A frame must be a string, Buffer, typed array, ArrayBuffer, number or null; got ${typeof value}`);
    }
    // Anything else is sent as its string form, as zeromq.js does (42 -> "42", true -> "true").
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- zeromq.js sends String(value) for any other value
    return frames.fromString(String(value));
  }

  // ---- closing -----------------------------------------------------------

  /**
   * Closes the socket. Queued messages keep going out for up to `linger`
   * ms (for ever with -1). Pending send() and receive() promises reject
   * with EAGAIN, as zeromq.js's do; for-await loops end.
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (let p = this.pendingSends.shift(); p; p = this.pendingSends.shift()) this.settle(p, new ZmqError("EAGAIN"));
    for (let p = this.pendingReceives.shift(); p; p = this.pendingReceives.shift()) this.settle(p, new ZmqError("EAGAIN"));
    for (const handle of new Set([...this.bound.values(), ...this.connected.values()])) handle.close();
    this.bound.clear();
    this.connected.clear();
    this.releasePipes(() => true);
    this.xclose();
    if (this.observer) {
      this.observer.emit({ type: "end" });
      this.observer.close();
    }
  }

  protected assertOpen(): void {
    if (this.isClosed) throw new ZmqError("EBADF");
  }

  // ---- option properties (zeromq.js names) -------------------------------

  /**
   * Options only some socket types have (probeRouter, mandatory ...). Kept
   * here, not in subclass fields, because the constructor assigns options
   * before a subclass's own fields exist.
   */
  private readonly typeOptions = new Map<string, unknown>();

  protected typeOption<T>(name: string, fallback: T): T {
    return this.typeOptions.has(name) ? (this.typeOptions.get(name) as T) : fallback;
  }

  protected setTypeOption(name: string, value: unknown, check: (value: unknown) => string | undefined): void {
    validateOption(name, value, check);
    this.typeOptions.set(name, value);
  }

  protected getOption<K extends BaseOptionName>(name: K): BaseOptions[K] {
    return this.options.get(name);
  }

  protected setOption<K extends BaseOptionName>(name: K, value: unknown): void {
    this.options.set(name, value);
  }

  /** @see baseOptionSpecs.linger; default -1. */
  get linger(): number { return this.options.get("linger"); }
  set linger(v: number) { this.options.set("linger", v); }
  /** Default 1000 messages; 0 for no limit. */
  get sendHighWaterMark(): number { return this.options.get("sendHighWaterMark"); }
  set sendHighWaterMark(v: number) { this.options.set("sendHighWaterMark", v); }
  /** Default 1000 messages; 0 for no limit. */
  get receiveHighWaterMark(): number { return this.options.get("receiveHighWaterMark"); }
  set receiveHighWaterMark(v: number) { this.options.set("receiveHighWaterMark", v); }
  /** Default -1 (wait for ever). */
  get sendTimeout(): number { return this.options.get("sendTimeout"); }
  set sendTimeout(v: number) { this.options.set("sendTimeout", v); }
  /** Default -1 (wait for ever). */
  get receiveTimeout(): number { return this.options.get("receiveTimeout"); }
  set receiveTimeout(v: number) { this.options.set("receiveTimeout", v); }
  /** Default false. */
  get immediate(): boolean { return this.options.get("immediate"); }
  set immediate(v: boolean) { this.options.set("immediate", v); }
  /** Default null (the peer generates one). */
  get routingId(): string | null {
    const v = this.options.get("routingId");
    return v === null ? null : typeof v === "string" ? v : new TextDecoder().decode(v);
  }
  set routingId(v: string | Uint8Array | null) { this.options.set("routingId", v); }
  /** Default 100 ms; -1 disables reconnection. */
  get reconnectInterval(): number { return this.options.get("reconnectInterval"); }
  set reconnectInterval(v: number) { this.options.set("reconnectInterval", v); }
  /** Default 0 (no exponential backoff). */
  get reconnectMaxInterval(): number { return this.options.get("reconnectMaxInterval"); }
  set reconnectMaxInterval(v: number) { this.options.set("reconnectMaxInterval", v); }
  /** Default -1 (no limit). */
  get maxMessageSize(): number { return this.options.get("maxMessageSize"); }
  set maxMessageSize(v: number) { this.options.set("maxMessageSize", v); }
  /** Default 0 (no heartbeats). */
  get heartbeatInterval(): number { return this.options.get("heartbeatInterval"); }
  set heartbeatInterval(v: number) { this.options.set("heartbeatInterval", v); }
  /** Default 0. */
  get heartbeatTimeToLive(): number { return this.options.get("heartbeatTimeToLive"); }
  set heartbeatTimeToLive(v: number) { this.options.set("heartbeatTimeToLive", v); }
  /** Default -1 (use heartbeatInterval). */
  get heartbeatTimeout(): number { return this.options.get("heartbeatTimeout"); }
  set heartbeatTimeout(v: number) { this.options.set("heartbeatTimeout", v); }
  /** Default 30000 ms. */
  get handshakeInterval(): number { return this.options.get("handshakeInterval"); }
  set handshakeInterval(v: number) { this.options.set("handshakeInterval", v); }
  /** Default 0 (the system's timeout). */
  get connectTimeout(): number { return this.options.get("connectTimeout"); }
  set connectTimeout(v: number) { this.options.set("connectTimeout", v); }
  /** Default 100. */
  get backlog(): number { return this.options.get("backlog"); }
  set backlog(v: number) { this.options.set("backlog", v); }
  /** Default false. */
  get ipv6(): boolean { return this.options.get("ipv6"); }
  set ipv6(v: boolean) { this.options.set("ipv6", v); }
  /** Default -1 (system default). */
  get tcpKeepalive(): number { return this.options.get("tcpKeepalive"); }
  set tcpKeepalive(v: number) { this.options.set("tcpKeepalive", v); }
  /** Default -1 (system default). */
  get tcpKeepaliveIdle(): number { return this.options.get("tcpKeepaliveIdle"); }
  set tcpKeepaliveIdle(v: number) { this.options.set("tcpKeepaliveIdle", v); }
  /** Default false. */
  get plainServer(): boolean { return this.options.get("plainServer"); }
  set plainServer(v: boolean) { this.options.set("plainServer", v); }
  /** Default null. */
  get plainUsername(): string | null { return this.options.get("plainUsername"); }
  set plainUsername(v: string | null) { this.options.set("plainUsername", v); }
  /** Default null. */
  get plainPassword(): string | null { return this.options.get("plainPassword"); }
  set plainPassword(v: string | null) { this.options.set("plainPassword", v); }
  /** Default null. */
  get zapDomain(): string | null { return this.options.get("zapDomain"); }
  set zapDomain(v: string | null) { this.options.set("zapDomain", v); }

  /** The routingId option as bytes, for transports and the engine. */
  get routingIdBytes(): Uint8Array | undefined {
    const v = this.options.get("routingId");
    if (v === null) return undefined;
    return typeof v === "string" ? this.context.frames.fromString(v) : v;
  }

  // ---- hooks each socket type implements ---------------------------------

  /** A new pipe: add it to the strategies. */
  protected abstract xattachPipe(pipe: Pipe): void;
  /** A pipe is gone: remove it from the strategies. */
  protected abstract xpipeTerminated(pipe: Pipe): void;
  /** Routes one outgoing message; false when it must wait (the socket blocks). */
  protected xsend(_msg: Msg): boolean {
    throw new ZmqError("ENOTSUP", `A ${this.socketType} socket cannot send`);
  }
  /** The next incoming message for the application, or undefined. */
  protected xrecv(): Msg | undefined {
    throw new ZmqError("ENOTSUP", `A ${this.socketType} socket cannot receive`);
  }
  protected xhasIn(): boolean {
    return false;
  }
  protected xhasOut(): boolean {
    return false;
  }
  /** A peer's handshake finished (its routing id and properties are known). */
  protected xpeerReady(_pipe: Pipe, _peer: PeerInfo): void {}
  /** A SUBSCRIBE, CANCEL, PING or PONG from a peer. */
  protected xpeerCommand(_pipe: Pipe, _command: Command): void {}
  protected xreadActivated(_pipe: Pipe): void {}
  protected xwriteActivated(_pipe: Pipe): void {}
  /** Called once by close() after the pipes are released. */
  protected xclose(): void {}
}
