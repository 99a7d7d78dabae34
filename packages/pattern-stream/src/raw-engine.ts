/**
 * The raw engine behind STREAM sockets (libzmq's raw_engine): no greeting,
 * no framing, no security. Each chunk read from the stream is one message
 * for the socket; each message the socket sends is written as its bytes.
 *
 * With notifications on (ZMQ_STREAM_NOTIFY), the engine gives the socket a
 * zero-length message when the connection is up and another when the peer
 * goes, as libzmq does. A zero-length message from the socket is the
 * application closing this connection: what was sent before it is written,
 * then the stream is ended.
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
  type StreamError,
} from "@zmq/kernel";
import type { PeerInfo } from "@zmq/wire";

/** Stop pulling from the pipe once a batch holds this many bytes; the rest goes in the next one. */
const BATCH_BYTES = 256 * 1024;

/** What the sessions and the socket learn of a raw peer: no greeting, no properties, no id of its own. */
const RAW_PEER: PeerInfo = {
  greeting: { major: 0, minor: 0, framing: "zmtp3", mechanism: "NULL", asServer: false, socketType: undefined, rest: new Uint8Array(0) },
  protocol: "raw",
  framing: "zmtp3",
  socketType: undefined,
  routingId: new Uint8Array(0),
  properties: new Map(),
  userId: "",
};

class RawEngine implements Engine {
  private pipe: Pipe | undefined;
  private stopped = false;
  /** The socket asked to close this connection: the stream is ending. */
  private ending = false;
  private flushScheduled = false;
  private writeBlocked = false;
  /** Reads (and the closing notification) held while the pipe to the socket is full. */
  private readonly inbound = new Queue<Msg>();
  /** The peer went while `inbound` still held messages: stop once they are delivered. */
  private stopWhenDelivered = false;
  /** Why the engine stopped, told to the session once the held messages are delivered. */
  private failure: EngineFailure | undefined;
  private readonly flushBound = () => this.flush();

  constructor(
    private readonly stream: ByteStream,
    private readonly options: EngineOptions,
    private readonly session: EngineSession,
    private readonly notify: boolean,
  ) {}

  start(): void {
    this.stream.setHandlers({
      onData: (chunk) => this.onData(chunk),
      onDrain: () => {
        this.writeBlocked = false;
        this.restartOutput();
      },
      onClose: (error) => this.peerGone(error),
    });
    this.pipe = this.session.ready(RAW_PEER);
    if (this.stopped) return;
    if (this.notify) this.deliver([this.empty()]);
    this.restartOutput();
  }

  restartOutput(): void {
    if (this.flushScheduled || this.stopped || this.ending || this.writeBlocked) return;
    this.flushScheduled = true;
    this.options.defer(this.flushBound);
  }

  /**
   * The socket closes at once (linger 0): what its pipe holds goes to the
   * stream now, if the stream takes it, as libzmq's I/O thread would have
   * written it by the time zmq_send returned and the socket closed.
   */
  flushNow(): void {
    this.flush();
  }

  restartInput(): void {
    if (this.inbound.length === 0) return;
    const pipe = this.pipe!;
    while (this.inbound.length > 0) {
      if (!pipe.write(this.inbound.peek()!)) return;
      this.inbound.shift();
    }
    if (this.stopWhenDelivered) this.finish();
    else if (!this.stopped) this.stream.resume();
  }

  close(graceful: boolean): void {
    if (this.stopped) {
      if (!graceful && !this.ending) this.stream.destroy();
      return;
    }
    if (graceful && !this.ending) this.flush();
    this.stopped = true;
    // An end the socket asked for is already under way: let it finish.
    if (this.ending) return;
    if (graceful) this.stream.end();
    else this.stream.destroy();
  }

  /** A zero-length frame of the Context's kind (a Buffer in Node), for notifications. */
  private empty(): Uint8Array {
    return this.options.alloc ? this.options.alloc(0) : new Uint8Array(0);
  }

  private onData(chunk: Uint8Array): void {
    // After the application closed this connection nothing more is read; an empty read means nothing.
    if (this.stopped || this.ending || chunk.length === 0) return;
    this.deliver([chunk]);
  }

  /** Hands a message to the socket, or holds it (and stops reading) while the socket's queue is full. */
  private deliver(msg: Msg): void {
    if (this.inbound.length === 0 && this.pipe!.write(msg)) return;
    this.inbound.push(msg);
    this.stream.pause();
  }

  private peerGone(error: StreamError | undefined): void {
    if (this.stopped && !this.ending) return;
    const byPeer = !this.ending;
    this.stopped = true;
    if (byPeer && this.notify && this.pipe) this.deliver([this.empty()]);
    this.failure = byPeer ? { reason: "connection", error, handshaking: false } : undefined;
    // The disconnect notification waits behind what the peer sent last, if the socket's queue is full.
    if (this.inbound.length > 0) this.stopWhenDelivered = true;
    else this.finish();
  }

  private finish(): void {
    this.stopWhenDelivered = false;
    this.session.stopped(this.failure);
  }

  /** Writes what the socket queued; a zero-length message ends the stream after what came before it. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.stopped || this.ending || this.writeBlocked) return;
    const pipe = this.pipe!;
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    let end = false;
    while (bytes < BATCH_BYTES) {
      const msg = pipe.read();
      if (msg === undefined) break;
      const body = msg[msg.length - 1]!;
      if (body.length === 0) {
        end = true;
        break;
      }
      chunks.push(body);
      bytes += body.length;
    }
    const stream = this.stream;
    let ok = true;
    if (chunks.length === 1) ok = stream.write(chunks[0]!);
    else if (chunks.length > 1) {
      if (stream.writev) ok = stream.writev(chunks);
      else for (const c of chunks) ok = stream.write(c) && ok;
    }
    if (end) {
      this.ending = true;
      stream.end();
      return;
    }
    if (!ok) this.writeBlocked = true;
    else if (bytes >= BATCH_BYTES) this.restartOutput();
  }
}

/**
 * Makes raw engines. `notify` is read for each new connection (the socket's
 * `notify` option, ZMQ_STREAM_NOTIFY).
 */
export function rawEngineFactory(notify: () => boolean): EngineFactory {
  return {
    apiVersion: ENGINE_API_VERSION,
    name: "raw",
    create: (stream, options, session) => new RawEngine(stream, options, session, notify()),
  };
}
