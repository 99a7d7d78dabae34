/**
 * The ZMTP engine: one ZMTP connection over a ByteStream. It runs @zmq/wire's
 * ZmtpConnection (greeting, security handshake, framing) and batches
 * outgoing messages into few writes, subscriptions as commands where the
 * peer speaks ZMTP 3.1; EngineBase moves the messages with backpressure and
 * keeps the timers. It never throws at its session: every failure ends in
 * one `stopped`.
 */
import {
  type ByteStream,
  ENGINE_API_VERSION,
  type EngineFactory,
  type EngineOptions,
  type EngineSession,
  type Msg,
  commandOf,
  isCommandMsg,
} from "@zmq/kernel";
import { type PeerInfo, ZmtpConnection, wireBuffers } from "@zmq/wire";
import { BATCH_BYTES, EngineBase } from "./engine-base.js";

export class ZmtpEngine extends EngineBase<ByteStream> {
  private readonly conn: ZmtpConnection;
  /** `take` encodes what it reads at once (Engine.takesAtOnce). */
  readonly takesAtOnce = true;
  /** Bytes and messages encoded by `take` and not written yet. */
  private taken = 0;
  private takenCount = 0;
  private taking = false;
  /** Batches written while the stream still held earlier bytes: recycled once it has written them all. */
  private unflushed: Uint8Array[][] = [];

  constructor(stream: ByteStream, options: EngineOptions, session: EngineSession) {
    super(stream, options, session);
    this.conn = new ZmtpConnection(options, {
      send: (chunk) => this.write(chunk),
      onReady: (peer) => this.onReady(peer),
      onMessage: (frames) => this.onMessage(frames),
      onCommand: (command) => this.onCommand(command),
      onError: (error) => this.stop({ reason: "protocol", error, handshaking: !this.ready }),
    });
  }

  /** Starts the greeting; the stream must be connected. */
  start(): void {
    this.stream.setHandlers({
      onData: (chunk) => {
        this.sawTraffic();
        this.conn.feed(chunk);
      },
      onDrain: () => this.drained(),
      onClose: (error) => this.stop({ reason: "connection", error, handshaking: !this.ready }, true),
    });
    this.startHandshakeTimer();
    this.conn.start();
  }

  get peer(): PeerInfo | undefined {
    return this.conn.peer;
  }

  protected closeProtocol(): void {
    // What the stream still holds is not ours to lend again.
    this.unflushed = [];
    this.conn.close();
  }

  protected sendPing(): void {
    const ttl = Math.floor(this.options.heartbeatTimeToLive / 100);
    this.write(this.conn.encodeCommand({ name: "PING", ttl, context: new Uint8Array(0) }));
  }

  /** A command of the connection's own (PING, PONG, a handshake step): after what was taken, so CURVE's nonces stay in order. */
  private write(chunk: Uint8Array): void {
    if (this.stopped) return;
    this.writeTaken();
    this.stream.write(chunk);
  }

  /**
   * Encodes what the pipe holds into the pending output (see EngineBase.take): up to a batch, and no more
   * messages than the send HWM lets wait in the pipe, so that a burst in one turn of the event loop meets the HWM
   * after about twice as many messages, not a whole batch's worth (libzmq's I/O thread also takes some at once).
   */
  protected override take(): void {
    const pipe = this.pipe;
    if (pipe !== undefined) this.takeUpTo(pipe.peer.hwm > 0 ? pipe.peer.hwm : Number.POSITIVE_INFINITY);
  }

  /** Writes a batch: what was taken, and what more the pipe holds, up to BATCH_BYTES in all. */
  protected flush(): void {
    this.takeUpTo(Number.POSITIVE_INFINITY);
    this.writeTaken();
  }

  private takeUpTo(most: number): void {
    // A read can wake the socket, whose sends write to the pipe again: the loop here reads them. (No pipe yet: the
    // socket writes into it while the session hands it over; the flush then reads it.)
    const pipe = this.pipe;
    if (this.taking || pipe === undefined) return;
    this.taking = true;
    try {
      const conn = this.conn;
      while (this.taken < BATCH_BYTES && this.takenCount < most) {
        const msg = pipe.read();
        if (msg === undefined) break;
        this.taken += isCommandMsg(msg) ? this.appendCommand(msg) : conn.appendMessage(msg);
        this.takenCount++;
      }
    } finally {
      this.taking = false;
    }
  }

  /** Writes what `take` encoded and has not written yet. */
  private writeTaken(): void {
    if (this.takenCount === 0) return;
    const bytes = this.taken;
    this.taken = this.takenCount = 0;
    const chunks = this.conn.encoder.take();
    // (Nothing to write when every message was a command a ZMTP 1.0/2.0 peer cannot take.)
    if (chunks.length === 0) this.wrote(true, bytes);
    else {
      this.writeChunks(chunks, bytes);
      this.recycle(chunks);
    }
  }

  /**
   * The encoder's output and CURVE's boxes came from `wireBuffers`: lent
   * again once the stream holds none of them, at once when the write went
   * to the system whole, or at the drain.
   */
  private recycle(chunks: Uint8Array[] | undefined): void {
    const stream = this.stream;
    if (stream.flushed === undefined) return;
    if (!stream.flushed()) {
      if (chunks !== undefined) this.unflushed.push(chunks);
      return;
    }
    if (chunks !== undefined) wireBuffers.recycle(chunks);
    if (this.unflushed.length === 0) return;
    for (const written of this.unflushed) wireBuffers.recycle(written);
    this.unflushed = [];
  }

  protected override drained(): void {
    this.recycle(undefined);
    super.drained();
  }

  /**
   * A command message: subscriptions go as SUBSCRIBE / CANCEL commands to
   * ZMTP 3.1 peers and as data frames to older ones; other commands (a
   * DISH's JOIN / LEAVE) go as commands to ZMTP 3.x peers, as libzmq's dish
   * session writes them whatever the peer's minor version, and are dropped
   * for ZMTP 1.0 / 2.0 peers, which have no command frames.
   */
  private appendCommand(msg: Msg): number {
    const peer = this.conn.peer!;
    const zmtp3 = peer.framing === "zmtp3";
    const command = commandOf(msg);
    const subscription = command !== undefined && (command.name === "SUBSCRIBE" || command.name === "CANCEL");
    if (command === undefined || (subscription && !(zmtp3 && peer.greeting.minor >= 1))) return this.conn.appendMessage(msg);
    if (!zmtp3) return 0;
    const chunk = this.conn.encodeCommand(command);
    this.conn.encoder.appendEncoded(chunk);
    return chunk.length;
  }
}

/** Makes ZMTP engines over byte streams. */
export const zmtpEngineFactory: EngineFactory = {
  apiVersion: ENGINE_API_VERSION,
  name: "zmtp",
  create: (stream, options, session) => new ZmtpEngine(stream, options, session),
};
