/**
 * Sessions join a socket to network connections made by a StreamTransport.
 *
 * - A connecting session lives from connect() to disconnect()/close(). It
 *   keeps one pipe to the socket across reconnects (made at once unless
 *   `immediate`), connects, runs an Engine, and reconnects with libzmq's
 *   timing after a drop. A protocol error ends it: no more reconnects.
 * - A listening endpoint accepts connections; each gets an Engine, and a
 *   pipe to the socket once its handshake is done. When that connection
 *   drops, its pipe and queue go with it.
 *
 * Monitor events (zeromq.js names) are emitted with the endpoint address.
 */
import type { Command, PeerInfo } from "@zmq/wire";
import { Engine, type EngineFailure, type EngineOptions, protocolErrorCode } from "./engine.js";
import type { ZmqError } from "./errors.js";
import { Errno } from "./errors.js";
import type { Event } from "./observer.js";
import { type Pipe, type PipeOwner, pipePair } from "./pipe.js";
import type { ByteStream, Endpoint, Listener, StreamError, StreamTransport } from "./transport.js";

/** What sessions need from their socket. */
export interface SessionHost {
  readonly closed: boolean;
  emit(event: Event): void;
  /** Engine settings from the socket's options, read at each connection. */
  engineOptions(peerAddress: string): Omit<EngineOptions, "defer">;
  connectOptions(): { ipv6: boolean; connectTimeout: number; tcpKeepalive: number; tcpKeepaliveIdle: number };
  reconnectOptions(): { interval: number; maxInterval: number; immediate: boolean };
  hwm(): { send: number; receive: number };
  /** Adopts the socket end of a new pipe. */
  attachPipe(pipe: Pipe, endpoint: string): void;
  /** A pipe's peer finished its handshake (routing id known). */
  peerReady(pipe: Pipe, peer: PeerInfo): void;
  /** A command from the peer (SUBSCRIBE / CANCEL reach pub-sub sockets here). */
  peerCommand(pipe: Pipe, command: Command): void;
}

/** How to batch writes: the transport's own scheduler (setImmediate in Node), else a microtask. */
export function deferFor(transport: StreamTransport): (fn: () => void) => void {
  return transport.defer ? (fn) => transport.defer!(fn) : queueMicrotask;
}

function errnoOf(code: string | undefined): number {
  return code !== undefined && code in Errno ? Errno[code as keyof typeof Errno] : 0;
}

/** The error a connection failure reports; a peer that just hung up is EPIPE, as libzmq says. */
function eventError(error: StreamError | undefined): { code: string; errno: number; message: string } {
  const code = error?.code ?? "EPIPE";
  return { code, errno: errnoOf(code), message: error?.message ?? "Broken pipe" };
}

/** Emits the handshake events libzmq emits for an engine failure. */
function emitFailure(host: SessionHost, address: string, failure: EngineFailure): void {
  if (failure.reason === "protocol") {
    const e = failure.error;
    if (e.code === "ZMTP_AUTH_FAILED" && e.status !== undefined) {
      const status = Number(e.status);
      const message = status === 300 ? "Temporary error" : status === 500 ? "Internal error" : "Authentication failure";
      host.emit({ type: "handshake:error:auth", address, error: { code: "EACCES", errno: 13, message, status } });
    } else if (failure.handshaking || e.protocolError !== undefined) {
      const n = e.protocolError ?? (failure.handshaking ? 0x10000000 : undefined);
      host.emit({
        type: "handshake:error:protocol",
        address,
        error: { code: protocolErrorCode(n), errno: 0, message: `ZMTP protocol error: ${e.message}` },
      });
    }
  } else if (failure.handshaking) {
    const error =
      failure.reason === "timeout"
        ? { code: "EAGAIN", errno: 11, message: "Operation was not possible or timed out" }
        : eventError(failure.error);
    host.emit({ type: "handshake:error:other", address, error });
  }
}

/** Shared by both kinds of session: an engine feeding one pipe. */
abstract class SessionBase implements PipeOwner {
  protected engine: Engine | undefined;
  protected pipe: Pipe | undefined;
  protected closing = false;

  constructor(
    protected readonly host: SessionHost,
    protected readonly address: string,
    private readonly defer: (fn: () => void) => void,
  ) {}

  readActivated(): void {
    this.engine?.scheduleFlush();
  }

  writeActivated(): void {
    this.engine?.pipeHasRoom();
  }

  abstract pipeTerminated(pipe: Pipe): void;

  protected startEngine(stream: ByteStream): void {
    const options: EngineOptions = { ...this.host.engineOptions(stream.remoteAddress), defer: this.defer };
    const engine: Engine = new Engine(stream, options, {
      engineReady: (peer) => this.engineReady(engine, peer),
      engineCommand: (command) => {
        if (this.pipe) this.host.peerCommand(this.pipe, command);
      },
      engineStopped: (failure) => this.engineStopped(engine, failure),
    });
    this.engine = engine;
    engine.start();
  }

  protected abstract engineReady(engine: Engine, peer: PeerInfo): Pipe;
  protected abstract engineStopped(engine: Engine, failure: EngineFailure | undefined): void;

