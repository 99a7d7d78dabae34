/**
 * The ZWS engine: one ZWS 2.0 connection over a WebSocket. The transport
 * (ws://, wss://) does the HTTP upgrade and the RFC 6455 framing and hands
 * over a ZwsStream: a ByteStream whose every chunk is one whole binary
 * message, and whose every write sends one, with the subprotocol the
 * upgrade agreed. The engine runs ZwsConnection over it and moves whole
 * messages between it and its session's pipe with backpressure, as the
 * ZMTP engine does; heartbeats are WebSocket pings where the stream can
 * send them (libzmq's ws engine answers only those), ZMTP PING commands
 * otherwise. It never throws at its session: every failure ends in one
 * `stopped`.
 */
import {
  type ByteStream,
  type ByteStreamHandlers,
  ENGINE_API_VERSION,
  type Engine,
  type EngineFactory,
  type EngineFailure,
  type EngineOptions,
  type EngineSession,
  type Msg,
  type Pipe,
  Queue,
} from "@zmq/kernel";
import { type Command, type PeerInfo, ProtocolError, WireError } from "@zmq/wire";
import { ZwsConnection } from "./zws-connection.js";
import { unref } from "./unref.js";

/** Handlers a ZwsStream may call beyond a ByteStream's. */
export interface ZwsStreamHandlers extends ByteStreamHandlers {
  /** A WebSocket pong arrived (traffic, for the heartbeat timeout). */
  onPong?(): void;
  /** The peer broke the WebSocket protocol (a text or fragmented message, a bad frame, one too large): a protocol error. */
  onBadFrame?(reason: string): void;
}

/**
 * A message-preserving stream: each onData chunk is one binary WebSocket
 * message, each write sends one. A write takes its payload over (the
 * engine never touches it again), so a client may mask it in place.
 */
export interface ZwsStream extends ByteStream {
  /** The subprotocol the upgrade agreed; undefined when the peer offered none this socket can speak (the engine refuses it). */
  readonly protocol: string | undefined;
  /** Sends a WebSocket ping, where the runtime can. */
  ping?(): void;
  /**
   * Sends each frame of each message as one binary message, its payload the
   * ZWS flags byte (ZWS_MORE on all but a message's last frame) then the
   * body, without a payload buffer in between; the frames stay the
   * caller's. Same return as write(). Optional: the engine builds the
   * payloads itself where a stream has none (or a mechanism boxes frames).
   */
  writeFrames?(messages: readonly Msg[]): boolean;
  setHandlers(handlers: ZwsStreamHandlers): void;
}

/** Stop pulling from the pipe once a batch holds this many bytes; the rest goes in the next one. */
const BATCH_BYTES = 256 * 1024;

export class ZwsEngine implements Engine {
  private conn: ZwsConnection | undefined;
  private pipe: Pipe | undefined;
  private stopped = false;
  private ready = false;
  private flushScheduled = false;
  private writeBlocked = false;
  private readonly inbound = new Queue<Msg>();
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private timeoutTimer: ReturnType<typeof setTimeout> | undefined;
  private ttlTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly flushBound = () => this.flush();

  constructor(
    private readonly stream: ZwsStream,
    private readonly options: EngineOptions,
    private readonly session: EngineSession,
  ) {}

  start(): void {
    const stream = this.stream;
    stream.setHandlers({
      onData: (payload) => {
        this.sawTraffic();
        this.conn?.feed(payload);
      },
      onPong: () => this.sawTraffic(),
      onBadFrame: (reason) => this.fail(reason),
      onDrain: () => {
        this.writeBlocked = false;
        this.restartOutput();
      },
      onClose: (error) => this.stop({ reason: "connection", error, handshaking: !this.ready }, true),
    });
    if (this.stopped) return;
    const protocol = stream.protocol;
    if (protocol === undefined) {
      this.fail("the peer offered no subprotocol this socket can speak");
      return;
    }
    if (this.options.handshakeInterval > 0) {
      this.handshakeTimer = unref(
        setTimeout(() => this.stop({ reason: "timeout", what: "handshake", handshaking: true }), this.options.handshakeInterval),
      );
    }
    this.conn = new ZwsConnection(this.options, protocol, {
      send: (payload) => {
        if (!this.stopped) this.stream.write(payload);
      },
      onReady: (peer) => this.onReady(peer),
      onMessage: (frames) => this.onMessage(frames),
      onCommand: (command) => this.onCommand(command),
      onError: (error) => this.stop({ reason: "protocol", error, handshaking: !this.ready }),
    });
    this.conn.start();
  }

  /** The peer, once the handshake is done. */
  get peer(): PeerInfo | undefined {
    return this.conn?.peer;
  }

  restartOutput(): void {
    if (this.flushScheduled || this.stopped || !this.ready || this.writeBlocked) return;
    this.flushScheduled = true;
    this.options.defer(this.flushBound);
  }

  restartInput(): void {
    if (this.stopped || this.inbound.length === 0) return;
    const pipe = this.pipe!;
    const inbound = this.inbound;
    while (inbound.length > 0) {
      if (!pipe.write(inbound.peek()!)) return;
      inbound.shift();
    }
    this.stream.resume();
  }

  close(graceful: boolean): void {
    if (this.stopped) {
      if (!graceful) this.stream.destroy();
      return;
    }
    if (graceful && this.ready) this.flush();
    this.stopped = true;
    this.clearTimers();
    this.conn?.close();
    if (graceful) this.stream.end();
    else this.stream.destroy();
  }

