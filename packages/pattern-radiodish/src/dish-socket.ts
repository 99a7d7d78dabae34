import { Distributor, FairQueue, type Msg, type Pipe, SocketBase, type SocketOptions, ZmqError, commandMsg } from "@zmq/kernel";
import { GROUP_MAX_LENGTH, type GroupLike, groupBytes, groupKey } from "./group.js";

/** What Dish.receive() gives with each message. */
export interface DishGroupOptions {
  /** The group the RADIO sent the message to (a Buffer in Node). */
  group: Uint8Array;
}

/** What Dish.receive() resolves to. */
export type DishMessage = [Uint8Array, DishGroupOptions];

/** A RADIO's message as a network peer sends it: the group frame, then one body frame. */
function acceptable(msg: Msg): boolean {
  return msg.length === 2 && msg[0]!.length <= GROUP_MAX_LENGTH;
}

/**
 * The DISH implementation (dish.ts exports it typed as `Dish`, which gives
 * receive() zeromq.js's shape). Joins are kept here and sent to each new
 * peer, again after each reconnection; messages of groups not joined are
 * skipped as they are read, so a late LEAVE also filters what is queued.
 */
export class Dish extends SocketBase {
  private readonly fq = new FairQueue();
  private readonly dist = new Distributor();
  /** Joined groups by key, with their bytes. */
  private readonly joined = new Map<string, Uint8Array>();
  /** Pipes whose peer has finished a handshake at least once. */
  private readonly handshaken = new WeakSet<Pipe>();
  /** A message read ahead by hasIn(). */
  private held: Msg | undefined = undefined;

  constructor(options: SocketOptions = {}) {
    // libzmq's DISH does not wait for its JOIN / LEAVE commands at close: linger 0 unless asked.
    super("DISH", { ...options, linger: options.linger ?? 0 });
  }

  /** libzmq's DISH is thread-safe (ZMQ_THREAD_SAFE), as zeromq.js reports. */
  override get threadSafe(): boolean {
    return true;
  }

  /**
   * Joins groups (strings or Buffers, each at most 255 bytes and ending at a
   * NUL byte, as libzmq keeps them). EINVAL for a group too long or already
   * joined; the groups before it stay joined.
   */
  join(...groups: GroupLike[]): void {
    this.assertReady();
    for (const g of groups) {
      const group = groupBytes(g, this.context.frames, "Dish join()");
      const key = groupKey(group);
      if (this.joined.has(key)) throw new ZmqError("EINVAL", `Dish join(): already joined ${JSON.stringify(key)}`);
      this.joined.set(key, group);
      this.dist.sendToAll(commandMsg({ name: "JOIN", group }, group));
    }
  }

  /** Leaves groups joined before; EINVAL for one not joined (the groups before it are left). */
  leave(...groups: GroupLike[]): void {
    this.assertReady();
    for (const g of groups) {
      const group = groupBytes(g, this.context.frames, "Dish leave()");
      const key = groupKey(group);
      if (!this.joined.delete(key)) throw new ZmqError("EINVAL", `Dish leave(): not joined to ${JSON.stringify(key)}`);
      this.dist.sendToAll(commandMsg({ name: "LEAVE", group }, group));
    }
  }

  protected override readonly validatePeerMessage = acceptable;

  protected xattachPipe(pipe: Pipe): void {
    this.fq.attach(pipe);
    this.dist.attach(pipe);
    this.sendJoins(pipe);
  }

  /** After a reconnection the RADIO knows nothing of us: join again (libzmq's hiccup). */
  protected override xpeerReady(pipe: Pipe): void {
    if (!this.handshaken.has(pipe)) {
      this.handshaken.add(pipe);
      return;
    }
    this.sendJoins(pipe);
  }

  private sendJoins(pipe: Pipe): void {
    for (const group of this.joined.values()) pipe.write(commandMsg({ name: "JOIN", group }, group));
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe);
    this.dist.terminated(pipe);
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }

  protected override xwriteActivated(pipe: Pipe): void {
    this.dist.activated(pipe);
  }

  /** The next message of a joined group, as [group, body]. */
  private next(): Msg | undefined {
    if (this.held !== undefined) {
      const msg = this.held;
      this.held = undefined;
      if (this.joined.has(groupKey(msg[0]!))) return msg;
    }
    for (;;) {
      const msg = this.fq.recv();
      if (msg === undefined) return undefined;
      if (msg.length === 2 && this.joined.has(groupKey(msg[0]!))) return msg;
    }
  }

  protected override xrecv(): Msg | undefined {
    const msg = this.next();
    if (msg === undefined) return undefined;
    const message: DishMessage = [msg[1]!, { group: msg[0]! }];
    return message as unknown as Msg;
  }

  protected override xhasIn(): boolean {
    if (this.held === undefined) this.held = this.next();
    return this.held !== undefined;
  }

  protected override xhasOut(): boolean {
    return true;
  }
}
