/**
 * The ZMTP engine: one ZMTP connection over a ByteStream. It runs @zmq/wire's
 * ZmtpConnection (greeting, security handshake, framing), moves whole
 * messages between the stream and its session's pipe with backpressure both
 * ways, batches outgoing messages into few writes, and keeps the handshake
 * and heartbeat timers. It never throws at its session: every failure ends
 * in one `stopped`.
 */
import {
  type ByteStream,
  ENGINE_API_VERSION,
  type Engine,
  type EngineFactory,
  type EngineFailure,
  type EngineOptions,
  type EngineSession,
  type Msg,
  type Pipe,
  Queue,
  commandOf,
  isCommandMsg,
} from "@zmq/kernel";
import { type Command, type PeerInfo, WireError, ZmtpConnection } from "@zmq/wire";
import { unref } from "./unref.js";

/** Stop pulling from the pipe once a batch holds this many bytes; the rest goes in the next one. */
const BATCH_BYTES = 256 * 1024;

export class ZmtpEngine implements Engine {
  private readonly conn: ZmtpConnection;
  private pipe: Pipe | undefined;
  private stopped = false;
  private ready = false;
  private flushScheduled = false;
  private writeBlocked = false;
  /** Messages decoded while the pipe to the socket was full, held until it has room (a 64 KiB read can hold 20,000). */
  private readonly inbound = new Queue<Msg>();
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private timeoutTimer: ReturnType<typeof setTimeout> | undefined;
  private ttlTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly flushBound = () => this.flush();

  constructor(
    private readonly stream: ByteStream,
    private readonly options: EngineOptions,
    private readonly session: EngineSession,
  ) {
    this.conn = new ZmtpConnection(options, {
      send: (chunk) => {
        if (!this.stopped) this.stream.write(chunk);
      },
      onReady: (peer) => this.onReady(peer),
      onMessage: (frames) => this.onMessage(frames),
      onCommand: (command) => this.onCommand(command),
      onError: (error) => this.stop({ reason: "protocol", error, handshaking: !this.ready }),
    });
  }

  /** Starts the greeting; the stream must be connected. */
  start(): void {
    const stream = this.stream;
    stream.setHandlers({
      onData: (chunk) => {
        this.sawTraffic();
        this.conn.feed(chunk);
      },
      onDrain: () => {
        this.writeBlocked = false;
        this.restartOutput();
      },
      onClose: (error) => this.stop({ reason: "connection", error, handshaking: !this.ready }, true),
    });
    if (this.options.handshakeInterval > 0) {
      this.handshakeTimer = unref(
        setTimeout(() => this.stop({ reason: "timeout", what: "handshake", handshaking: true }), this.options.handshakeInterval),
      );
    }
    this.conn.start();
  }

  /** The peer, once the handshake is done. */
  get peer(): PeerInfo | undefined {
    return this.conn.peer;
  }

  /** The pipe has messages for the peer (its readActivated). */
  restartOutput(): void {
    if (this.flushScheduled || this.stopped || !this.ready || this.writeBlocked) return;
    this.flushScheduled = true;
    this.options.defer(this.flushBound);
  }

  /** The pipe to the socket has room again (its writeActivated). */
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

  /** Closes the connection: gracefully (what is written gets out) or at once; at once also cuts a graceful close short. */
  close(graceful: boolean): void {
    if (this.stopped) {
      if (!graceful) this.stream.destroy();
      return;
    }
    if (graceful && this.ready) this.flush();
    this.stopped = true;
    this.clearTimers();
    this.conn.close();
    if (graceful) this.stream.end();
    else this.stream.destroy();
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
      // The socket's queue is at its HWM: stop reading this connection until it drains.
      this.inbound.push(frames);
      this.stream.pause();
    }
  }

  private onCommand(command: Command): void {
    if (command.name === "PING" && command.ttl > 0) {
      // The peer wants to hear from us within ttl; anything we receive meanwhile resets it.
      if (this.ttlTimer !== undefined) clearTimeout(this.ttlTimer);
      this.ttlTimer = unref(setTimeout(() => this.stop({ reason: "timeout", what: "heartbeat", handshaking: false }), command.ttl * 100));
    }
    this.session.command(command);
  }

  private ping(): void {
    if (this.stopped) return;
    const ttl = Math.floor(this.options.heartbeatTimeToLive / 100);
    this.stream.write(this.conn.encodeCommand({ name: "PING", ttl, context: new Uint8Array(0) }));
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

  /** Moves queued messages to the stream: as many as fit a batch, encoded into few chunks. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.stopped || !this.ready || this.writeBlocked) return;
    const pipe = this.pipe!;
    const batch: Msg[] = [];
    let bytes = 0;
    let subscriptions = false;
    while (bytes < BATCH_BYTES) {
      const msg = pipe.read();
      if (msg === undefined) break;
      batch.push(msg);
      if (isCommandMsg(msg)) subscriptions = true;
      for (let i = 0; i < msg.length; i++) bytes += msg[i]!.length + 9;
    }
    if (batch.length === 0) return;
    const chunks = subscriptions ? this.encode(batch) : this.conn.encodeMessages(batch);
    const stream = this.stream;
    let ok: boolean;
    if (chunks.length === 1) ok = stream.write(chunks[0]!);
    else if (stream.writev) ok = stream.writev(chunks);
    else {
      ok = true;
      for (const c of chunks) ok = stream.write(c) && ok;
    }
    if (!ok) this.writeBlocked = true;
    else if (bytes >= BATCH_BYTES) this.restartOutput();
  }

  /**
   * Encodes a batch holding command messages: subscriptions go as SUBSCRIBE /
   * CANCEL commands to ZMTP 3.1 peers and as data frames to older ones; other
   * commands (a DISH's JOIN / LEAVE) go as commands to ZMTP 3.x peers, as
   * libzmq's dish session writes them whatever the peer's minor version, and
   * are dropped for ZMTP 1.0 / 2.0 peers, which have no command frames.
   */
  private encode(batch: Msg[]): Uint8Array[] {
    const peer = this.conn.peer!;
    const zmtp3 = peer.framing === "zmtp3";
    const subscriptionCommands = zmtp3 && peer.greeting.minor >= 1;
    const chunks: Uint8Array[] = [];
    let run: Msg[] = [];
    for (const msg of batch) {
      const command = commandOf(msg);
      const subscription = command !== undefined && (command.name === "SUBSCRIBE" || command.name === "CANCEL");
      if (command === undefined || (subscription && !subscriptionCommands)) {
        run.push(msg);
        continue;
      }
      if (run.length > 0) chunks.push(...this.conn.encodeMessages(run));
      run = [];
      if (zmtp3) chunks.push(this.conn.encodeCommand(command));
    }
    if (run.length > 0) chunks.push(...this.conn.encodeMessages(run));
    return chunks;
  }

  private stop(failure: EngineFailure, streamClosed = false): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimers();
    this.conn.close();
    if (!streamClosed) {
      if (failure.reason === "protocol") {
        // An ERROR command may be on its way out: end, then close for good
        // shortly after even if the peer keeps its half open.
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

/** Makes ZMTP engines over byte streams. */
export const zmtpEngineFactory: EngineFactory = {
  apiVersion: ENGINE_API_VERSION,
  name: "zmtp",
  create: (stream, options, session) => new ZmtpEngine(stream, options, session),
};
