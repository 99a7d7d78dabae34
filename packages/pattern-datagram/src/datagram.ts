import { type MessageLike, type Msg, type OperationOptions, type Pipe, SocketBase, type SocketOptions, ZmqError } from "@zmq/kernel";

/**
 * DGRAM (draft; zeromq.js `Datagram`): UDP datagrams with the peer's address.
 * Bind it to a udp:// endpoint (`udp://127.0.0.1:5555`, `udp://*:*`), then
 * receive() resolves `[address, body]`, the address as libzmq writes it
 * ("ip:port" text and a terminating NUL byte), and `send([address, body])`
 * sends body to that address (with or without the NUL). Sending anything but
 * two frames fails with EINVAL; a message to an address that is not
 * "IPv4:port", or a body over 8192 bytes, is dropped, as libzmq drops it.
 * One endpoint at a time: a second bind's pipe is refused, as in libzmq.
 *
 * ```ts
 * const dgram = new Datagram({ context });
 * await dgram.bind("udp://127.0.0.1:5555");
 * for await (const [address, body] of dgram) await dgram.send([address, body]); // echo
 * ```
 */
export class Datagram extends SocketBase {
  private pipe: Pipe | undefined = undefined;

  constructor(options: SocketOptions = {}) {
    super("DGRAM", options);
  }

  /** Sends `[address, body]`: exactly two frames. */
  override send(message: readonly [MessageLike, MessageLike], options?: OperationOptions): Promise<void> {
    if (!Array.isArray(message) || message.length !== 2) {
      const got = Array.isArray(message) ? `${message.length} frames` : "one frame";
      return Promise.reject(new ZmqError("EINVAL", `A DGRAM socket sends [address, body]: exactly two frames; got ${got}`));
    }
    return super.send(message, options);
  }

  protected xattachPipe(pipe: Pipe): void {
    // One peer only: libzmq's dgram_t terminates any further pipe.
    if (this.pipe === undefined) this.pipe = pipe;
    else pipe.terminate();
  }

  protected xpipeTerminated(pipe: Pipe): void {
    if (this.pipe === pipe) this.pipe = undefined;
  }

  protected override xsend(msg: Msg): boolean {
    // Not bound yet: the send waits (sendTimeout applies).
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
