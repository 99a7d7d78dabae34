import { sessionEngine } from "@zmq/engine";
import {
  type ConnectCallOptions,
  type EnginePlugin,
  FairQueue,
  type MessageLike,
  type Msg,
  type OperationOptions,
  type OptionValues,
  type Pipe,
  RouterTable,
  SocketBase,
  type SocketOptions,
  type StreamTransport,
  ZmqError,
  defineOptions,
  flag,
} from "@zmq/kernel";
import { rawEngineFactory } from "./raw-engine.js";

const streamOptions = {
  /** ZMQ_STREAM_NOTIFY: a zero-length message from a peer when it connects and when it goes. */
  notify: flag(true),
} as const;

export interface StreamOptions extends SocketOptions, Partial<OptionValues<typeof streamOptions>> {}

export interface Stream extends OptionValues<typeof streamOptions> {}

/** The schemes whose streams carry raw bytes, as libzmq's STREAM takes them. */
const RAW_SCHEMES = /* @__PURE__ */ new Set(["tcp", "ipc"]);

/**
 * STREAM (libzmq's ZMQ_STREAM): plain TCP or unix-socket peers that speak no
 * ZeroMQ protocol. Every message is `[routingId, data]`. A peer's routing id
 * is generated (`00` and four bytes), or the one a connect() named. With
 * `notify` (the default), `[routingId, ""]` arrives when a peer connects and
 * when it goes. `send([routingId, data])` writes the bytes to that peer;
 * `send([routingId, ""])` closes its connection once what was sent before
 * is written. An unknown routing id fails with EHOSTUNREACH.
 */
export class Stream extends SocketBase {
  static {
    defineOptions(this, streamOptions);
  }

  private readonly fq = new FairQueue();
  private readonly table = new RouterTable((n) => this.context.frames.alloc(n));
  /** The addresses this socket connect()ed to: closing such a peer ends that connect, as libzmq. */
  private readonly connectAddresses = new Set<string>();
  private raw: EnginePlugin | undefined;

  constructor(options: StreamOptions = {}) {
    super("STREAM", options);
  }

  /** Receives `[routingId, data]`; data is empty for a connect or disconnect notification. */
  override receive(options?: OperationOptions): Promise<[Uint8Array, Uint8Array]> {
    return super.receive(options) as Promise<[Uint8Array, Uint8Array]>;
  }

  /** Sends `[routingId, data]`; an empty data frame closes that peer's connection. */
  override send(message: readonly [MessageLike, MessageLike], options?: OperationOptions): Promise<void> {
    return super.send(message, options);
  }

  /** Connects, optionally naming the routing id this peer will have (`{ routingId }`), as zeromq.js's Stream.connect. */
  override connect(address: string, options: ConnectCallOptions = {}): void {
    super.connect(address, options);
    this.connectAddresses.add(address);
  }

  override disconnect(address: string): void {
    super.disconnect(address);
    this.connectAddresses.delete(address);
  }

  protected override engineFor(transport: StreamTransport): EnginePlugin {
    if (!RAW_SCHEMES.has(transport.scheme)) {
      throw new ZmqError("EPROTONOSUPPORT", `A Stream socket speaks raw bytes over tcp:// and ipc:// only, not ${transport.scheme}://`);
    }
    return (this.raw ??= sessionEngine(rawEngineFactory(() => this.opt("notify"))));
  }

  protected override connectRoutingId(options: ConnectCallOptions): Uint8Array | undefined {
    const id = options.routingId;
    if (id === undefined) return undefined;
    const bytes = typeof id === "string" ? this.context.frames.fromString(id) : id;
    if (!(bytes instanceof Uint8Array) || bytes.length < 1 || bytes.length > 255 || bytes[0] === 0) {
      throw new ZmqError("EINVAL", `connect() routingId must be 1 to 255 bytes and not start with a zero byte, got ${String(id)}`);
    }
    if (this.table.lookup(bytes)) throw new ZmqError("EINVAL", `connect() routingId ${String(id)} is already in use on this socket`);
    return bytes;
  }

  protected xattachPipe(pipe: Pipe): void {
    this.table.add(pipe, pipe.fixedRoutingId, false);
    this.fq.attach(pipe);
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.table.remove(pipe);
    this.fq.terminated(pipe);
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }

  protected override xrecv(): Msg | undefined {
    const msg = this.fq.recv();
    if (msg === undefined) return undefined;
    return [this.table.idFor(this.fq.lastIn!)!, msg[msg.length - 1]!];
  }

  protected override xsend(msg: Msg): boolean {
    if (msg.length !== 2) {
      throw new ZmqError("EINVAL", `A Stream socket sends [routingId, data], two frames; got ${msg.length}`);
    }
    const pipe = this.table.lookup(msg[0]!);
    if (!pipe) throw new ZmqError("EHOSTUNREACH");
    const body = msg[1]!;
    if (!pipe.write([body])) return false;
    if (body.length === 0) this.closePeer(pipe);
    return true;
  }

  /**
   * The application closed a peer: it is forgotten here at once (later sends
   * to its id fail with EHOSTUNREACH, nothing more is read from it); its
   * engine writes what is queued, then ends the stream. A connect()ed peer
   * is not reconnected, as in libzmq.
   */
  private closePeer(pipe: Pipe): void {
    this.table.remove(pipe);
    this.fq.terminated(pipe);
    this.pipes.delete(pipe);
    pipe.end();
    const address = pipe.endpoint;
    if (this.connectAddresses.has(address)) this.disconnect(address);
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }

  protected override xhasOut(): boolean {
    return true;
  }
}
