import {
  LoadBalancer,
  type MessageLike,
  type Msg,
  type OperationOptions,
  type OptionValues,
  type Pipe,
  SocketBase,
  type SocketOptions,
  conflate,
  defineOptions,
} from "@zmq/kernel";

const pushOptions = { conflate } as const;

export interface PushOptions extends SocketOptions, Partial<OptionValues<typeof pushOptions>> {}

export interface Push extends OptionValues<typeof pushOptions> {}

/**
 * PUSH: sends each message to the next connected PULL peer in turn. When
 * every peer's queue is at its high-water mark, send() waits (up to
 * sendTimeout); it never drops. Cannot receive.
 */
export class Push extends SocketBase {
  static {
    defineOptions(this, pushOptions);
  }

  private readonly lb = new LoadBalancer();

  constructor(options: PushOptions = {}) {
    super("PUSH", options);
  }

  override send(message: MessageLike | readonly MessageLike[], options?: OperationOptions): Promise<void> {
    return super.send(message, options);
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
