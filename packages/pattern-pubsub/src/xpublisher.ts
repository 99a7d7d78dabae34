import {
  type Command,
  Distributor,
  type Msg,
  type PeerInfo,
  type Pipe,
  Queue,
  SocketBase,
  type SocketOptions,
  type SocketTypeName,
  SubscriptionTrie,
  type OptionValues,
  defineOptions,
  flag,
  invertMatching,
  oneOf,
  option,
} from "@zmq/kernel";

/** Which (un)subscriptions an XPublisher passes to the application. */
export type Verbosity = null | "allSubs" | "allSubsUnsubs";

const welcomeCheck = (v: unknown) => (v === null || typeof v === "string" || v instanceof Uint8Array ? undefined : "a string, a Uint8Array or null");

const xpublisherOptions = {
  /** ZMQ_XPUB_NODROP: wait (EAGAIN on timeout) when a matching subscriber is full, instead of dropping for it. */
  noDrop: flag(false),
  /** ZMQ_XPUB_VERBOSE / VERBOSER: null passes first subscriptions and last unsubscriptions of a topic; "allSubs"; "allSubsUnsubs". */
  verbosity: oneOf<readonly Verbosity[]>(null, [null, "allSubs", "allSubsUnsubs"]),
  /** ZMQ_XPUB_MANUAL: the application applies subscriptions itself with subscribe() / unsubscribe(). */
  manual: flag(false),
  /** ZMQ_XPUB_WELCOME_MSG: a message queued for every new subscriber. */
  welcomeMessage: option<string | Uint8Array | null>(null, welcomeCheck),
  invertMatching,
} as const;

export interface XPublisherOptions extends SocketOptions, Partial<OptionValues<typeof xpublisherOptions>> {}

export interface XPublisher extends OptionValues<typeof xpublisherOptions> {}

/**
 * XPUB: sends each message to the subscribers whose subscription is a
 * prefix of its first frame (a full subscriber misses it, unless
 * `noDrop`), and hands subscriptions to the application as messages
 * (`01 topic` when a topic gets its first subscriber, `00 topic` when its
 * last one leaves, disconnects included). Subscriptions arrive as ZMTP 3.1
 * SUBSCRIBE / CANCEL commands or as `01` / `00` data frames from any peer.
 */
export class XPublisher extends SocketBase {
  static {
    defineOptions(this, xpublisherOptions);
  }

  protected readonly dist = new Distributor();
  protected readonly subscriptions = new SubscriptionTrie();
  private readonly upstream = new Queue<Msg>();
  private lastSubscriber: Pipe | undefined;

  constructor(options: XPublisherOptions = {}, type: SocketTypeName = "XPUB") {
    super(type, options);
  }

  /** Whether (un)subscriptions and other upstream messages reach the application (not for PUB). */
  protected get passesUpstream(): boolean {
    return true;
  }

  /** manual mode: subscribes the connection of the last (un)subscription received to these topics. */
  subscribe(...topics: (string | Uint8Array)[]): void {
    this.manualApply(true, topics);
  }

  /** manual mode: unsubscribes the connection of the last (un)subscription received. */
  unsubscribe(...topics: (string | Uint8Array)[]): void {
    this.manualApply(false, topics);
  }

  private manualApply(subscribe: boolean, topics: (string | Uint8Array)[]): void {
    // Subscriptions are options in libzmq: ENOTSOCK once closed, as zeromq.js says.
    this.options.assertOpen();
    const pipe = this.lastSubscriber;
    if (!pipe || !this.pipes.has(pipe)) return;
    for (const t of topics.length === 0 ? [""] : topics) {
      const topic = typeof t === "string" ? this.context.frames.fromString(t) : t;
      if (subscribe) this.subscriptions.add(topic, pipe);
      else this.subscriptions.remove(topic, pipe);
    }
  }

