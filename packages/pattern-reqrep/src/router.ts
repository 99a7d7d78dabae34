import {
  type ConnectCallOptions,
  FairQueue,
  type Msg,
  type Pipe,
  RouterTable,
  SocketBase,
  type OptionValues,
  type SocketOptions,
  ZmqError,
  defineOptions,
  flag,
  probeRouter,
} from "@zmq/kernel";

const routerOptions = {
  /** ZMQ_ROUTER_MANDATORY: fail sends to unknown peers (EHOSTUNREACH) and wait at full ones, instead of dropping. */
  mandatory: flag(false),
  /** ZMQ_ROUTER_HANDOVER: a new peer with an id in use takes it over; the old connection is closed. */
  handover: flag(false),
  probeRouter,
} as const;

export interface RouterOptions extends SocketOptions, Partial<OptionValues<typeof routerOptions>> {}

export interface Router extends OptionValues<typeof routerOptions> {}

/**
 * ROUTER: every received message starts with the sending peer's routing id;
 * every sent message starts with the routing id of the peer to send it to.
 * A peer's id is the routingId its connect() named, else the peer's own
 * Identity, else a generated 5-byte id. Sends to unknown or full peers are
 * dropped, unless `mandatory`.
 */
export class Router extends SocketBase {
  static {
    defineOptions(this, routerOptions);
  }

  private readonly fq = new FairQueue();
  private readonly table = new RouterTable((n) => this.context.frames.alloc(n));
  /** Pipes whose peer has not yet said who it is (a connect still shaking hands). */
  private readonly anonymous = new Set<Pipe>();

  constructor(options: RouterOptions = {}) {
    super("ROUTER", options);
  }

  /**
   * Connects, optionally naming the routing id this peer will have here
   * (`{ routingId }`), as zeromq.js's Router.connect.
   */
  override connect(address: string, options: ConnectCallOptions = {}): void {
    super.connect(address, options);
  }

  protected override connectRoutingId(options: ConnectCallOptions): Uint8Array | undefined {
    const id = options.routingId;
    if (id === undefined) return undefined;
    const bytes = typeof id === "string" ? this.context.frames.fromString(id) : id;
    if (!(bytes instanceof Uint8Array) || bytes.length < 1 || bytes.length > 255) {
      throw new ZmqError("EINVAL", `connect() routingId must be 1 to 255 bytes, got ${String(id)}`);
    }
    return bytes;
  }

  protected xattachPipe(pipe: Pipe): void {
    // A connect that named its peer's id is routable at once (messages queue until the handshake).
    if (pipe.awaitingPeer && !pipe.fixedRoutingId) this.anonymous.add(pipe);
    else this.identify(pipe);
  }

  protected override xpeerReady(pipe: Pipe): void {
    if (this.anonymous.delete(pipe)) this.identify(pipe);
  }

  private identify(pipe: Pipe): void {
    const { ok, displaced } = this.table.add(pipe, pipe.fixedRoutingId ?? pipe.routingId, this.opt("handover"));
    // A duplicate id without handover: libzmq ignores the newcomer.
    if (!ok) return;
    if (displaced) {
      this.fq.terminated(displaced);
      this.table.remove(displaced);
      this.pipes.delete(displaced);
      displaced.terminate();
    }
    if (this.opt("probeRouter")) pipe.write([this.context.frames.alloc(0)]);
    this.fq.attach(pipe);
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.anonymous.delete(pipe);
    this.table.remove(pipe);
    this.fq.terminated(pipe);
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }

  protected override xrecv(): Msg | undefined {
    const msg = this.fq.recv();
    if (msg === undefined) return undefined;
    const id = this.table.idFor(this.fq.lastIn!)!;
    const out: Msg = new Array<Uint8Array>(msg.length + 1);
    out[0] = id;
    for (let i = 0; i < msg.length; i++) out[i + 1] = msg[i]!;
    return out;
  }

  protected override xsend(msg: Msg): boolean {
    // A lone routing-id frame carries nothing: libzmq ignores it.
    if (msg.length < 2) return true;
    const pipe = this.table.lookup(msg[0]!);
    if (!pipe) {
      if (this.opt("mandatory")) throw new ZmqError("EHOSTUNREACH");
      return true;
    }
    if (pipe.write(msg.slice(1))) return true;
    // Full: wait (and EAGAIN on timeout) when mandatory, else drop.
    return !this.opt("mandatory");
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }

  protected override xhasOut(): boolean {
    return true;
  }
}
