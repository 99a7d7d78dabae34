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
import { type ByteStream, type ByteStreamHandlers, ENGINE_API_VERSION, type EngineFactory, type Msg } from "@zmq/kernel";
import { type PeerInfo, ProtocolError, WireError } from "@zmq/wire";
import { BATCH_BYTES, EngineBase } from "./index.js";
import { ZwsConnection } from "./zws-connection.js";

/** Handlers a ZwsStream may call beyond a ByteStream's. */
export interface ZwsStreamHandlers extends ByteStreamHandlers {
  /** A WebSocket pong arrived (traffic, for the heartbeat timeout). */
  onPong?(): void;
  /** The peer broke the WebSocket protocol (a text or fragmented message, a bad frame, one too large): a protocol error. */
  onBadFrame?(reason: string): void;
  /**
   * One binary WebSocket message that lies in `chunk` at `start` for
   * `length` bytes. A stream that reads messages out of larger chunks may
   * call this instead of onData: the engine then reads the ZWS flags byte
   * where it lies and makes one view per frame (of the body) instead of two.
   */
  onFrameAt?(chunk: Uint8Array, start: number, length: number): void;
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

export class ZwsEngine extends EngineBase<ZwsStream> {
  private conn: ZwsConnection | undefined;

  start(): void {
    const stream = this.stream;
    stream.setHandlers({
      onData: (payload) => {
        this.sawTraffic();
        this.conn?.feed(payload);
      },
      onFrameAt: (chunk, start, length) => {
        this.sawTraffic();
        this.conn?.feedAt(chunk, start, length);
      },
      onPong: () => this.sawTraffic(),
      onBadFrame: (reason) => this.fail(reason),
      onDrain: () => this.drained(),
      onClose: (error) => this.stop({ reason: "connection", error, handshaking: !this.ready }, true),
    });
    if (this.stopped) return;
    const protocol = stream.protocol;
    if (protocol === undefined) {
      this.fail("the peer offered no subprotocol this socket can speak");
      return;
    }
    this.startHandshakeTimer();
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

  get peer(): PeerInfo | undefined {
    return this.conn?.peer;
  }

  protected closeProtocol(): void {
    this.conn?.close();
  }

  /** A WebSocket ping where the stream can send one (libzmq's ws engine answers only those), a ZMTP PING otherwise. */
  protected sendPing(): void {
    if (this.stream.ping) this.stream.ping();
    else {
      const ttl = Math.floor(this.options.heartbeatTimeToLive / 100);
      this.stream.write(this.conn!.encodeCommand({ name: "PING", ttl, context: new Uint8Array(0) }));
    }
  }

  /** Moves queued messages to the stream, one binary WebSocket message per frame. Subscriptions go in their data form, as libzmq sends them over ws. */
  protected flush(): void {
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
    if (stream.writeFrames && conn.framesInTheClear) this.wrote(stream.writeFrames(batch), bytes);
    else this.writeChunks(conn.encodeMessages(batch), bytes);
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