  private fail(reason: string): void {
    this.stop({
      reason: "protocol",
      error: new WireError("ZMTP_BAD_FRAME", `WebSocket protocol error: ${reason}`, {
        field: "websocket",
        value: reason,
        protocolError: ProtocolError.WS_UNSPECIFIED,
      }),
      handshaking: !this.ready,
    });
  }

  private onReady(peer: PeerInfo): void {
    if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.ready = true;
    this.pipe = this.session.ready(peer);
    if (this.stopped) return;
    const ivl = this.options.heartbeatInterval;
    if (ivl > 0) this.heartbeatTimer = unref(setInterval(() => this.ping(), ivl));
    this.restartOutput();
  }

  private onMessage(frames: Msg): void {
    const validate = this.options.validate;
    if (validate && !validate(frames)) {
      this.stop({
        reason: "protocol",
        error: new WireError(
          "ZMTP_UNEXPECTED_COMMAND",
          `A ${this.options.socketType} socket got a message it cannot accept (${frames.length} frames)`,
          {
            field: "message",
            value: frames.length,
          },
        ),
        handshaking: false,
      });
      return;
    }
    if (this.inbound.length > 0) {
      this.inbound.push(frames);
      return;
    }
    if (!this.pipe!.write(frames)) {
      this.inbound.push(frames);
      this.stream.pause();
    }
  }

  private onCommand(command: Command): void {
    if (command.name === "PING" && command.ttl > 0) {
      if (this.ttlTimer !== undefined) clearTimeout(this.ttlTimer);
      this.ttlTimer = unref(setTimeout(() => this.stop({ reason: "timeout", what: "heartbeat", handshaking: false }), command.ttl * 100));
    }
    this.session.command(command);
  }

  private ping(): void {
    if (this.stopped) return;
    if (this.stream.ping) this.stream.ping();
    else {
      const ttl = Math.floor(this.options.heartbeatTimeToLive / 100);
      this.stream.write(this.conn!.encodeCommand({ name: "PING", ttl, context: new Uint8Array(0) }));
    }
    if (this.timeoutTimer === undefined) {
      const timeout = this.options.heartbeatTimeout >= 0 ? this.options.heartbeatTimeout : this.options.heartbeatInterval;
      this.timeoutTimer = unref(setTimeout(() => this.stop({ reason: "timeout", what: "heartbeat", handshaking: false }), timeout));
    }
  }

  private sawTraffic(): void {
    if (this.timeoutTimer !== undefined) {
      clearTimeout(this.timeoutTimer);
      this.timeoutTimer = undefined;
    }
    if (this.ttlTimer !== undefined) {
      clearTimeout(this.ttlTimer);
      this.ttlTimer = undefined;
    }
  }

  /** Moves queued messages to the stream, one binary WebSocket message per frame. Subscriptions go in their data form, as libzmq sends them over ws. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.stopped || !this.ready || this.writeBlocked) return;
    const pipe = this.pipe!;
    const batch: Msg[] = [];
    let bytes = 0;
    while (bytes < BATCH_BYTES) {
      const msg = pipe.read();
      if (msg === undefined) break;
      batch.push(msg);
      for (let i = 0; i < msg.length; i++) bytes += msg[i]!.length + 9;
    }
    if (batch.length === 0) return;
    const conn = this.conn!;
    const stream = this.stream;
    let ok: boolean;
    if (stream.writeFrames && conn.framesInTheClear) {
      ok = stream.writeFrames(batch);
      if (!ok) this.writeBlocked = true;
      else if (bytes >= BATCH_BYTES) this.restartOutput();
      return;
    }
    const payloads = conn.encodeMessages(batch);
    if (payloads.length === 1) ok = stream.write(payloads[0]!);
    else if (stream.writev) ok = stream.writev(payloads);
    else {
      ok = true;
      for (const p of payloads) ok = stream.write(p) && ok;
    }
    if (!ok) this.writeBlocked = true;
    else if (bytes >= BATCH_BYTES) this.restartOutput();
  }

  private stop(failure: EngineFailure, streamClosed = false): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimers();
    this.conn?.close();
    if (!streamClosed) {
      if (failure.reason === "protocol") {
        // An ERROR command may be on its way out: end, then close for good shortly after.
        const stream = this.stream;
        stream.end();
        const timer = setTimeout(() => stream.destroy(), 100);
        unref(timer);
      } else {
        this.stream.destroy();
      }
    }
    this.session.stopped(failure);
  }

  private clearTimers(): void {
    if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    if (this.timeoutTimer !== undefined) clearTimeout(this.timeoutTimer);
    if (this.ttlTimer !== undefined) clearTimeout(this.ttlTimer);
    this.handshakeTimer = this.heartbeatTimer = this.timeoutTimer = this.ttlTimer = undefined;
  }
}

/**
 * Makes ZWS engines. The sessions hand engines ByteStreams; a ws or wss
 * transport's streams are ZwsStreams (message-preserving, with the agreed
 * subprotocol), which is what this factory needs.
 */
export const zwsEngineFactory: EngineFactory = {
  apiVersion: ENGINE_API_VERSION,
  name: "zws",
  create: (stream, options, session) => new ZwsEngine(stream as ZwsStream, options, session),
};
