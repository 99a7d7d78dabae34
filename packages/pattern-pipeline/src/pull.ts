import { FairQueue, type Msg, type OperationOptions, type Pipe, SocketBase, type SocketOptions, checks } from "@zmq/kernel";

/**
 * PULL: receives messages from every connected PUSH peer, one whole
 * message from each in turn. Cannot send.
 */
export class Pull extends SocketBase {
  private readonly fq = new FairQueue();

  constructor(options: SocketOptions = {}) {
    super("PULL", options);
  }

  override receive(options?: OperationOptions): Promise<Msg> {
    return super.receive(options);
  }

  /** Keep only the newest message queued (ZMQ_CONFLATE; single-frame messages). Default false. */
  get conflate(): boolean {
    return this.typeOption("conflate", false);
  }
  set conflate(value: boolean) {
    this.setTypeOption("conflate", value, checks.boolean);
  }

  protected xattachPipe(pipe: Pipe): void {
    this.fq.attach(pipe);
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe);
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }

  protected override xrecv(): Msg | undefined {
    return this.fq.recv();
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }
}
