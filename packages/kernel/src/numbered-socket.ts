import type { SocketTypeName } from "@zmq/wire";
import { ZmqError } from "./errors.js";
import type { MessageLike, Msg } from "./msg.js";
import type { Pipe } from "./pipe.js";
import { type OperationOptions, SocketBase, type SocketOptions } from "./socket-base.js";
import { SingleFrameQueue, multipartRefused } from "./strategies/single-frame-queue.js";

const MAX_ROUTING_ID = 0xffff_ffff;

/**
 * Routing for the sockets that know each connection by a uint32 (SERVER,
 * PEER): each pipe gets its id when it attaches, counting up from a random
 * start and never 0, as libzmq's server_t does (a connect()'s pipe keeps its
 * id across reconnections because the pipe does); single frames come in
 * fair-queued with the id of their pipe, and go out to the pipe an id names.
 */
class NumberedPipes {
  private readonly fq = new SingleFrameQueue();
  private readonly byId = new Map<number, Pipe>();
  /** Kept after a pipe goes (weakly), so that a frame read ahead from it still carries its id. */
  private readonly ids = new WeakMap<Pipe, number>();
  private nextId = Math.floor(Math.random() * (MAX_ROUTING_ID + 1));

  attach(pipe: Pipe): number {
    let id = this.nextId;
    // Never 0, and never one in use (only possible after 2^32 connections).
    while (id === 0 || this.byId.has(id)) id = (id + 1) >>> 0;
    this.nextId = (id + 1) >>> 0;
    this.byId.set(id, pipe);
    this.ids.set(pipe, id);
    this.fq.attach(pipe);
    return id;
  }

  terminated(pipe: Pipe): void {
    const id = this.ids.get(pipe);
    if (id !== undefined && this.byId.get(id) === pipe) this.byId.delete(id);
    this.fq.terminated(pipe);
  }

  activated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }

  /** The routing id a pipe was given, if it was attached. */
  idOf(pipe: Pipe): number | undefined {
    return this.ids.get(pipe);
  }

  /** Writes to the pipe `id` names: EHOSTUNREACH when there is none, EAGAIN when it is at its high-water mark (never waits). */
  send(id: number, msg: Msg): true {
    const pipe = this.byId.get(id);
    // A connection released here (disconnect) or closed at the other end is gone, though the pipe's end is reported on a microtask.
    if (!pipe || pipe.terminated || pipe.peer.terminated) throw new ZmqError("EHOSTUNREACH", `No connection with routing id ${id}`);
    if (!pipe.write(msg)) throw new ZmqError("EAGAIN", `The connection with routing id ${id} is at its high-water mark`);
    return true;
  }

  /** The next frame in fair order and the routing id of its pipe, as zeromq.js's Server.receive() gives them. */
  recv(): [Uint8Array, { routingId: number }] | undefined {
    const frame = this.fq.recv();
    if (frame === undefined) return undefined;
    return [frame, { routingId: this.ids.get(this.fq.lastIn!)! }];
  }

  hasIn(): boolean {
    return this.fq.hasIn();
  }
}

/**
 * A socket that knows each connection by a uint32 routing id (SERVER, PEER:
 * libzmq's peer_t is a server_t): receive() gives `[frame, { routingId }]`,
 * send(frame, { routingId }) goes to that connection, with EHOSTUNREACH when
 * it is gone and EAGAIN at once at its high-water mark (always writable,
 * never waits), EINVAL for more than one frame or a missing id.
 */
export abstract class NumberedSocket extends SocketBase {
  private readonly pipesById = new NumberedPipes();
  /** The routing id of the send() being routed (set around super.send, which routes synchronously). */
  private target = 0;

  /** @param idSource where a routing id comes from, for the EINVAL of a send() without one */
  protected constructor(
    socketType: SocketTypeName,
    options: SocketOptions,
    private readonly idSource: string,
  ) {
    super(socketType, options);
  }

  /** These socket types are thread-safe in libzmq (ZMQ_THREAD_SAFE), as zeromq.js reports. */
  override get threadSafe(): boolean {
    return true;
  }

  override send(message: MessageLike | readonly [MessageLike], options?: OperationOptions & { routingId: number }): Promise<void> {
    // A closed socket says so first (EBADF from super.send), as zeromq.js's does.
    if (this.closed) return super.send(message, options);
    const refused = multipartRefused(message, this.socketType);
    if (refused) return Promise.reject(refused);
    const id = (options as { routingId?: unknown } | undefined)?.routingId;
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > MAX_ROUTING_ID) {
      const shown = typeof id === "number" ? String(id) : typeof id;
      return Promise.reject(new ZmqError("EINVAL", `${this.socketType} send() needs { routingId }: a uint32 that ${this.idSource}; got ${shown}`));
    }
    this.target = id;
    try {
      return super.send(message, options);
    } finally {
      this.target = 0;
    }
  }

  /** The routing id a pipe was given, if it was attached. */
  protected routingIdOf(pipe: Pipe): number | undefined {
    return this.pipesById.idOf(pipe);
  }

  protected xattachPipe(pipe: Pipe): void {
    this.pipesById.attach(pipe);
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.pipesById.terminated(pipe);
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.pipesById.activated(pipe);
  }

  protected override xsend(msg: Msg): boolean {
    return this.pipesById.send(this.target, msg);
  }

  protected override xrecv(): Msg | undefined {
    // Not a Msg: receive() resolves zeromq.js's [frame, { routingId }] for these sockets.
    return this.pipesById.recv() as unknown as Msg | undefined;
  }

  protected override xhasIn(): boolean {
    return this.pipesById.hasIn();
  }

  protected override xhasOut(): boolean {
    return true;
  }
}
