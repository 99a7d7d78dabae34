/**
 * SocketBase: the public socket API (zeromq.js v6 shape) and its lifecycle:
 * endpoints, send and receive, closing, options as properties. A socket
 * type is a small subclass that implements the protected hooks with the
 * routing strategies. What transports and sessions need of a socket goes
 * through its private SocketHost; waiting sends and receives through
 * PendingOperations.
 */
import { type Command, type PeerInfo, type SocketTypeName, SocketTypes } from "@zmq/wire";
import { type BaseOptions, baseOptions } from "./base-options.js";
import type { ConnectCallOptions, EndpointHandle, OperationOptions, SocketOptions } from "./socket-options.js";
import type { Context } from "./context.js";
import { checkAddress, engineOf, parseEndpoint } from "./endpoint.js";
import { ZmqError, isZmqError, optionsObject } from "./errors.js";
import { SocketHost } from "./host.js";
import { type MessageLike, type Msg, OutgoingFrames } from "./msg.js";
import type { Observer } from "./observer.js";
import { OptionStore, type OptionValues, applyOptions, classOptions, defineAccessors, defineOptions, refuseWrites } from "./options.js";
import { getNumberedOption, setNumberedOption } from "./option-numbers.js";
import { PendingOperations } from "./pending.js";
import type { Pipe } from "./pipe.js";
import { SyncBudget, afterTurn } from "./sync-budget.js";
import type { EnginePlugin, MessageBinding, MessageConnection, StreamTransport } from "./transport.js";

export type { ConnectCallOptions, EndpointHandle, OperationOptions, SocketOptions } from "./socket-options.js";

const RESOLVED: Promise<void> = Promise.resolve();
/** zeromq.js's message for an operation during a bind or unbind. */
const BLOCKED = "Socket is blocked by a bind or unbind operation";

/** The option properties every socket has (routingId is written by hand: it reads back as a string). */
type BaseOptionProperties = Omit<OptionValues<typeof baseOptions>, "routingId">;

export interface SocketBase extends BaseOptionProperties {}

export abstract class SocketBase implements AsyncIterable<Msg> {
  static {
    defineOptions(this, baseOptions);
    refuseWrites(this.prototype, "Socket");
  }

  readonly context: Context;
  /** The option values, with the security mechanisms' of the Context (the option accessors read them here). */
  protected readonly options: OptionStore;
  private readonly host: SocketHost;
  private readonly bound = new Map<string, EndpointHandle>();
  private readonly connected = new Map<string, EndpointHandle>();
  private readonly sends = new PendingOperations<Msg, true>(
    (msg) => (this.xsend(msg) ? true : undefined),
    () => this.gaveUp("send"),
  );
  private readonly receives = new PendingOperations<undefined, Msg>(
    () => this.xrecv(),
    () => this.gaveUp("receive"),
  );
  private endpointLast: string | null = null;
  /** Called when the socket may have become readable or writable (a Poller waits on it: watchReadiness). */
  private watchers: Set<() => void> | undefined = undefined;
  /** bind() and unbind() calls still in progress: until they finish, other operations fail with EBUSY, as zeromq.js's. */
  private blocking = 0;
  /** send()'s frames, and the copies it makes of the caller's small ones. */
  private readonly outgoing: OutgoingFrames;
  /** Immediate completions left before this socket gives the event loop a turn. */
  private readonly budget = new SyncBudget();

  protected constructor(socketType: SocketTypeName, options: SocketOptions = {}) {
    const { context, ...rest } = optionsObject(options) ?? {};
    if (!context) {
      throw new ZmqError(
        "EINVAL",
        "No Context: pass { context: new Context({ transports: [...] }) }, or import the socket from @zmq/zeromq, which has a default Context",
      );
    }
    this.context = context;
    this.outgoing = new OutgoingFrames(context.frames);
    // The Context's security mechanisms add their options to its sockets (one shared accessor pair each).
    for (const m of context.mechanisms) defineAccessors(this, m.options);
    const own = classOptions(new.target)!;
    this.options = new OptionStore(own.specs, own.defaults, context.mechanisms);
    this.host = new SocketHost(context, socketType, this.options, {
      attach: (pipe) => {
        pipe.keeper = this.outgoing;
        this.xattachPipe(pipe);
      },
      detach: (pipe) => this.xpipeTerminated(pipe),
      readActivated: (pipe) => this.xreadActivated(pipe),
      writeActivated: (pipe) => this.xwriteActivated(pipe),
      peerReady: (pipe, peer) => this.xpeerReady(pipe, peer),
      peerCommand: (pipe, command) => this.xpeerCommand(pipe, command),
      flushSends: () => {
        this.sends.flush();
        if (this.watchers) this.notifyWatchers();
      },
      flushReceives: () => {
        this.receives.flush();
        if (this.watchers) this.notifyWatchers();
      },
      validator: () => this.validatePeerMessage,
      configured: () => this.endpointLast !== null || this.blocking > 0,
    });
    applyOptions(this, this.options, { ...context.socketDefaults(), ...rest }, socketType);
    context.claimSocket(this, this.host); // last: a socket refused for its options takes no slot
  }

