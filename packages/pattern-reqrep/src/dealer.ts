import {
  FairQueue,
  LoadBalancer,
  type Msg,
  type OptionValues,
  type Pipe,
  SocketBase,
  type SocketOptions,
  type SocketTypeName,
  conflate,
  defineOptions,
  probeRouter,
} from "@zmq/kernel";

const dealerOptions = { probeRouter, conflate } as const;

export interface DealerOptions extends SocketOptions, Partial<OptionValues<typeof dealerOptions>> {}

export interface Dealer extends OptionValues<typeof dealerOptions> {}

/**
 * DEALER: sends round-robin to its peers and fair-queues what they send,
 * with no envelope of its own. send() waits at the high-water mark.
 */
export class Dealer extends SocketBase {
  static {
    defineOptions(this, dealerOptions);
  }

  protected readonly lb = new LoadBalancer();
  protected readonly fq = new FairQueue();

  constructor(options: DealerOptions = {}, type: SocketTypeName = "DEALER") {
    super(type, options);
  }

  protected xattachPipe(pipe: Pipe): void {
    if (this.opt("probeRouter")) pipe.write([this.context.frames.alloc(0)]);
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
