/**
 * Sessions join a socket to the connections of a stream transport, and run
 * one engine per connection (any engine: the factory decides which). They
 * are written once and shared by every engine.
 *
 * - A connecting session lives from connect() to disconnect()/close(). It
 *   keeps one pipe to the socket across reconnects (made at once unless
 *   `immediate`), connects, runs an engine, and reconnects with libzmq's
 *   timing after a drop. A protocol error ends it: no more reconnects.
 *   After close() it goes on connecting while its pipe still holds
 *   messages (linger), so that a peer that binds late still gets them.
 * - A listening endpoint accepts connections; each gets an engine, and a
 *   pipe to the socket once its handshake is done. When that connection
 *   drops, its pipe and queue go with it.
 *
 * Monitor events (zeromq.js names) are emitted with the endpoint address.
 */
import {
  type ByteStream,
  type ByteStreamHandlers,
  ENGINE_API_VERSION,
  type Endpoint,
  type Engine,
  type EngineFactory,
  type EngineFailure,
  type EnginePlugin,
  type Listener,
  type Pipe,
  type PipeOwner,
  type SessionHost,
  type StreamTransport,
  ZmqError,
  acceptFilter,
  pipePair,
} from "@zmq/kernel";
import type { PeerInfo } from "@zmq/wire";
import { engineOptions } from "./engine-options.js";
import { emitFailure, errnoOf } from "./failure-events.js";
import { unref } from "./unref.js";

/**
 * How many received messages a connection may leave unread at the socket.
 * With a receive HWM that is the HWM. With none (0), the engine still stops
 * reading at READ_AHEAD unread messages and goes on as the application
 * reads them: nothing is dropped (TCP holds the rest back, and the sender's
 * own HWM decides), but one thread cannot spend itself decoding a backlog
 * that its application, on the same thread, never gets a turn to read.
 */
const READ_AHEAD = 1000;
const readAhead = (receiveHwm: number) => (receiveHwm === 0 ? READ_AHEAD : receiveHwm);

/** The handlers of a stream nobody listens to any more. */
const DETACHED: ByteStreamHandlers = { onData: () => {}, onDrain: () => {}, onClose: () => {} };

/**
 * How to batch writes: the transport's own scheduler (setImmediate in Node), else a microtask.
 * queueMicrotask is called through a closure: browsers refuse it unbound ("Illegal invocation").
 */
export function deferFor(transport: StreamTransport): (fn: () => void) => void {
  return transport.defer ? (fn) => transport.defer!(fn) : (fn) => queueMicrotask(fn);
}

/** Shared by both kinds of session: an engine feeding one pipe. */
abstract class SessionBase implements PipeOwner {
  protected engine: Engine | undefined;
  protected pipe: Pipe | undefined;
  protected closing = false;

  constructor(
    protected readonly host: SessionHost,
    protected readonly address: string,
    private readonly factory: EngineFactory,
    private readonly defer: (fn: () => void) => void,
  ) {}

  readActivated(): void {
    this.engine?.restartOutput();
  }

  writeActivated(): void {
    this.engine?.restartInput();
  }

  flushNow(): void {
    this.engine?.flushNow?.();
  }

  abstract pipeTerminated(pipe: Pipe): void;

  protected startEngine(stream: ByteStream): void {
    const options = engineOptions(this.host, stream.remoteAddress, this.defer);
    const engine: Engine = this.factory.create(stream, options, {
      ready: (peer) => {
        const pipe = this.engineReady(engine, peer);
        // An engine that encodes what it reads at once, or leaves it queued, spares the socket its copies (Pipe.takesAtOnce).
        pipe.takesAtOnce = engine.takesAtOnce === true;
        return pipe;
      },
      command: (command) => {
        if (this.pipe) this.host.peerCommand(this.pipe, command);
      },
      stopped: (failure) => {
        if (this.pipe) this.pipe.takesAtOnce = false;
        this.engineStopped(engine, failure);
      },
    });
    this.engine = engine;
    engine.start();
  }

