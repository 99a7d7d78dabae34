import { type MessageLike, type Msg, type OperationOptions, type Pipe, SocketBase, type SocketOptions, ZmqError } from "@zmq/kernel";
import { SingleFrameQueue, multipartRefused } from "@zmq/kernel";

/** The routing id a SERVER gives a connection: receive() reports it, send() takes it. */
export interface ServerRoutingOptions {
  routingId: number;
}

/** Options of Server.send(). */
export interface ServerSendOptions extends OperationOptions, ServerRoutingOptions {}

/** What Server.receive() resolves to: the frame and the routing id of the connection it came from. */
export type ServerMessage = [Uint8Array, ServerRoutingOptions];

const MAX_ROUTING_ID = 0xffff_ffff;

/**
 * The SERVER implementation (server.ts exports it typed as `Server`, which
 * gives receive() and send() zeromq.js's shapes). Each pipe gets a uint32
 * routing id when it attaches, counting up from a random start and never 0,
 * as libzmq's server_t does; a connect()'s pipe keeps its id across
 * reconnections because the pipe does.
 */
export class Server extends SocketBase {
  private readonly fq = new SingleFrameQueue();
  private readonly byId = new Map<number, Pipe>();
  /** Kept after a pipe goes (weakly), so that a frame read ahead from it still carries its id. */
  private readonly ids = new WeakMap<Pipe, number>();
  private nextId = Math.floor(Math.random() * (MAX_ROUTING_ID + 1));
  /** The routing id of the send() being routed (set around super.send, which routes synchronously). */
  private target = 0;

  constructor(options: SocketOptions = {}) {
    super("SERVER", options);
  }

  /** libzmq's SERVER is thread-safe (ZMQ_THREAD_SAFE), as zeromq.js reports. */
  override get threadSafe(): boolean {
    return true;
  }

  /**
   * Sends one frame to the connection `routingId` names. Rejects with
   * EHOSTUNREACH when no connection has that id, and with EAGAIN at once
   * when that connection is at its high-water mark: a SERVER is always
   * writable, so zeromq.js never waits here either.
   */
  override send(message: MessageLike | readonly [MessageLike], options?: ServerSendOptions): Promise<void> {
    // A closed socket says so first (EBADF from super.send), as zeromq.js's does.
    if (this.closed) return super.send(message, options);
    const refused = multipartRefused(message, this.socketType);
    if (refused) return Promise.reject(refused);
    const id = (options as Partial<ServerSendOptions> | undefined)?.routingId;
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > MAX_ROUTING_ID) {
      const shown = typeof id === "number" ? String(id) : typeof id;
      return Promise.reject(new ZmqError("EINVAL", `${this.socketType} send() needs { routingId }: a uint32 that receive() reported; got ${shown}`));
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
    const message: ServerMessage = [frame, { routingId }];
    return message as unknown as Msg;
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }

  protected override xhasOut(): boolean {
    return true;
  }
}
