/**
 * The engine contract, version 1 (libzmq's i_engine, for one thread). An
 * engine runs one connection's protocol over one stream: ZMTP over a byte
 * stream (@zmq/engine), ZWS over WebSocket messages, datagrams over UDP,
 * raw bytes for STREAM. Sessions, written once and shared by every engine,
 * make it with an EngineFactory, give it the stream and the settings, and
 * hear from it through EngineSession: the peer is ready (the session hands
 * back the pipe to move messages through), a command arrived, it stopped.
 * Between those, the session tells it when the pipe has messages to send
 * (`restartOutput`) and when the pipe toward the socket has room again
 * (`restartInput`). An engine never throws at its session.
 */
import type { Command, ConnectionOptions, PeerInfo, WireError } from "@zmq/wire";
import type { Msg } from "./msg.js";
import type { Pipe } from "./pipe.js";
import type { ByteStream, StreamError } from "./transport.js";

export const ENGINE_API_VERSION = 1;

/** Why an engine stopped, as libzmq classifies it (protocol errors stop reconnection). */
export type EngineFailure =
  | { readonly reason: "protocol"; readonly error: WireError; readonly handshaking: boolean }
  | { readonly reason: "connection"; readonly error: StreamError | undefined; readonly handshaking: boolean }
  | { readonly reason: "timeout"; readonly what: "handshake" | "heartbeat"; readonly handshaking: boolean };

/** The session side an engine talks to. */
export interface EngineSession {
  /** The handshake finished. Returns the pipe to move messages through. */
  ready(peer: PeerInfo): Pipe;
  /** A command after the handshake: PING (already answered), PONG, SUBSCRIBE, CANCEL. */
  command(command: Command): void;
  /** The engine has stopped and its stream is closed. Called once. */
  stopped(failure: EngineFailure | undefined): void;
}

/** An engine as its session drives it. */
export interface Engine {
  /** Starts the protocol (the greeting); the stream is connected. */
  start(): void;
  /** The pipe has messages for the peer. */
  restartOutput(): void;
  /**
   * True when `restartOutput` either encodes what it reads from the pipe at
   * once, keeping no reference to the frames, or leaves it queued (the ZMTP
   * engine): the session then marks its pipe end `takesAtOnce`, and a
   * caller's small frames are copied only if they stay queued. Absent, every
   * message is copied before it is queued.
   */
  readonly takesAtOnce?: boolean;
  /** The pipe toward the socket has room again. */
  restartInput(): void;
  /** The socket closes at once (linger 0): write what the pipe holds and the stream takes now (optional). */
  flushNow?(): void;
  /** Closes the connection: gracefully (what is queued gets out) or at once; close(false) after close(true) cuts the graceful close short. */
  close(graceful: boolean): void;
}

/** Settings for one connection, from the socket's options. */
export interface EngineOptions extends ConnectionOptions {
  heartbeatInterval: number;
  heartbeatTimeToLive: number;
  heartbeatTimeout: number;
  handshakeInterval: number;
  /** Runs a function soon, after the current burst of work (batches writes). */
  defer: (fn: () => void) => void;
  /** Checks each incoming message's shape (REQ does); a false drops the connection as a protocol error. */
  validate?: ((msg: Msg) => boolean) | undefined;
}

/** Makes engines over one kind of stream (ByteStream for ZMTP). */
export interface EngineFactory<S = ByteStream> {
  readonly apiVersion: typeof ENGINE_API_VERSION;
  /** A short name for diagnostics: "zmtp", "zws". */
  readonly name: string;
  create(stream: S, options: EngineOptions, session: EngineSession): Engine;
}
