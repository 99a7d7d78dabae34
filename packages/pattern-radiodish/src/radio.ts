import {
  type Command,
  Distributor,
  type MessageLike,
  type Msg,
  type OperationOptions,
  type Pipe,
  SocketBase,
  type SocketOptions,
  ZmqError,
  commandOf,
} from "@zmq/kernel";
import { type GroupLike, groupBytes, groupKey } from "./group.js";

/** Options of Radio.send(). */
export interface RadioSendOptions extends OperationOptions {
  /** The group the message goes to: only DISH peers that joined it get it. At most 255 bytes; ends at a NUL byte. */
  group: GroupLike;
}

/**
 * RADIO (draft): sends single-frame messages to a group; each DISH peer
 * gets the messages of the groups it joined. A peer reached over udp://
 * gets every message (the DISH filters), as in libzmq. Like PUB, a peer at
 * its high-water mark misses the message: send() never waits. Sending more
 * than one frame fails with EINVAL; a Radio cannot receive.
 *
 * On ZMTP a message is two frames, the group (MORE) and the body, as
 * libzmq's radio session writes them; DISH peers join and leave with JOIN
 * and LEAVE commands (or command messages over inproc).
 *
 * ```ts
 * const radio = new Radio({ context });
 * radio.connect("tcp://127.0.0.1:5556");
 * await radio.send("21 degrees", { group: "weather" });
 * ```
 */
export class Radio extends SocketBase {
  private readonly dist = new Distributor();
  /** Which pipes joined each group, and how often (a peer may JOIN twice; each LEAVE undoes one). */
  private readonly groups = new Map<string, Map<Pipe, number>>();
  /** Pipes to udp:// endpoints: they get everything. */
  private readonly everything = new Set<Pipe>();
  /** Pipes whose peer has finished a handshake at least once. */
  private readonly handshaken = new WeakSet<Pipe>();

  constructor(options: SocketOptions = {}) {
    super("RADIO", options);
  }

  /** libzmq's RADIO is thread-safe (ZMQ_THREAD_SAFE), as zeromq.js reports. */
  override get threadSafe(): boolean {
    return true;
  }

  /** Sends one frame to the DISH peers that joined `options.group`. */
  override send(message: MessageLike | readonly [MessageLike], options?: RadioSendOptions): Promise<void> {
    if (Array.isArray(message) && message.length > 1) {
      return Promise.reject(new ZmqError("EINVAL", `A RADIO socket sends single-frame messages only; got ${message.length} frames`));
    }
    let group: Uint8Array;
    try {
      if (options === undefined || options.group === undefined) throw new ZmqError("EINVAL", "RADIO send() needs { group }");
      group = groupBytes(options.group, this.context.frames, "RADIO send()");
    } catch (error) {
      return Promise.reject(error);
    }
    const body = (Array.isArray(message) ? message[0] : message) as MessageLike;
    return super.send([group, body], options);
  }

  protected xattachPipe(pipe: Pipe): void {
    this.dist.attach(pipe);
    if (pipe.endpoint.startsWith("udp://")) this.everything.add(pipe);
    // Over inproc the DISH's joins may already wait in the pipe.
    else this.drain(pipe);
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.forget(pipe);
    this.everything.delete(pipe);
    this.dist.terminated(pipe);
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.drain(pipe);
  }

  protected override xwriteActivated(pipe: Pipe): void {
    this.dist.activated(pipe);
  }

  /**
   * A connect()'s pipe outlives its connections. The peer of a new
   * connection sends its joins again, so what the last one joined is
   * forgotten here; libzmq keeps it (and counts the new joins on top, so
   * that a later LEAVE leaves the group joined at the radio).
   */
  protected override xpeerReady(pipe: Pipe): void {
    if (!this.handshaken.has(pipe)) {
      this.handshaken.add(pipe);
      return;
    }
    this.forget(pipe);
  }

  private forget(pipe: Pipe): void {
    for (const [key, pipes] of this.groups) {
      if (pipes.delete(pipe) && pipes.size === 0) this.groups.delete(key);
    }
  }

  /** JOIN / LEAVE from a ZMTP peer. */
  protected override xpeerCommand(pipe: Pipe, command: Command): void {
    this.apply(pipe, command);
  }

  /** Reads what a peer's pipe holds: JOIN / LEAVE command messages (inproc); anything else is dropped, as libzmq does. */
  private drain(pipe: Pipe): void {
    for (let msg = pipe.read(); msg !== undefined; msg = pipe.read()) {
      const command = commandOf(msg);
      if (command !== undefined) this.apply(pipe, command);
    }
  }

  private apply(pipe: Pipe, command: Command): void {
    if (command.name === "JOIN") {
      const key = groupKey(command.group);
      let pipes = this.groups.get(key);
      if (!pipes) this.groups.set(key, (pipes = new Map<Pipe, number>()));
      pipes.set(pipe, (pipes.get(pipe) ?? 0) + 1);
    } else if (command.name === "LEAVE") {
      const key = groupKey(command.group);
      const pipes = this.groups.get(key);
      const n = pipes?.get(pipe);
      if (pipes === undefined || n === undefined) return;
      if (n > 1) pipes.set(pipe, n - 1);
      else if (pipes.delete(pipe) && pipes.size === 0) this.groups.delete(key);
    }
  }

  /** `msg` is [group, body], made by send(). */
  protected override xsend(msg: Msg): boolean {
    const dist = this.dist;
    const pipes = this.groups.get(groupKey(msg[0]!));
    if (pipes) for (const pipe of pipes.keys()) dist.match(pipe);
    for (const pipe of this.everything) dist.match(pipe);
    dist.sendToMatching(msg);
    return true;
  }

  protected override xhasOut(): boolean {
    return true;
  }
}
