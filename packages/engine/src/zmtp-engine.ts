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
import { type PeerInfo, ZmtpConnection } from "@zmq/wire";
import { BATCH_BYTES, EngineBase } from "./engine-base.js";

export class ZmtpEngine extends EngineBase<ByteStream> {
  private readonly conn: ZmtpConnection;

  constructor(stream: ByteStream, options: EngineOptions, session: EngineSession) {
    super(stream, options, session);
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
    this.conn.close();
  }

  protected sendPing(): void {
    const ttl = Math.floor(this.options.heartbeatTimeToLive / 100);
    this.stream.write(this.conn.encodeCommand({ name: "PING", ttl, context: new Uint8Array(0) }));
  }

  /** Moves queued messages to the stream: as many as fit a batch, encoded into few chunks. */
  protected flush(): void {
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
    this.writeChunks(subscriptions ? this.encode(batch) : this.conn.encodeMessages(batch), bytes);
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
}

/** Makes ZMTP engines over byte streams. */
export const zmtpEngineFactory: EngineFactory = {
  apiVersion: ENGINE_API_VERSION,
  name: "zmtp",
  create: (stream, options, session) => new ZmtpEngine(stream, options, session),
};