  // ---- state -------------------------------------------------------------

  /** The socket type's ZMTP name ("PUSH", "ROUTER" ...). */
  get socketType(): SocketTypeName {
    return this.host.socketType;
  }

  /** True once close() was called and any bind() or unbind() then in progress has settled (zeromq.js's). */
  get closed(): boolean {
    return this.host.closed && this.blocking === 0;
  }

  /** True when a receive() would complete at once. */
  get readable(): boolean {
    return !this.host.closed && this.xhasIn();
  }

  /** True when a send() would complete at once. */
  get writable(): boolean {
    return !this.host.closed && this.xhasOut();
  }

  /** How many send() calls wait for room or their turn now (a send() just made that could not go at once counts). */
  get sendsWaiting(): number {
    return this.sends.length;
  }

  /** The socket type's zmq.h number (PAIR 0 ... PUSH 8), as zeromq.js's `type`; ENOTSOCK once closed, as every option. */
  get type(): number {
    this.options.assertOpen();
    return SocketTypes[this.host.socketType];
  }

  /** The last endpoint bound (wildcards resolved) or connected, or null. */
  get lastEndpoint(): string | null {
    this.options.assertOpen();
    return this.endpointLast;
  }

  /** Monitor events of this socket (ENOTSOCK once closed, as zeromq.js's: take it before closing to see the close). */
  get events(): Observer {
    this.options.assertOpen();
    return this.host.events;
  }

  /** The security mechanism its options select, as zeromq.js reports it: null for NULL, else the mechanism's label ("plain", "curve"). */
  get securityMechanism(): string | null {
    this.options.assertOpen();
    return this.host.security?.mechanism.label ?? null;
  }

  /** Sockets are used from one thread, as zeromq.js's are. */
  get threadSafe(): boolean {
    return false;
  }

  /** ZMQ_ROUTING_ID, read back as a string. Default null (the peer generates one). */
  get routingId(): string | null {
    this.options.assertOpen();
    const v = this.options.values.routingId as BaseOptions["routingId"];
    return v === null ? null : typeof v === "string" ? v : new TextDecoder().decode(v);
  }
  set routingId(v: string | Uint8Array | null) {
    this.options.set("routingId", v, this.host.socketType);
  }

  /** An option's value for the socket's own use: unlike the accessor, readable after close(). */
  protected opt<K extends keyof this & string>(name: K): this[K] {
    return this.options.values[name] as this[K];
  }

  /** Every pipe attached to this socket. */
  protected get pipes(): Set<Pipe> {
    return this.host.pipes;
  }

  // ---- zeromq.js's low-level options, by libzmq's option numbers -----------

  getBoolOption(option: number): boolean {
    return getNumberedOption(this, this.options, option, "bool") as boolean;
  }
  setBoolOption(option: number, value: boolean): void {
    setNumberedOption(this, this.options, option, value, "bool");
  }
  getInt32Option(option: number): number {
    return getNumberedOption(this, this.options, option, "int32") as number;
  }
  setInt32Option(option: number, value: number): void {
    setNumberedOption(this, this.options, option, value, "int32");
  }
  getUint32Option(option: number): number {
    return getNumberedOption(this, this.options, option, "uint32") as number;
  }
  setUint32Option(option: number, value: number): void {
    setNumberedOption(this, this.options, option, value, "uint32");
  }
  getInt64Option(option: number): number {
    return getNumberedOption(this, this.options, option, "int64") as number;
  }
  setInt64Option(option: number, value: number): void {
    setNumberedOption(this, this.options, option, value, "int64");
  }
  getUint64Option(option: number): number {
    return getNumberedOption(this, this.options, option, "uint64") as number;
  }
  setUint64Option(option: number, value: number): void {
    setNumberedOption(this, this.options, option, value, "uint64");
  }
  getStringOption(option: number): string | null {
    return getNumberedOption(this, this.options, option, "string") as string | null;
  }
  setStringOption(option: number, value: string | Uint8Array | null): void {
    setNumberedOption(this, this.options, option, value, "string");
  }

  // ---- endpoints ---------------------------------------------------------

  /**
   * Binds to an endpoint (`tcp://*:5555`, `ipc:///tmp/x`, `inproc://name`).
   * A closed socket or an address that is not a string throws at once, as
   * zeromq.js's does; everything else rejects the promise.
   */
  bind(address: string): Promise<void> {
    this.assertReady();
    checkAddress(address);
    return this.blockWhile(this.bindEndpoint(address));
  }

