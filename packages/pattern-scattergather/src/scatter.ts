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
import { multipartRefused } from "@zmq/kernel";

const scatterOptions = { conflate } as const;

export interface ScatterOptions extends SocketOptions, Partial<OptionValues<typeof scatterOptions>> {}

export interface Scatter extends OptionValues<typeof scatterOptions> {}

/**
 * SCATTER (draft): PUSH for single-frame messages. Each message goes to the
 * next connected GATHER in turn; when every peer is at its high-water mark,
 * send() waits (up to sendTimeout). Sending more than one frame fails with
 * EINVAL. Cannot receive.
 */
export class Scatter extends SocketBase {
  static {
    defineOptions(this, scatterOptions);
  }

  private readonly lb = new LoadBalancer();

  constructor(options: ScatterOptions = {}) {
    super("SCATTER", options);
  }

  /** libzmq's SCATTER is thread-safe (ZMQ_THREAD_SAFE), as zeromq.js reports. */
  override get threadSafe(): boolean {
    return true;
  }

  /** Sends one frame (a one-element array is accepted too). */
  override send(message: MessageLike | readonly [MessageLike], options?: OperationOptions): Promise<void> {
    const refused = this.closed ? undefined : multipartRefused(message, "SCATTER");
    return refused ? Promise.reject(refused) : super.send(message, options);
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
