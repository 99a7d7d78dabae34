import {
  CountedTrie,
  Distributor,
  FairQueue,
  type Msg,
  type Pipe,
  SocketBase,
  type SocketOptions,
  type SocketTypeName,
  defineOptions,
  subscriptionMsg,
} from "@zmq/kernel";

/**
 * XSUB: receives from every publisher (fair-queued, unfiltered) and sends
 * upstream to all of them. A message whose first byte is 1 or 0 is a
 * subscription or cancel: counted, re-sent to every new publisher (each
 * topic once), and a cancel goes upstream only when its count reaches 0.
 * Other messages go upstream as they are. Linger defaults to 0, as libzmq.
 */
export class XSubscriber extends SocketBase {
  static {
    defineOptions(this, {}, { linger: 0 });
  }

  protected readonly fq = new FairQueue();
  protected readonly dist = new Distributor();
  protected readonly subscriptions = new CountedTrie();

  constructor(options: SocketOptions = {}, type: SocketTypeName = "XSUB") {
    super(type, options);
  }

  protected xattachPipe(pipe: Pipe): void {
    this.fq.attach(pipe);
    this.dist.attach(pipe);
    this.subscriptions.each((prefix) => pipe.write(subscriptionMsg(this.prefixed(1, prefix))));
  }

  /** Pipes whose peer has finished a handshake at least once. */
  private readonly handshaken = new WeakSet<Pipe>();

  /** After a reconnect the new peer knows nothing: send every subscription again (libzmq's "hiccup"). */
  protected override xpeerReady(pipe: Pipe): void {
    if (!this.handshaken.has(pipe)) {
      this.handshaken.add(pipe);
      return;
    }
    this.subscriptions.each((prefix) => pipe.write(subscriptionMsg(this.prefixed(1, prefix))));
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe);
    this.dist.terminated(pipe);
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }

  protected override xwriteActivated(pipe: Pipe): void {
    this.dist.activated(pipe);
  }

  protected prefixed(byte: number, topic: Uint8Array): Uint8Array {
    const out = this.context.frames.alloc(topic.length + 1);
    out[0] = byte;
    out.set(topic, 1);
    return out;
  }

  /** Counts and forwards a subscription; `asCommand` when the socket made it (SUBSCRIBE for 3.1 peers). */
  protected upstream(msg: Msg, asCommand: boolean): void {
    const frame = msg[0]!;
    if (msg.length === 1 && frame.length > 0 && frame[0] === 1) {
      this.subscriptions.add(frame.subarray(1));
    } else if (msg.length === 1 && frame.length > 0 && frame[0] === 0) {
      if (!this.subscriptions.remove(frame.subarray(1))) return;
    } else {
      this.dist.sendToAll(msg);
      return;
    }
    this.dist.sendToAll(asCommand ? subscriptionMsg(frame) : msg);
  }

  protected override xsend(msg: Msg): boolean {
    this.upstream(msg, false);
    return true;
  }

  protected override xrecv(): Msg | undefined {
    return this.fq.recv();
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }

  protected override xhasOut(): boolean {
    return true;
  }
}