  protected xattachPipe(pipe: Pipe): void {
    this.dist.attach(pipe);
    const welcome = this.opt("welcomeMessage");
    if (welcome !== null) pipe.write([typeof welcome === "string" ? this.context.frames.fromString(welcome) : welcome]);
    this.drain(pipe);
  }

  protected override xpeerReady(pipe: Pipe, peer: PeerInfo): void {
    // A ZMTP 1.0 peer never subscribes: it gets everything, as libzmq arranges.
    if (peer.protocol === "ZMTP/1.0") this.subscriptions.add(new Uint8Array(0), pipe);
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.dist.terminated(pipe);
    if (this.lastSubscriber === pipe) this.lastSubscriber = undefined;
    const manual = this.opt("manual");
    this.subscriptions.removePipe(pipe, (prefix) => {
      if (!manual && this.passesUpstream) this.upstream.push([this.prefixed(0, prefix)]);
    });
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.drain(pipe);
  }

  protected override xwriteActivated(pipe: Pipe): void {
    this.dist.activated(pipe);
  }

  protected override xpeerCommand(pipe: Pipe, command: Command): void {
    if (command.name === "SUBSCRIBE") this.subscription(pipe, true, command.topic);
    else if (command.name === "CANCEL") this.subscription(pipe, false, command.topic);
  }

  /** Reads everything a subscriber sent: subscriptions, and (XPUB) other messages for the application. */
  private drain(pipe: Pipe): void {
    for (let msg = pipe.read(); msg !== undefined; msg = pipe.read()) {
      let other = false;
      for (const frame of msg) {
        if (frame.length > 0 && (frame[0] === 1 || frame[0] === 0)) this.subscription(pipe, frame[0] === 1, frame.subarray(1));
        else other = true;
      }
      if (other && this.passesUpstream) this.upstream.push(msg);
    }
  }

  private subscription(pipe: Pipe, subscribe: boolean, topic: Uint8Array): void {
    if (this.opt("manual")) {
      this.lastSubscriber = pipe;
      if (this.passesUpstream) this.upstream.push([this.prefixed(subscribe ? 1 : 0, topic)]);
      return;
    }
    const verbosity = this.opt("verbosity");
    let notify: boolean;
    if (subscribe) notify = this.subscriptions.add(topic, pipe) || verbosity !== null;
    else notify = this.subscriptions.remove(topic, pipe) || verbosity === "allSubsUnsubs";
    if (notify && this.passesUpstream) this.upstream.push([this.prefixed(subscribe ? 1 : 0, topic)]);
  }

  private prefixed(byte: number, topic: Uint8Array): Uint8Array {
    const out = this.context.frames.alloc(topic.length + 1);
    out[0] = byte;
    out.set(topic, 1);
    return out;
  }

  /** Marks a pipe for the message being sent (made once: xsend runs for every message). */
  private readonly matchPipe = (pipe: Pipe): void => this.dist.match(pipe);

  protected override xsend(msg: Msg): boolean {
    const dist = this.dist;
    const first = msg[0]!;
    if (this.opt("noDrop")) {
      // All or nothing: wait until every matching subscriber has room.
      let blocked = false;
      this.forEachTarget(first, (pipe) => {
        if (!pipe.checkWrite()) blocked = true;
      });
      if (blocked) return false;
    }
    this.forEachTarget(first, this.matchPipe);
    dist.sendToMatching(msg);
    return true;
  }

  private forEachTarget(topic: Uint8Array, fn: (pipe: Pipe) => void): void {
    if (!this.opt("invertMatching")) {
      this.subscriptions.match(topic, fn);
      return;
    }
    const matched = new Set<Pipe>();
    this.subscriptions.match(topic, (p) => matched.add(p));
    for (const p of this.pipes) if (!matched.has(p)) fn(p);
  }

  protected override xrecv(): Msg | undefined {
    return this.upstream.shift();
  }

  protected override xhasIn(): boolean {
    return this.upstream.length > 0;
  }

  protected override xhasOut(): boolean {
    return true;
  }
}
