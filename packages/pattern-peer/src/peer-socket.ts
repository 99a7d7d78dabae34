import {
  type ConnectCallOptions,
  type MessageLike,
  NumberedSocket,
  type OperationOptions,
  type Pipe,
  type SocketOptions,
  ZmqError,
} from "@zmq/kernel";
/** The routing id a PEER gives a connection: connect() returns it, receive() reports it, send() takes it. */
export interface PeerRoutingOptions {
  routingId: number;
}

/** Options of Peer.send(). */
export interface PeerSendOptions extends OperationOptions, PeerRoutingOptions {}

/** What Peer.receive() resolves to: the frame and the routing id of the connection it came from. */
export type PeerMessage = [Uint8Array, PeerRoutingOptions];

/**
 * The PEER implementation (peer.ts exports it typed as `Peer`, which gives
 * receive() and send() the shapes of zeromq.js's Server). A PEER is libzmq's
 * SERVER (a NumberedSocket here) whose connect() returns the new
 * connection's routing id at once (zmq_connect_peer), so that a message can
 * be queued for it before the handshake.
 */
export class Peer extends NumberedSocket {
  /** The pipe the last attachment brought (connect() reads it). */
  private attached: Pipe | undefined = undefined;

  constructor(options: SocketOptions = {}) {
    super("PEER", options, "connect() returned or receive() reported");
  }

  /**
   * Connects, and returns the routing id of the new connection at once, as
   * libzmq's zmq_connect_peer: send() may use it before the handshake (the
   * message waits in the connection's queue). Not with `immediate`, where
   * the connection's queue only exists once the handshake is done (EINVAL;
   * libzmq fails with EFAULT).
   */
  override connect(address: string, options: ConnectCallOptions = {}): number {
    this.assertReady();
    if (this.opt("immediate")) {
      throw new ZmqError("EINVAL", "A PEER cannot connect() with immediate set: there is no routing id to return before the handshake", address);
    }
    this.attached = undefined;
    super.connect(address, options);
    const pipe = this.attached as Pipe | undefined;
    this.attached = undefined;
    const id = pipe === undefined ? undefined : this.routingIdOf(pipe);
    if (id === undefined) throw new ZmqError("EINVAL", `connect() made no connection to return a routing id for`, address);
    return id;
  }

  /**
   * Sends one frame to the connection `routingId` names. Rejects with
   * EHOSTUNREACH when no connection has that id, and with EAGAIN at once
   * when that connection is at its high-water mark: like libzmq's SERVER,
   * whose send it shares, a PEER is always writable and never waits.
   */
  override send(message: MessageLike | readonly [MessageLike], options?: PeerSendOptions): Promise<void> {
    return super.send(message, options);
  }

  protected override xattachPipe(pipe: Pipe): void {
    super.xattachPipe(pipe);
    this.attached = pipe;
  }
}
