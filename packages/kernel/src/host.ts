/**
 * The side of a socket that transports, sessions and pipes see. SocketBase
 * keeps one SocketHost privately and hands it (never itself) to transports
 * and as the owner of its pipes, so a user's socket shows only the public
 * API. The host adopts pipes, releases them with linger, forwards pipe
 * events and peer events to the socket type's hooks, and reports option
 * values and monitor events to sessions.
 *
 * Process lifetime, as zeromq.js has it: an open socket holds the event loop
 * only while a send() or receive() waits (PendingOperations). Messages still
 * queued when the loop runs empty hold it for up to `linger` ms more (for
 * ever with -1, zeromq.js's default), as libzmq's context termination at
 * exit does; a closed socket's queued messages likewise, for up to linger.
 * A Context with `blocky: false` gives its new sockets linger 0.
 */
import type { Command, PeerInfo, SocketTypeName } from "@zmq/wire";
import type { BaseOptions } from "./base-options.js";
import type { Context } from "./context.js";
import type { SecurityMechanism, SecuritySelection } from "./mechanism.js";
import type { Msg } from "./msg.js";
import { type Event, type EventOfType, type EventType, Observer } from "./observer.js";
import type { OptionStore } from "./options.js";
import { loopHolds } from "./pending.js";
import type { Pipe, PipeOwner } from "./pipe.js";
import type { SessionHost } from "./transport.js";

/** The socket type's hooks and the socket's pending operations, as the host reaches them. */
export interface SocketHooks {
  attach(pipe: Pipe): void;
  detach(pipe: Pipe): void;
  readActivated(pipe: Pipe): void;
  writeActivated(pipe: Pipe): void;
  peerReady(pipe: Pipe, peer: PeerInfo): void;
  peerCommand(pipe: Pipe, command: Command): void;
  flushSends(): void;
  flushReceives(): void;
  /** The socket type's check of incoming messages (REQ's), read at each connection. */
  validator(): ((msg: Msg) => boolean) | undefined;
  /** True once the socket has connected or bound, or while a bind or unbind is in progress: a new option may come late. */
  configured(): boolean;
}

/** Options that act on a socket already connected or bound (zeromq.js warns about any other set then). */
const TAKE_EFFECT_AT_ONCE = new Set([
  "linger",
  "mandatory",
  "probeRouter",
  "verbosity",
  "correlate",
  "relaxed",
  "handover",
  "sendHighWaterMark",
  "receiveHighWaterMark",
  "sendTimeout",
  "receiveTimeout",
]);

/**
 * A socket's monitor. As zeromq.js's, it holds the event loop while a
 * receive() (or a for-await over it) waits, and from its first listener
 * until it closes with the socket.
 */
class SocketObserver extends Observer {
  private releaseListening: (() => void) | undefined;

  protected override next(strict: boolean): Promise<Event> {
    const event = super.next(strict);
    const release = loopHolds.hold();
    event.then(release, release);
    return event;
  }

  override on<T extends EventType>(type: T, listener: (event: EventOfType<T>) => void): this {
    if (!this.closed) this.releaseListening ??= loopHolds.hold();
    return super.on(type, listener);
  }

  override close(): void {
    super.close();
    this.releaseListening?.();
    this.releaseListening = undefined;
  }
}

/** How long messages queued at exit hold the process before zeromq.js's warning says so. */
const EXIT_WARNING_MS = 500;
let exitWarned = false;

/** Open sockets that have had a pipe: the ones whose queued messages may hold the loop at exit. */
const openHosts = /* @__PURE__ */ new Set<SocketHost>();
let exitHookInstalled = false;

