/**
 * The transport plugin interface, version 2. A transport is an object
 * passed to a Context (`new Context({ transports: [tcp(), inproc()] })`);
 * nothing else registers it. Two kinds exist:
 *
 *  - MessageTransport (inproc): joins two sockets in the same Context with a
 *    pipe pair; no bytes, no codec.
 *  - StreamTransport (tcp, ipc, ws): gives streams that the transport's
 *    engine plug-in (`zmtpEngine` from @zmq/engine for byte streams) runs a
 *    protocol over, with sessions, reconnection and monitor events.
 *
 * A third party writes a transport by implementing one of these. The socket
 * side they see is a host object (PipeHost, SessionHost), never the user's
 * socket itself. Version 2: the engine is the transport's own plug-in (no
 * Context-wide engine), and SessionHost hands engines the socket's option
 * values instead of pre-built engine settings.
 */
import type { Command, PeerInfo, SocketTypeName } from "@zmq/wire";
import type { BaseOptions } from "./base-options.js";
import type { SecuritySelection } from "./mechanism.js";
import type { FrameCodec, Msg } from "./msg.js";
import type { EmittedEvent } from "./observer.js";
import type { Pipe } from "./pipe.js";

export const TRANSPORT_API_VERSION = 2;

/** An endpoint split at "://": `tcp://127.0.0.1:5555` is scheme "tcp", address "127.0.0.1:5555". */
export interface Endpoint {
  readonly scheme: string;
  readonly address: string;
  /** The whole endpoint as given. */
  readonly url: string;
}

/** What transports and engines need of a Context. */
export interface TransportContext {
  /** How frames are made (Node Buffers in @zmq/zeromq). */
  readonly frames: FrameCodec;
  /** The transport for a scheme; throws EPROTONOSUPPORT when the Context has none. */
  transport(scheme: string, address?: string): Transport;
  /** Per-Context state for a transport or plug-in, made on first use. */
  state<T>(key: object, init: () => T): T;
}

/** The side of a socket that a MessageTransport sees. */
export interface PipeHost {
  readonly context: TransportContext;
  readonly socketType: SocketTypeName;
  readonly closed: boolean;
  readonly sendHighWaterMark: number;
  readonly receiveHighWaterMark: number;
  /** The socket's routingId option as bytes, if set. */
  readonly routingIdBytes: Uint8Array | undefined;
  /** Adopts one end of a pipe, made for `endpoint`. */
  attachPipe(pipe: Pipe, endpoint: string): void;
}

/** The side of a socket that an engine plug-in's sessions see. */
export interface SessionHost extends PipeHost {
  /** The socket's option values, read at each connection. */
  readonly options: Readonly<BaseOptions>;
  /** The security mechanism the options select, or undefined for NULL. */
  readonly security: SecuritySelection | undefined;
  /** Checks each message a network peer sends, before it is queued (REQ checks replies). */
  readonly validate: ((msg: Msg) => boolean) | undefined;
  /** Emits a monitor event, if anyone observes the socket. */
  emit(event: EmittedEvent): void;
  /** A pipe's peer finished its handshake (its routing id and properties are known). */
  peerReady(pipe: Pipe, peer: PeerInfo): void;
  /** A command from the peer after its handshake (SUBSCRIBE / CANCEL reach pub-sub sockets here). */
  peerCommand(pipe: Pipe, command: Command): void;
}

export interface MessageBinding {
  /** The endpoint as bound (wildcards resolved). */
  readonly endpoint: string;
  /** Stops accepting connections on this endpoint. */
  close(): void;
}

export interface MessageConnection {
  /** Forgets the connection (a connect that was still waiting for its bind is dropped). */
  close(): void;
}

export interface MessageTransport {
  readonly apiVersion: typeof TRANSPORT_API_VERSION;
  readonly kind: "message";
  /** The URL scheme it serves, such as "inproc". */
  readonly scheme: string;
  /** Binds `socket` to an endpoint; throws ZmqError (EADDRINUSE, EINVAL). */
  bind(endpoint: Endpoint, socket: PipeHost): MessageBinding;
  /** Connects `socket` to an endpoint, now or when it is bound. */
  connect(endpoint: Endpoint, socket: PipeHost): MessageConnection;
  /** True when some socket of that Context is bound at the endpoint (ZAP looks its handler up so). */
  isBound?(endpoint: Endpoint, context: TransportContext): boolean;
}