  /** A new pipe pair: the session keeps one end, the socket gets the other. */
  protected makePipe(awaitingPeer: boolean, fixedRoutingId?: Uint8Array, routingId?: Uint8Array): Pipe {
    const { send, receive } = this.host.hwm();
    const [socketEnd, sessionEnd] = pipePair(send, receive);
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
    private readonly transport: StreamTransport,
    private readonly endpoint: Endpoint,
    private readonly fixedRoutingId?: Uint8Array,
  ) {
    super(host, endpoint.url, deferFor(transport));
    this.currentInterval = host.reconnectOptions().interval;
    if (!host.reconnectOptions().immediate) this.makePipe(true, fixedRoutingId);
    this.connect();
  }

  /** disconnect() or socket close: the socket has released its pipe end (with linger). */
  close(): void {
    this.closing = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pipe || this.pipe.terminated) this.shutdown(false);
    // Otherwise the pipe drains (linger) and pipeTerminated finishes the job.
  }

  pipeTerminated(pipe: Pipe): void {
    if (pipe !== this.pipe) return;
    this.pipe = undefined;
    if (this.closing || this.stoppedForGood) this.shutdown(true);
    else if (this.host.reconnectOptions().immediate) this.engine?.close(false);
  }

  private shutdown(graceful: boolean): void {
    this.stoppedForGood = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const engine = this.engine;
    this.engine = undefined;
    if (engine) engine.close(graceful);
    else this.stream?.destroy();
    this.stream = undefined;
  }

  private connect(): void {
    this.timer = undefined;
    if (this.closing || this.stoppedForGood || this.host.closed) return;
    let stream: ByteStream;
    try {
      stream = this.transport.connect(this.endpoint, this.host.connectOptions());
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
        if (this.closing || this.stoppedForGood) {
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
    this.currentInterval = this.host.reconnectOptions().interval;
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
    if (this.closing || this.stoppedForGood) return;
    if (failure?.reason === "protocol") {
      // As libzmq: a protocol error ends this endpoint; its queue goes too.
      this.stoppedForGood = true;
      this.pipe?.end();
      this.pipe = undefined;
      return;
    }
    if (this.host.reconnectOptions().immediate && this.pipe) {
      this.pipe.end();
      this.pipe = undefined;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const { interval, maxInterval } = this.host.reconnectOptions();
    if (interval < 0 || this.closing || this.stoppedForGood || this.host.closed) return;
    let wait: number;
    if (maxInterval > 0) {
      // Doubling, without jitter, up to the maximum (libzmq with RECONNECT_IVL_MAX).
      wait = Math.min(this.currentInterval, Math.max(maxInterval, interval));
      this.currentInterval = Math.min(this.currentInterval * 2, Math.max(maxInterval, interval));
    } else {
      wait = interval + Math.floor(Math.random() * interval);
    }
    this.host.emit({ type: "connect:retry", address: this.address, interval: wait });
    this.timer = setTimeout(() => this.connect(), wait);
  }
}

/** One accepted connection on a listening endpoint. */
class AcceptedSession extends SessionBase {
  constructor(
    host: SessionHost,
    address: string,
    private readonly listener: StreamBinding,
    stream: ByteStream,
    defer: (fn: () => void) => void,
  ) {
    super(host, address, defer);
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
      engine.close(graceful);
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
    const { send, receive } = this.host.hwm();
    const [socketEnd, sessionEnd] = pipePair(send, receive);
    sessionEnd.owner = this;
    socketEnd.routingId = peer.routingId.length > 0 ? peer.routingId : undefined;
    this.pipe = sessionEnd;
    this.host.attachPipe(socketEnd, this.address);
    this.host.peerReady(socketEnd, peer);
    return sessionEnd;
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
    private readonly defer: (fn: () => void) => void,
  ) {}

  static async listen(host: SessionHost, transport: StreamTransport, endpoint: Endpoint, options: { backlog: number; ipv6: boolean }): Promise<StreamBinding> {
    const binding = new StreamBinding(host, deferFor(transport));
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
    this.sessions.add(new AcceptedSession(this.host, this.endpoint, this, stream, this.defer));
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
 * The ZMTP engine as a plug-in for stream transports: SocketBase reaches
 * sessions only through this object, so a bundle that uses inproc alone
 * carries no engine and no codec. Stream transports set `engine: zmtpEngine`.
 */
export interface StreamEngine {
  listen(
    host: SessionHost,
    transport: StreamTransport,
    endpoint: Endpoint,
    options: { backlog: number; ipv6: boolean },
  ): Promise<{ readonly endpoint: string; close(): void }>;
  connect(host: SessionHost, transport: StreamTransport, endpoint: Endpoint, fixedRoutingId?: Uint8Array): { close(): void };
}

export const zmtpEngine: StreamEngine = {
  listen: (host, transport, endpoint, options) => StreamBinding.listen(host, transport, endpoint, options),
  connect: (host, transport, endpoint, fixedRoutingId) => new ConnectSession(host, transport, endpoint, fixedRoutingId),
};