  /** Blocks the socket's other operations until `operation` settles (zeromq.js's socket is blocked by a bind or unbind). */
  private blockWhile(operation: Promise<void>): Promise<void> {
    this.blocking++;
    return operation.finally(() => this.blocking--);
  }

  private async bindEndpoint(address: string): Promise<void> {
    const endpoint = parseEndpoint(address);
    const transport = this.context.transport(endpoint.scheme, address);
    const handle: MessageBinding =
      transport.kind === "message" ? transport.bind(endpoint, this.host) : await this.engineFor(transport).listen(this.host, transport, endpoint);
    if (this.host.closed) {
      // Closed while binding: zeromq.js lets the bind finish, then closes; the promise resolves.
      handle.close();
      return;
    }
    this.bound.set(handle.endpoint, handle);
    if (handle.endpoint !== address) this.bound.set(address, handle);
    this.endpointLast = handle.endpoint;
  }

  /** Stops listening on an endpoint bound before (by the address given to bind or as resolved). */
  unbind(address: string): Promise<void> {
    this.assertReady();
    checkAddress(address);
    return this.blockWhile(this.unbindEndpoint(address));
  }

  private async unbindEndpoint(address: string): Promise<void> {
    const endpoint = parseEndpoint(address);
    this.context.transport(endpoint.scheme, address);
    const handle = this.bound.get(address);
    if (!handle) throw new ZmqError("ENOENT", undefined, address);
    for (const [key, h] of this.bound) if (h === handle) this.bound.delete(key);
    handle.close();
    const resolved = (handle as Partial<MessageBinding>).endpoint ?? address;
    this.host.releasePipes((p) => p.endpoint === resolved || p.endpoint === address);
    await Promise.resolve();
  }

  /** Connects to an endpoint; returns at once, the connection is made in the background. */
  connect(address: string, options: ConnectCallOptions = {}): void {
    this.assertReady();
    checkAddress(address);
    const endpoint = parseEndpoint(address);
    const transport = this.context.transport(endpoint.scheme, address);
    const fixed = this.connectRoutingId(options);
    let connection: MessageConnection;
    if (transport.kind === "message") {
      this.host.fixedRoutingId = fixed;
      try {
        connection = transport.connect(endpoint, this.host);
      } finally {
        this.host.fixedRoutingId = undefined;
      }
    } else {
      transport.validate?.(endpoint);
      connection = this.engineFor(transport).connect(this.host, transport, endpoint, fixed);
    }
    this.connected.set(address, connection);
    this.endpointLast = address;
  }

  /**
   * The engine plug-in that runs this socket's connections over a stream
   * transport: the transport's own (ZMTP for tcp and ipc). A socket that
   * speaks something else on the wire (STREAM: raw bytes) returns its own.
   */
  protected engineFor(transport: StreamTransport): EnginePlugin {
    return engineOf(transport);
  }

  /** The routing id a connect() names for its peer; only ROUTER takes one (zeromq.js's Router.connect). */
  protected connectRoutingId(options: ConnectCallOptions): Uint8Array | undefined {
    if (options.routingId !== undefined) {
      throw new ZmqError("EINVAL", `A ${this.host.socketType} socket takes no routingId in connect(); only a Router does`);
    }
    return undefined;
  }

  /** Drops a connection made with connect(). */
  disconnect(address: string): void {
    this.assertReady();
    checkAddress(address);
    const endpoint = parseEndpoint(address);
    this.context.transport(endpoint.scheme, address);
    const handle = this.connected.get(address);
    if (!handle) throw new ZmqError("ENOENT", undefined, address);
    this.connected.delete(address);
    handle.close();
    this.host.releasePipes((p) => p.endpoint === address);
  }

  // ---- sending and receiving ---------------------------------------------

  /**
   * Sends a message: one frame or an array of frames (strings, Buffers,
   * typed arrays, ArrayBuffers). Resolves once the message is queued.
   * Concurrent sends wait in order, or throw EBUSY (ContextOptions.exclusiveOperations).
   */
  send(message: MessageLike | readonly MessageLike[], options?: OperationOptions): Promise<void> {
    // A closed socket, or one blocked by a bind or unbind, throws at once, as zeromq.js's does; so does a busy one.
    if (this.host.closed || this.blocking > 0) this.assertReady();
    if (this.context.exclusiveOperations) this.sends.refuseIfBusy("send");
    let msg: Msg;
    try {
      msg = this.outgoing.toMsg(message);
      // zeromq.js resolves send([]) and sends nothing: there is no zero-frame message.
      if (msg.length === 0) return RESOLVED;
      if (this.sends.length === 0 && this.xsend(msg)) return this.budget.allowed() ? RESOLVED : afterTurn(undefined);
      this.outgoing.keep(msg); // it waits here
    } catch (error) {
      return Promise.reject(error);
    } finally {
      this.outgoing.done();
    }
    return this.sends.wait(msg, this.options.values.sendTimeout as number, options?.signal) as Promise<unknown> as Promise<void>;
  }