  protected abstract engineReady(engine: Engine, peer: PeerInfo): Pipe;
  protected abstract engineStopped(engine: Engine, failure: EngineFailure | undefined): void;

  /**
   * Closes an engine as the socket's linger says (libzmq): at once with 0,
   * dropping what is unsent; gracefully otherwise, cut short after linger
   * ms when it is positive. A graceful close of a stream whose peer stopped
   * reading would otherwise keep it, and a Node process, alive.
   */
  protected closeEngine(engine: Engine, graceful: boolean): void {
    const linger = this.host.options.linger;
    if (!graceful || linger === 0) {
      engine.close(false);
      return;
    }
    engine.close(true);
    if (linger > 0) unref(setTimeout(() => engine.close(false), linger));
  }

  /** A new pipe pair: the session keeps one end, the socket gets the other. */
  protected makePipe(awaitingPeer: boolean, fixedRoutingId?: Uint8Array, routingId?: Uint8Array): Pipe {
    const [socketEnd, sessionEnd] = pipePair(0);
    socketEnd.tuned((send) => send, this.host.sendHighWaterMark, 0);
    sessionEnd.tuned((_, receive) => readAhead(receive), 0, this.host.receiveHighWaterMark);
    sessionEnd.owner = this;
    socketEnd.awaitingPeer = awaitingPeer;
    socketEnd.fixedRoutingId = fixedRoutingId;
    socketEnd.routingId = routingId;
    this.pipe = sessionEnd;
    this.host.attachPipe(socketEnd, this.address);
    return sessionEnd;
  }
}

/** The connecting side of one endpoint. */
export class ConnectSession extends SessionBase {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stream: ByteStream | undefined;
  private currentInterval: number;
  private stoppedForGood = false;

  constructor(
    host: SessionHost,
    factory: EngineFactory,
    private readonly transport: StreamTransport,
    private readonly endpoint: Endpoint,
    private readonly fixedRoutingId?: Uint8Array,
  ) {
    super(host, endpoint.url, factory, deferFor(transport));
    this.currentInterval = host.options.reconnectInterval;
    if (!host.options.immediate) this.makePipe(true, fixedRoutingId);
    this.connect();
  }

  /** disconnect() or socket close: the socket is about to release its pipe end (with linger). */
  close(): void {
    this.closing = true;
    if (!this.pipe || this.pipe.terminated) this.shutdown(false);
    // Otherwise the pipe drains (linger) and pipeTerminated finishes the job;
    // meanwhile reconnecting goes on, so that a late peer gets what is queued.
  }

  /** Connecting is worth it: not stopped, and not closed unless messages still linger in the pipe. */
  private get wanted(): boolean {
    return !this.stoppedForGood && (!this.closing || (this.pipe !== undefined && !this.pipe.terminated));
  }

  pipeTerminated(pipe: Pipe): void {
    if (pipe !== this.pipe) return;
    this.pipe = undefined;
    if (this.closing || this.stoppedForGood) this.shutdown(true);
    else if (this.host.options.immediate) this.engine?.close(false);
  }

  private shutdown(graceful: boolean): void {
    this.stoppedForGood = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const engine = this.engine;
    this.engine = undefined;
    if (engine) this.closeEngine(engine, graceful);
    else if (this.stream) {
      // A connect still under way ends here: its stream no longer leads back to this session (nor the socket and its
      // Context), so they can be collected while the runtime finishes closing it.
      this.stream.setHandlers(DETACHED);
      this.stream.destroy();
    }
    this.stream = undefined;
  }