/** Where the runtime reports that its event loop ran empty (Node, Deno and Bun: process "beforeExit"). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const proc = (globalThis as { process?: { on?: (event: string, fn: () => void) => void } }).process;
  proc?.on?.("beforeExit", () => {
    for (const host of openHosts) host.lingerAtExit();
  });
}

export class SocketHost implements SessionHost, PipeOwner {
  /** Every pipe attached to the socket. */
  readonly pipes = new Set<Pipe>();
  closed = false;
  /** A routing id that the connect() under way names for its peer (ROUTER), given to the pipe it attaches. */
  fixedRoutingId: Uint8Array | undefined = undefined;
  private observer: Observer | undefined = undefined;
  private lingeredAtExit = false;

  constructor(
    readonly context: Context,
    readonly socketType: SocketTypeName,
    private readonly store: OptionStore,
    private readonly hooks: SocketHooks,
  ) {
    // ZMQ_BLOCKY off: new sockets drop what is queued when they close (the options given next may still set linger).
    if (!context.blocky) store.set("linger", 0, socketType);
    // New HWMs reach the pipes already made, as libzmq's: the send HWM this socket's ends, the receive HWM its peers'.
    store.changed = (name) => {
      if (name === "sendHighWaterMark") for (const pipe of this.pipes) pipe.retune(this.sendHighWaterMark);
      else if (name === "receiveHighWaterMark") for (const pipe of this.pipes) pipe.peer.retune(undefined, this.receiveHighWaterMark);
      // zeromq.js's warnings, word for word.
      const value = store.get(name);
      if (typeof value === "number" && value > Number.MAX_SAFE_INTEGER) {
        context.warn("Value is larger than Number.MAX_SAFE_INTEGER and may have been rounded inaccurately.");
      }
      if (!TAKE_EFFECT_AT_ONCE.has(name) && hooks.configured()) context.warn("Socket option will not take effect until next connect/bind.");
    };
  }

  /** True while a message the socket sent waits in a pipe (not yet taken by its connection or inproc peer). */
  get hasQueuedOutput(): boolean {
    for (const pipe of this.pipes) if (pipe.peer.pending > 0) return true;
    return false;
  }

  /**
   * The event loop ran empty with this socket open: its queued messages
   * hold the loop for up to linger ms (for ever with -1), once, as libzmq's
   * context termination at exit does.
   */
  lingerAtExit(): void {
    const linger = this.options.linger;
    if (this.lingeredAtExit || this.closed || linger === 0 || !this.hasQueuedOutput) return;
    this.lingeredAtExit = true;
    const waiting = () => !this.closed && this.hasQueuedOutput;
    loopHolds.watch(waiting, linger);
    // Still waiting half a second on: zeromq.js's warning (once per process), which says how not to wait.
    if (exitWarned) return;
    const context = this.context;
    const timer = setTimeout(() => {
      if (exitWarned || !waiting()) return;
      exitWarned = true;
      const hint = context.blocky ? " Set 'context.blocky = false' to change this behaviour." : "";
      context.warn(`Waiting for queued ZeroMQ messages to be delivered.${hint}`, "exit");
    }, EXIT_WARNING_MS);
    (timer as { unref?: () => void }).unref?.();
  }

  get options(): Readonly<BaseOptions> {
    return this.store.values as unknown as BaseOptions;
  }

  get security(): SecuritySelection | undefined {
    const mechanism = this.store.selected as SecurityMechanism | undefined;
    return mechanism ? { mechanism, values: this.store.values } : undefined;
  }

  get validate(): ((msg: Msg) => boolean) | undefined {
    return this.hooks.validator();
  }

  get sendHighWaterMark(): number {
    return this.options.sendHighWaterMark;
  }

  get receiveHighWaterMark(): number {
    return this.options.receiveHighWaterMark;
  }

  /** The routingId option as bytes. */
  get routingIdBytes(): Uint8Array | undefined {
    const v = this.options.routingId;
    if (v === null) return undefined;
    return typeof v === "string" ? this.context.frames.fromString(v) : v;
  }

  /** The socket's monitor, made on first use. */
  get events(): Observer {
    if (!this.observer) {
      this.observer = new SocketObserver(this.context.exclusiveOperations);
      if (this.closed) this.observer.close();
    }
    return this.observer;
  }

  emit(event: Parameters<Observer["emit"]>[0]): void {
    this.observer?.emit(event);
  }

  /** The socket closed: the last event, and the monitor ends. */
  end(): void {
    openHosts.delete(this);
    this.context.releaseSocket(this);
    if (!this.observer) return;
    this.observer.emit({ type: "end" });
    this.observer.close();
  }

  attachPipe(pipe: Pipe, endpoint: string): void {
    if (pipe.terminated) return;
    if (this.closed) {
      pipe.terminate();
      return;
    }
    pipe.owner = this;
    pipe.endpoint = endpoint;
    if (!openHosts.has(this)) {
      installExitHook();
      openHosts.add(this);
    }
    if (this.fixedRoutingId) pipe.fixedRoutingId = this.fixedRoutingId;
    if (this.store.values.conflate === true) {
      // Only the newest message waits, in each direction.
      pipe.conflate = true;
      pipe.peer.conflate = true;
    }
    this.pipes.add(pipe);
    this.hooks.attach(pipe);
    this.hooks.flushSends();
    this.hooks.flushReceives();
  }

  peerReady(pipe: Pipe, peer: PeerInfo): void {
    if (!this.pipes.has(pipe)) return;
    this.hooks.peerReady(pipe, peer);
    // The socket type may only now route to or read from this pipe.
    this.hooks.flushSends();
    this.hooks.flushReceives();
  }

  peerCommand(pipe: Pipe, command: Command): void {
    if (!this.pipes.has(pipe.peer)) return;
    this.hooks.peerCommand(pipe.peer, command);
    this.hooks.flushReceives();
  }

  readActivated(pipe: Pipe): void {
    this.hooks.readActivated(pipe);
    this.hooks.flushReceives();
  }

  writeActivated(pipe: Pipe): void {
    this.hooks.writeActivated(pipe);
    this.hooks.flushSends();
  }

  pipeTerminated(pipe: Pipe): void {
    if (!this.pipes.delete(pipe)) return;
    this.hooks.detach(pipe);
    this.hooks.flushSends();
    this.hooks.flushReceives();
  }

  /** Lets go of pipes (disconnect, unbind, close) with linger semantics. */
  releasePipes(which: (pipe: Pipe) => boolean): void {
    const linger = this.options.linger;
    for (const pipe of [...this.pipes]) {
      if (!which(pipe)) continue;
      this.pipes.delete(pipe);
      this.hooks.detach(pipe);
      if (linger === 0) {
        // What a connection can write at once still goes (libzmq's I/O thread would have taken it already).
        pipe.peer.owner?.flushNow?.(pipe.peer);
        pipe.terminate();
      } else {
        const queued = pipe.peer.pending > 0;
        pipe.end();
        if (!queued) continue;
        if (linger > 0) {
          const timer = setTimeout(() => pipe.expire(), linger);
          (timer as { unref?: () => void }).unref?.();
        }
        // Queued messages keep going out (to a peer that connects or binds later, too) and hold the loop until they are taken or linger passes.
        const peer = pipe.peer;
        loopHolds.watch(() => !peer.terminated, linger);
      }
    }
  }
}
