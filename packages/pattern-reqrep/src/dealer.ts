import { FairQueue, LoadBalancer, type Msg, type Pipe, SocketBase, type SocketOptions, type SocketTypeName, checks } from "@zmq/kernel";

export interface DealerOptions extends SocketOptions {
  /** Send an empty message to each new peer, so a ROUTER learns of it at once. Default false. */
  probeRouter?: boolean;
}

/**
 * DEALER: sends round-robin to its peers and fair-queues what they send,
 * with no envelope of its own. send() waits at the high-water mark.
 */
export class Dealer extends SocketBase {
  protected readonly lb = new LoadBalancer();
  protected readonly fq = new FairQueue();

  constructor(options: DealerOptions = {}, type: SocketTypeName = "DEALER") {
    super(type, options);
  }

  /** Send an empty message to each new peer (ZMQ_PROBE_ROUTER). Default false. */
  get probeRouter(): boolean {
    return this.typeOption("probeRouter", false);
  }
  set probeRouter(value: boolean) {
    this.setTypeOption("probeRouter", value, checks.boolean);
  }

  /** Keep only the newest message queued (ZMQ_CONFLATE; single-frame messages). Default false. */
  get conflate(): boolean {
    return this.typeOption("conflate", false);
  }
  set conflate(value: boolean) {
    this.setTypeOption("conflate", value, checks.boolean);
  }

  protected xattachPipe(pipe: Pipe): void {
    if (this.probeRouter) pipe.write([this.context.frames.alloc(0)]);
    this.fq.attach(pipe);
    this.lb.attach(pipe);
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe);
    this.lb.terminated(pipe);
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }

  protected override xwriteActivated(pipe: Pipe): void {
    this.lb.activated(pipe);
  }

  protected override xsend(msg: Msg): boolean {
    return this.lb.send(msg);
  }

  protected override xrecv(): Msg | undefined {
    return this.fq.recv();
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }

  protected override xhasOut(): boolean {
    return this.lb.hasOut();
  }
}
