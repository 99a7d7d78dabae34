import { LoadBalancer, type MessageLike, type Msg, type OperationOptions, type Pipe, SocketBase, type SocketOptions, checks } from "@zmq/kernel";

/**
 * PUSH: sends each message to the next connected PULL peer in turn. When
 * every peer's queue is at its high-water mark, send() waits (up to
 * sendTimeout); it never drops. Cannot receive.
 */
export class Push extends SocketBase {
  private readonly lb = new LoadBalancer();

  constructor(options: SocketOptions = {}) {
    super("PUSH", options);
  }

  override send(message: MessageLike | readonly MessageLike[], options?: OperationOptions): Promise<void> {
    return super.send(message, options);
  }

  /** Keep only the newest message queued (ZMQ_CONFLATE; single-frame messages). Default false. */
  get conflate(): boolean {
    return this.typeOption("conflate", false);
  }
  set conflate(value: boolean) {
    this.setTypeOption("conflate", value, checks.boolean);
  }

  protected xattachPipe(pipe: Pipe): void {
    this.lb.attach(pipe);
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.lb.terminated(pipe);
  }

  protected override xwriteActivated(pipe: Pipe): void {
    this.lb.activated(pipe);
  }

  protected override xsend(msg: Msg): boolean {
    return this.lb.send(msg);
  }

  protected override xhasOut(): boolean {
    return this.lb.hasOut();
  }
}