  private connect(): void {
    this.timer = undefined;
    if (!this.wanted) return;
    let stream: ByteStream;
    try {
      stream = this.transport.connect(this.endpoint, this.host.options);
    } catch {
      // The address did not resolve: a failed attempt, retried like any other.
      this.host.emit({ type: "close", address: this.address });
      this.scheduleReconnect();
      return;
    }
    this.stream = stream;
    this.host.emit({ type: "connect:delay", address: this.address });
    stream.setHandlers({
      onConnect: () => {
        if (!this.wanted) {
          stream.destroy();
          return;
        }
        this.host.emit({ type: "connect", address: this.address });
        this.startEngine(stream);
      },
      onData: () => {},
      onDrain: () => {},
      onClose: () => {
        // Connect failed before an engine took the stream over.
        if (this.stream !== stream) return;
        this.stream = undefined;
        this.host.emit({ type: "close", address: this.address });
        this.scheduleReconnect();
      },
    });
  }

  protected engineReady(_engine: Engine, peer: PeerInfo): Pipe {
    this.currentInterval = this.host.options.reconnectInterval;
    const routingId = peer.routingId.length > 0 ? peer.routingId : undefined;
    const pipe = this.pipe ?? this.makePipe(false, this.fixedRoutingId, routingId);
    const socketEnd = pipe.peer;
    socketEnd.routingId = routingId;
    socketEnd.awaitingPeer = false;
    this.host.emit({ type: "handshake", address: this.address });
    this.host.peerReady(socketEnd, peer);
    return pipe;
  }

  protected engineStopped(engine: Engine, failure: EngineFailure | undefined): void {
    if (this.engine !== engine) return;
    this.engine = undefined;
    this.stream = undefined;
    if (failure) emitFailure(this.host, this.address, failure);
    this.host.emit({ type: "disconnect", address: this.address });
    if (!this.wanted) return;
    if (failure?.reason === "protocol") {
      // As libzmq: a protocol error ends this endpoint; its queue goes too.
      this.stoppedForGood = true;
      this.pipe?.end();
      this.pipe = undefined;
      return;
    }
    if (this.host.options.immediate && this.pipe) {
      this.pipe.end();
      this.pipe = undefined;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const { reconnectInterval: interval, reconnectMaxInterval: maxInterval } = this.host.options;
    if (interval < 0 || !this.wanted) return;
    let wait: number;
    if (maxInterval > 0) {
      // Doubling, without jitter, up to the maximum (libzmq with RECONNECT_IVL_MAX).
      wait = Math.min(this.currentInterval, Math.max(maxInterval, interval));
      this.currentInterval = Math.min(this.currentInterval * 2, Math.max(maxInterval, interval));
    } else {
      wait = interval + Math.floor(Math.random() * interval);
    }
    this.host.emit({ type: "connect:retry", address: this.address, interval: wait });
    this.timer = unref(setTimeout(() => this.connect(), wait));
  }
}

/** One accepted connection on a listening endpoint. */
class AcceptedSession extends SessionBase {
  constructor(
    host: SessionHost,
    address: string,
    private readonly listener: StreamBinding,
    stream: ByteStream,
    factory: EngineFactory,
    defer: (fn: () => void) => void,
  ) {
    super(host, address, factory, defer);
    host.emit({ type: "accept", address });
    this.startEngine(stream);
  }

  close(): void {
    this.closing = true;
    if (!this.pipe || this.pipe.terminated) this.finish(false);
  }

  pipeTerminated(pipe: Pipe): void {
    if (pipe !== this.pipe) return;
    this.pipe = undefined;
    this.finish(this.closing);
  }

  private finish(graceful: boolean): void {
    const engine = this.engine;
    this.engine = undefined;
    if (engine) {
      this.closeEngine(engine, graceful);
      // The socket turned the connection away (a second PAIR peer, say): say so, as a drop.
      if (!this.closing) this.host.emit({ type: "disconnect", address: this.address });
    }
    this.listener.forget(this);
  }

  protected engineReady(_engine: Engine, peer: PeerInfo): Pipe {
    if (this.closing) {
      this.finish(false);
      return pipePair(0)[0];
    }
    this.host.emit({ type: "handshake", address: this.address });
    // The bind side's queue is made now, with the peer's routing id, as libzmq.
    const pipe = this.makePipe(false, undefined, peer.routingId.length > 0 ? peer.routingId : undefined);
    this.host.peerReady(pipe.peer, peer);
    return pipe;
  }

