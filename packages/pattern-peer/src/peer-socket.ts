import {
  type MessageLike,
  type Msg,
  type OperationOptions,
  type Pipe,
  SocketBase,
  type SocketOptions,
  type ConnectCallOptions,
  ZmqError,
} from "@zmq/kernel";
import { SingleFrameQueue, multipartRefused } from "@zmq/kernel";

/** The routing id a PEER gives a connection: connect() returns it, receive() reports it, send() takes it. */
export interface PeerRoutingOptions {
  routingId: number;
}

/** Options of Peer.send(). */
export interface PeerSendOptions extends OperationOptions, PeerRoutingOptions {}

/** What Peer.receive() resolves to: the frame and the routing id of the connection it came from. */
export type PeerMessage = [Uint8Array, PeerRoutingOptions];

const MAX_ROUTING_ID = 0xffff_ffff;

/**
 * The PEER implementation (peer.ts exports it typed as `Peer`, which gives
 * receive() and send() the shapes of zeromq.js's Server). A PEER is libzmq's
 * SERVER whose connect() returns the new connection's routing id at once
 * (zmq_connect_peer), so that a message can be queued for it before the
 * handshake. Each pipe gets a uint32 routing id when it attaches, counting
 * up from a random start and never 0; a connect()'s pipe keeps its id
 * across reconnections because the pipe does.
 */
export class Peer extends SocketBase {
  private readonly fq = new SingleFrameQueue();
  private readonly byId = new Map<number, Pipe>();
  /** Kept after a pipe goes (weakly), so that a frame read ahead from it still carries its id. */
  private readonly ids = new WeakMap<Pipe, number>();
  private nextId = Math.floor(Math.random() * (MAX_ROUTING_ID + 1));
  /** The routing id of the send() being routed (set around super.send, which routes synchronously). */
  private target = 0;

  /** The pipe the last attachment brought (connect() reads it). */
  private attached: Pipe | undefined = undefined;

  constructor(options: SocketOptions = {}) {
    super("PEER", options);
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
    if (this.immediate) {
      throw new ZmqError("EINVAL", "A PEER cannot connect() with immediate set: there is no routing id to return before the handshake", address);
    }
    this.attached = undefined;
    super.connect(address, options);
    const pipe = this.attached as Pipe | undefined;
    this.attached = undefined;
    const id = pipe === undefined ? undefined : this.ids.get(pipe);
    if (id === undefined) throw new ZmqError("EINVAL", `connect() made no connection to return a routing id for`, address);
    return id;
  }

  /** libzmq's PEER is thread-safe (ZMQ_THREAD_SAFE). */
  override get threadSafe(): boolean {
    return true;
  }

  /**
   * Sends one frame to the connection `routingId` names. Rejects with
   * EHOSTUNREACH when no connection has that id, and with EAGAIN at once
   * when that connection is at its high-water mark: like libzmq's SERVER,
   * whose send it shares, a PEER is always writable and never waits.
   */
  override send(message: MessageLike | readonly [MessageLike], options?: PeerSendOptions): Promise<void> {
    // A closed socket says so first (EBADF from super.send), as zeromq.js's does.
    if (this.closed) return super.send(message, options);
    const refused = multipartRefused(message, this.socketType);
    if (refused) return Promise.reject(refused);
    const id = (options as Partial<PeerSendOptions> | undefined)?.routingId;
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > MAX_ROUTING_ID) {
      const shown = typeof id === "number" ? String(id) : typeof id;
      return Promise.reject(
        new ZmqError("EINVAL", `${this.socketType} send() needs { routingId }: a uint32 that connect() returned or receive() reported; got ${shown}`),
      );
    }
    this.target = id;
    try {
      return super.send(message, options);
    } finally {
      this.target = 0;
    }
  }

  protected xattachPipe(pipe: Pipe): void {
    let id = this.nextId;
    // Never 0, and never one in use (only possible after 2^32 connections).
    while (id === 0 || this.byId.has(id)) id = (id + 1) >>> 0;
    this.nextId = (id + 1) >>> 0;
    this.byId.set(id, pipe);
    this.ids.set(pipe, id);
    this.fq.attach(pipe);
    this.attached = pipe;
  }

  protected xpipeTerminated(pipe: Pipe): void {
    const id = this.ids.get(pipe);
    if (id !== undefined && this.byId.get(id) === pipe) this.byId.delete(id);
    this.fq.terminated(pipe);
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }

  protected override xsend(msg: Msg): boolean {
    const id = this.target;
    const pipe = this.byId.get(id);
    // A connection released here (disconnect) or closed at the other end is gone, though the pipe's end is reported on a microtask.
    if (!pipe || pipe.terminated || pipe.peer.terminated) throw new ZmqError("EHOSTUNREACH", `No connection with routing id ${id}`);
    if (!pipe.write(msg)) throw new ZmqError("EAGAIN", `The connection with routing id ${id} is at its high-water mark`);
    return true;
  }

  protected override xrecv(): Msg | undefined {
    const frame = this.fq.recv();
    if (frame === undefined) return undefined;
    const routingId = this.ids.get(this.fq.lastIn!)!;
    const message: PeerMessage = [frame, { routingId }];
    return message as unknown as Msg;
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }

  protected override xhasOut(): boolean {
    return true;
  }
}
