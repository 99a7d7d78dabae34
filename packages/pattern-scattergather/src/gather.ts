import { type Msg, type OperationOptions, type OptionValues, type Pipe, SocketBase, type SocketOptions, conflate, defineOptions } from "@zmq/kernel";
import { SingleFrameQueue } from "@zmq/kernel";

const gatherOptions = { conflate } as const;

export interface GatherOptions extends SocketOptions, Partial<OptionValues<typeof gatherOptions>> {}

export interface Gather extends OptionValues<typeof gatherOptions> {
  [Symbol.asyncIterator](): AsyncIterableIterator<[Uint8Array]>;
}

/**
 * GATHER (draft): PULL for single-frame messages. Receives from every
 * connected SCATTER, one message from each in turn, as `[message]`. A
 * multipart message from a peer is dropped whole, as libzmq does. Cannot
 * send.
 */
export class Gather extends SocketBase {
  static {
    defineOptions(this, gatherOptions);
  }

  private readonly fq = new SingleFrameQueue();

  constructor(options: GatherOptions = {}) {
    super("GATHER", options);
  }

  /** libzmq's GATHER is thread-safe (ZMQ_THREAD_SAFE), as zeromq.js reports. */
  override get threadSafe(): boolean {
    return true;
  }

  /** Receives the next message, as a one-frame array like zeromq.js's `[msg]`. */
  override receive(options?: OperationOptions): Promise<[Uint8Array]> {
    return super.receive(options) as Promise<[Uint8Array]>;
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
    const frame = this.fq.recv();
    return frame === undefined ? undefined : [frame];
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }
}
