import { LoadBalancer, type MessageLike, type Msg, type OperationOptions, type Pipe, SocketBase, type SocketOptions } from "@zmq/kernel";
import { SingleFrameQueue, multipartRefused } from "@zmq/kernel";

/**
 * CLIENT (draft): talks to SERVER peers with single-frame messages. Sends go
 * round-robin to the connected servers, waiting (up to sendTimeout) while all
 * are at their high-water mark; receives are fair-queued. Sending more than
 * one frame fails with EINVAL; a multipart message from a peer is dropped
 * whole, as libzmq does.
 */
export class Client extends SocketBase {
  private readonly lb = new LoadBalancer();
  private readonly fq = new SingleFrameQueue();

  constructor(options: SocketOptions = {}) {
    super("CLIENT", options);
  }

  /** libzmq's CLIENT is thread-safe (ZMQ_THREAD_SAFE), as zeromq.js reports. */
  override get threadSafe(): boolean {
    return true;
  }

  /** Sends one frame (a one-element array is accepted too). */
  override send(message: MessageLike | readonly [MessageLike], options?: OperationOptions): Promise<void> {
    const refused = this.closed ? undefined : multipartRefused(message, "CLIENT");
    return refused ? Promise.reject(refused) : super.send(message, options);
  }

  /** Receives the next message, as a one-frame array like zeromq.js's `[msg]`. */
  override receive(options?: OperationOptions): Promise<[Uint8Array]> {
    return super.receive(options) as Promise<[Uint8Array]>;
  }

  protected xattachPipe(pipe: Pipe): void {
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
    const frame = this.fq.recv();
    return frame === undefined ? undefined : [frame];
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }

  protected override xhasOut(): boolean {
    return this.lb.hasOut();
  }
}

export interface Client {
  [Symbol.asyncIterator](): AsyncIterableIterator<[Uint8Array]>;
}