/** Why a stream closed, when it was not a clean end. */
export interface StreamError {
  readonly code: string;
  readonly message: string;
}

export interface ByteStreamHandlers {
  /** A connecting stream is connected. */
  onConnect?(): void;
  onData(chunk: Uint8Array): void;
  /** `write()` returned false earlier, and the stream can take more now. */
  onDrain(): void;
  /** The stream is closed (after end, destroy, a peer close or an error). Called once. */
  onClose(error?: StreamError): void;
}

/** A bidirectional byte stream: a TCP connection, a unix socket, a WebSocket ... */
export interface ByteStream {
  /** Queues bytes; false when the stream wants the writer to wait for onDrain. */
  write(chunk: Uint8Array): boolean;
  /** Writes several chunks, as one system call where the runtime can; same return as write(). */
  writev?(chunks: readonly Uint8Array[]): boolean;
  /**
   * True when the stream holds none of the chunks written so far (they all
   * went to the system): their memory may be reused. Streams that cannot
   * tell leave it out.
   */
  flushed?(): boolean;
  /** Stops onData until resume(). */
  pause(): void;
  resume(): void;
  /** Closes gracefully once written bytes are flushed. */
  end(): void;
  /** Closes at once. */
  destroy(): void;
  /** Installs the handlers; data and events wait until this is called. */
  setHandlers(handlers: ByteStreamHandlers): void;
  /** The peer's address as libzmq's ZAP reports it (an IP without port), or "" when none. */
  readonly remoteAddress: string;
  /** The endpoint this stream belongs to, as monitor events name it. */
  readonly endpoint: string;
}

export interface ListenOptions {
  readonly backlog: number;
  readonly ipv6: boolean;
}

export interface ConnectOptions {
  readonly ipv6: boolean;
  /** Milliseconds a connect may take; 0 leaves it to the system. */
  readonly connectTimeout: number;
  readonly tcpKeepalive: number;
  readonly tcpKeepaliveIdle: number;
  /** ZMQ_SOCKS_PROXY: `host:port` of a SOCKS5 proxy tcp connects go through; null or "" for none. */
  readonly socksProxy?: string | null;
}

export interface Listener {
  /** The endpoint as bound, wildcards and port 0 resolved (`tcp://127.0.0.1:41234`). */
  readonly endpoint: string;
  /** Stops listening; connections already accepted stay. */
  close(): void;
}

export interface StreamTransport {
  readonly apiVersion: typeof TRANSPORT_API_VERSION;
  readonly kind: "stream";
  readonly scheme: string;
  /** Listens; rejects with ZmqError (EADDRINUSE, EINVAL ...). */
  listen(endpoint: Endpoint, options: ListenOptions, onConnection: (stream: ByteStream) => void): Promise<Listener>;
  /** Starts connecting; the stream reports onConnect or onClose(error). Throws ZmqError for a malformed address. */
  connect(endpoint: Endpoint, options: ConnectOptions): ByteStream;
  /**
   * Runs `fn` after the current burst of work, so that many messages sent in
   * a row leave in one write (Node: setImmediate). Default: a microtask.
   */
  defer?(fn: () => void): void;
  /** Checks an address without connecting: throws ZmqError EINVAL for a malformed one. */
  validate?(endpoint: Endpoint): void;
  /** The engine plug-in that runs over this transport's streams: `zmtpEngine` from @zmq/engine for byte streams. */
  readonly engine: EnginePlugin;
}

/**
 * An engine plug-in: sessions (connecting with reconnection, accepting) that
 * run one kind of engine over a stream transport's streams. @zmq/engine
 * makes one from any engine factory (`sessionEngine(factory)`); SocketBase
 * reaches sessions only through this object, so a bundle that uses inproc
 * alone carries no engine and no codec.
 */
export interface EnginePlugin {
  /** Listens on an endpoint; each accepted stream gets a session. Rejects with ZmqError. */
  listen(host: SessionHost, transport: StreamTransport, endpoint: Endpoint): Promise<MessageBinding>;
  /** Starts a connecting session, which reconnects until closed. */
  connect(host: SessionHost, transport: StreamTransport, endpoint: Endpoint, fixedRoutingId?: Uint8Array): MessageConnection;
}

export type Transport = MessageTransport | StreamTransport;