  /** Receives the next whole message. Concurrent receives wait in order, or throw EBUSY (ContextOptions.exclusiveOperations). */
  receive(options?: OperationOptions): Promise<Msg> {
    if (this.host.closed || this.blocking > 0) this.assertReady();
    if (this.context.exclusiveOperations) this.receives.refuseIfBusy("receive");
    if (this.receives.length === 0) {
      try {
        const msg = this.xrecv();
        if (msg !== undefined) return this.budget.allowed() ? Promise.resolve(msg) : afterTurn(msg);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.receives.wait(undefined, this.options.values.receiveTimeout as number, options?.signal);
  }

  /** Iterates over received messages until the socket is closed. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Msg> {
    // A hand-written iterator: an async generator costs several extra
    // promise hops per message on this hot path.
    const done: IteratorResult<Msg> = { value: undefined, done: true };
    const next = (): Promise<IteratorResult<Msg>> => {
      if (this.host.closed) return Promise.resolve(done);
      if (this.receives.length === 0) {
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
          // Closed: the loop ends, unless the receive was out of turn (a REQ that never sent), as zeromq.js's.
          if (this.host.closed && !(isZmqError(error) && error.code === "EFSM")) return done;
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

  /**
   * True when the socket's state machine forbids `op` now (a REQ's second
   * send before the reply, a REP's send before a request): such an
   * operation waits for its turn, and fails with EFSM, not EAGAIN, if its
   * time runs out or the socket closes first, as libzmq's and zeromq.js's.
   */
  protected outOfTurn(op: "send" | "receive"): boolean {
    void op;
    return false;
  }

  /** The error of a send or receive whose time ran out, or that the socket's close cut short. */
  private gaveUp(op: "send" | "receive"): ZmqError {
    return new ZmqError(this.outOfTurn(op) ? "EFSM" : "EAGAIN");
  }

  /**
   * A socket whose state machine decides whose turn it is (REQ, REP) says
   * the turn changed: sends and receives waiting for it are retried (soon,
   * not from inside the hook). zeromq.js's out-of-turn operations wait so.
   */
  protected turnChanged(): void {
    if (this.sends.length === 0 && this.receives.length === 0) return;
    queueMicrotask(() => {
      if (this.host.closed) return;
      this.sends.flush();
      this.receives.flush();
    });
  }

  // ---- closing -----------------------------------------------------------

  /**
   * Closes the socket. Queued messages keep going out for up to `linger`
   * ms (for ever with -1). Pending send() and receive() promises reject
   * with EAGAIN (EFSM out of turn), as zeromq.js's do; for-await loops end.
   */
  close(): void {
    const host = this.host;
    if (host.closed) return;
    host.closed = true;
    this.options.closed = true;
    this.sends.rejectAll();
    this.receives.rejectAll();
    for (const handle of new Set([...this.bound.values(), ...this.connected.values()])) handle.close();
    this.bound.clear();
    this.connected.clear();
    host.releasePipes(() => true);
    this.xclose();
    host.end();
    if (this.watchers) this.notifyWatchers();
  }

  private notifyWatchers(): void {
    for (const watcher of [...this.watchers!]) watcher();
  }

  protected assertOpen(): void {
    if (this.host.closed) throw new ZmqError("EBADF");
  }

  /** Open, and not blocked by a bind or unbind in progress (EBUSY), as zeromq.js checks before bind, connect, send, receive... */
  protected assertReady(): void {
    this.assertOpen();
    if (this.blocking > 0) throw new ZmqError("EBUSY", "A bind() or unbind() of this socket is still in progress", undefined, BLOCKED);
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
  /** Checks each message a network peer sends, before it is queued (REQ overrides this). */
  protected readonly validatePeerMessage: ((msg: Msg) => boolean) | undefined = undefined;
  /** A peer's handshake finished (its routing id and properties are known). */
  protected xpeerReady(_pipe: Pipe, _peer: PeerInfo): void {}
  /** A SUBSCRIBE, CANCEL, PING or PONG from a peer. */
  protected xpeerCommand(_pipe: Pipe, _command: Command): void {}
  protected xreadActivated(_pipe: Pipe): void {}
  protected xwriteActivated(_pipe: Pipe): void {}
  /** Called once by close() after the pipes are released. */
  protected xclose(): void {}
}