  protected engineStopped(engine: Engine, failure: EngineFailure | undefined): void {
    if (this.engine !== engine) return;
    this.engine = undefined;
    if (failure) emitFailure(this.host, this.address, failure);
    this.host.emit({ type: "disconnect", address: this.address });
    // The bind side's outgoing queue goes with its connection; whole messages
    // already received stay readable by the socket, as in libzmq.
    this.pipe?.end();
    this.pipe = undefined;
    this.listener.forget(this);
  }
}

/** A listening endpoint and the connections it accepted. */
export class StreamBinding {
  private readonly sessions = new Set<AcceptedSession>();
  private listener: Listener | undefined;
  endpoint = "";

  private constructor(
    private readonly host: SessionHost,
    private readonly factory: EngineFactory,
    private readonly defer: (fn: () => void) => void,
    /** tcp: the accept filters as set when bound (libzmq's listener keeps its copy); undefined admits every peer. */
    private readonly admits: ((peerAddress: string) => boolean) | undefined,
  ) {}

  static async listen(host: SessionHost, factory: EngineFactory, transport: StreamTransport, endpoint: Endpoint): Promise<StreamBinding> {
    const filter = transport.scheme === "tcp" ? acceptFilter(host.options.tcpAcceptFilter) : undefined;
    const binding = new StreamBinding(host, factory, deferFor(transport), filter);
    const options = { backlog: host.options.backlog, ipv6: host.options.ipv6 };
    try {
      binding.listener = await transport.listen(endpoint, options, (stream) => binding.accept(stream));
    } catch (error) {
      const e = error as Partial<ZmqError>;
      host.emit({
        type: "bind:error",
        address: endpoint.url,
        error: { code: e.code ?? "EINVAL", errno: e.errno ?? errnoOf(e.code), message: e.message ?? String(error) },
      });
      throw error;
    }
    binding.endpoint = binding.listener.endpoint;
    host.emit({ type: "bind", address: binding.endpoint });
    return binding;
  }

  private accept(stream: ByteStream): void {
    if (this.host.closed || !this.listener) {
      stream.destroy();
      return;
    }
    if (this.admits && !this.admits(stream.remoteAddress)) {
      // Closed unread, as libzmq's listener closes a peer its filters refuse; it reports a failed accept with the errno
      // its accept() left behind, EAGAIN, which zeromq.js passes on.
      stream.destroy();
      const message = `A connection from ${stream.remoteAddress} matches no tcpAcceptFilter`;
      this.host.emit({ type: "accept:error", address: this.endpoint, error: { code: "EAGAIN", errno: errnoOf("EAGAIN"), message } });
      return;
    }
    this.sessions.add(new AcceptedSession(this.host, this.endpoint, this, stream, this.factory, this.defer));
  }

  forget(session: AcceptedSession): void {
    this.sessions.delete(session);
  }

  /** unbind() or socket close: stop listening and close the connections (their pipes linger). */
  close(): void {
    if (this.listener) {
      this.listener.close();
      this.listener = undefined;
      this.host.emit({ type: "close", address: this.endpoint });
    }
    for (const s of [...this.sessions]) s.close();
  }
}

/**
 * An engine plug-in for stream transports: these sessions around engines
 * made by `factory`. `zmtpEngine` is the one for ZMTP over byte streams.
 */
export function sessionEngine(factory: EngineFactory): EnginePlugin {
  const version: number = factory.apiVersion;
  if (version !== ENGINE_API_VERSION) {
    throw new ZmqError("EINVAL", `Engine "${factory.name}" implements engine API ${version}; this kernel speaks ${ENGINE_API_VERSION}`);
  }
  return {
    listen: (host, transport, endpoint) => StreamBinding.listen(host, factory, transport, endpoint),
    connect: (host, transport, endpoint, fixedRoutingId) => new ConnectSession(host, factory, transport, endpoint, fixedRoutingId),
  };
}
