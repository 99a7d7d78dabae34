import { type MessageLike, type Msg, type OperationOptions, type Pipe, SocketBase, type SocketOptions } from "@zmq/kernel";
import { SingleFrameQueue, multipartRefused } from "@zmq/kernel";

/**
 * CHANNEL (draft, libzmq 4.3's ZMQ_CHANNEL): the thread-safe PAIR, for
 * single-frame messages. An exclusive connection to one other CHANNEL: as
 * in libzmq, a later connection's pipe is closed at once while the first
 * one is there. send() waits at the high-water mark (up to sendTimeout).
 * Sending more than one frame fails with EINVAL; a multipart message from
 * the peer is dropped whole.
 */
export class Channel extends SocketBase {
  private pipe: Pipe | undefined = undefined;
  /** Reads the one pipe, dropping multipart messages (a fair queue of one). */
  private readonly fq = new SingleFrameQueue();

  constructor(options: SocketOptions = {}) {
    super("CHANNEL", options);
  }

  /** libzmq's CHANNEL is thread-safe (ZMQ_THREAD_SAFE). */
  override get threadSafe(): boolean {
    return true;
  }

  /** Sends one frame (a one-element array is accepted too). */
  override send(message: MessageLike | readonly [MessageLike], options?: OperationOptions): Promise<void> {
    const refused = this.closed ? undefined : multipartRefused(message, "CHANNEL");
    return refused ? Promise.reject(refused) : super.send(message, options);
  }

  /** Receives the next message, as a one-frame array. */
  override receive(options?: OperationOptions): Promise<[Uint8Array]> {
    return super.receive(options) as Promise<[Uint8Array]>;
  }

  protected xattachPipe(pipe: Pipe): void {
    if (this.pipe) {
      this.pipes.delete(pipe);
      pipe.terminate();
      return;
    }
    this.pipe = pipe;
    this.fq.attach(pipe);
  }

  protected xpipeTerminated(pipe: Pipe): void {
    if (this.pipe !== pipe) return;
    this.pipe = undefined;
    this.fq.terminated(pipe);
  }

  protected override xsend(msg: Msg): boolean {
    return this.pipe !== undefined && this.pipe.write(msg);
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }

  protected override xrecv(): Msg | undefined {
    const frame = this.fq.recv();
    return frame === undefined ? undefined : [frame];
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }

  protected override xhasOut(): boolean {
    return this.pipe !== undefined && this.pipe.checkWrite();
  }
}

export interface Channel {
  [Symbol.asyncIterator](): AsyncIterableIterator<[Uint8Array]>;
}
