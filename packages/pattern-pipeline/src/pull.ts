import {
  FairQueue,
  type Msg,
  type OperationOptions,
  type OptionValues,
  type Pipe,
  SocketBase,
  type SocketOptions,
  conflate,
  defineOptions,
} from "@zmq/kernel";

const pullOptions = { conflate } as const;

export interface PullOptions extends SocketOptions, Partial<OptionValues<typeof pullOptions>> {}

export interface Pull extends OptionValues<typeof pullOptions> {}

/**
 * PULL: receives messages from every connected PUSH peer, one whole
 * message from each in turn. Cannot send.
 */
export class Pull extends SocketBase {
  static {
    defineOptions(this, pullOptions);
  }

  private readonly fq = new FairQueue();

  constructor(options: PullOptions = {}) {
    super("PULL", options);
  }

  override receive(options?: OperationOptions): Promise<Msg> {
    return super.receive(options);
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
