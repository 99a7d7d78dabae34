import { type Msg, type Pipe, SocketBase, type SocketOptions } from "@zmq/kernel";

/**
 * PAIR: an exclusive connection to one other PAIR. As in libzmq, only the
 * first peer gets traffic: a later connection's pipe is closed at once
 * (its handshake may complete, nothing flows). send() waits at the HWM.
 */
export class Pair extends SocketBase {
  private pipe: Pipe | undefined;

  constructor(options: SocketOptions = {}) {
    super("PAIR", options);
  }

  protected xattachPipe(pipe: Pipe): void {
    if (this.pipe) {
      this.pipes.delete(pipe);
      pipe.terminate();
      return;
    }
    this.pipe = pipe;
  }

  protected xpipeTerminated(pipe: Pipe): void {
    if (this.pipe === pipe) this.pipe = undefined;
  }

  protected override xsend(msg: Msg): boolean {
    return this.pipe !== undefined && this.pipe.write(msg);
  }

  protected override xrecv(): Msg | undefined {
    return this.pipe?.read();
  }

  protected override xhasIn(): boolean {
    return this.pipe !== undefined && this.pipe.checkRead();
  }

  protected override xhasOut(): boolean {
    return this.pipe !== undefined && this.pipe.checkWrite();
  }
}
