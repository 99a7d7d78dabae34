/**
 * Pipes: a pair of message queues joining a socket to a peer (another
 * socket over inproc, or a session that owns a network connection).
 *
 * Each end reads its own inbound queue and writes into its peer's. An end's
 * writes are refused once the peer's queue holds `hwm` messages (0 means no
 * limit); the writer is told `writeActivated` again once the reader has
 * brought the queue down by the low-water mark, `(hwm + 1) >> 1`. A reader
 * that found its queue empty is told `readActivated` when a message arrives.
 * Activation is synchronous; termination is reported on a microtask so that
 * strategies never see a pipe vanish in the middle of their own loop.
 */
import type { FrameKeeper, Msg } from "./msg.js";
import { Queue } from "./queue.js";

/** What a pipe's owner hears about it. */
export interface PipeOwner {
  /** A message is readable on a pipe whose last read found it empty. */
  readActivated(pipe: Pipe): void;
  /** A pipe whose last write was refused has room again. */
  writeActivated(pipe: Pipe): void;
  /** The pipe is gone: its peer closed it, or it was terminated. */
  pipeTerminated(pipe: Pipe): void;
  /** The other end is about to be terminated at once (linger 0): move out what can go without waiting, now. */
  flushNow?(pipe: Pipe): void;
}

/** The low-water mark for a high-water mark, as libzmq computes it. */
export function lowWaterMark(hwm: number): number {
  return (hwm + 1) >> 1;
}

let nextPipeId = 1;

export class Pipe {
  /** A process-unique number, for diagnostics. */
  readonly id = nextPipeId++;
  /** The other end. */
  peer!: Pipe;
  /** Who hears this end's events. */
  owner: PipeOwner | null = null;
  /** The most messages this end may have waiting in its peer's queue; 0 for no limit. */
  hwm: number;
  /** The endpoint this pipe was made for (bind or connect address), for unbind / disconnect. */
  endpoint = "";
  /** The peer's routing id, when it has one (ROUTER uses it). */
  routingId: Uint8Array | undefined = undefined;
  /** A routing id the application chose for this connection (ROUTER's connect(address, { routingId })). */
  fixedRoutingId: Uint8Array | undefined = undefined;
  /** True while the peer behind this pipe has not finished its handshake (a connect still under way). */
  awaitingPeer = false;
  /** Keep only the newest message waiting at this end (ZMQ_CONFLATE): a write replaces what is unread. */
  conflate = false;
  /**
   * How `hwm` follows the send HWM of the socket writing at this end and the
   * receive HWM of the one reading at the other (`tuned`), so that a change
   * of either reaches a pipe already made, as libzmq's does; unset, it stays.
   */
  private tune: ((send: number, receive: number) => number) | undefined = undefined;
  private hwmSend = 0;
  private hwmReceive = 0;

  /**
   * Set by a socket on its ends: makes the caller's small frames of a
   * message it writes its own (copies them), for a message that stays
   * where they could change before they are read (see `takesAtOnce`).
   */
  keeper: FrameKeeper | undefined = undefined;
  /**
   * Set on an end whose owner, told `readActivated`, either encodes what it
   * reads at once (a ZMTP engine copies the bytes into its output) or leaves
   * it queued: the writer's keeper is then needed only for a message still
   * queued after the telling. Every other reader gets kept messages.
   */
  takesAtOnce = false;
  /**
   * Set by each write on a `takesAtOnce` end: whether the reader should take
   * the message at once (sparing its copy, and encoding it while it is at
   * hand), or leave it for its batch, as for a message going to many pipes
   * (copied once already, and cheaper encoded by each reader in a batch).
   */
  takeNow = false;

  /** Slots that strategies use to find this pipe in O(1). */
  lbIndex = -1;
  fqIndex = -1;
  distIndex = -1;

  private readonly inbound = new Queue<Msg>();
  private readActive = true;
  private writeBlocked = false;
  /** The peer will write no more: once the inbound queue drains, this end terminates. */
  private inboundEnded = false;
  /** This end was closed or terminated: it reads and writes nothing more. */
  private closed = false;
  private terminatedReported = false;

  constructor(hwm: number) {
    this.hwm = hwm;
  }

  /** Sets how this end's HWM follows the two sockets' HWMs (see `retune`), and applies it. */
  tuned(tune: (send: number, receive: number) => number, send: number, receive: number): this {
    this.tune = tune;
    this.retune(send, receive);
    return this;
  }

  /** A new send HWM at the writing socket or receive HWM at the reading one: a writer now below its mark writes again. */
  retune(send = this.hwmSend, receive = this.hwmReceive): void {
    if (!this.tune) return;
    this.hwmSend = send;
    this.hwmReceive = receive;
    this.hwm = this.tune(send, receive);
    if (this.writeBlocked && (this.hwm === 0 || this.peer.inbound.length < this.hwm)) {
      this.writeBlocked = false;
      this.owner?.writeActivated(this);
    }
  }

  /** Messages waiting to be read at this end. */
  get pending(): number {
    return this.inbound.length;
  }

  /** True once this end is closed or its peer has gone and everything was read. */
  get terminated(): boolean {
    return this.terminatedReported || this.closed;
  }

  /** Reads the next message, or undefined (then `readActivated` comes when one arrives). */
  read(): Msg | undefined {
    const msg = this.inbound.shift();
    if (msg === undefined) {
      this.readActive = false;
      if (this.inboundEnded) this.reportTerminated();
      return undefined;
    }
    const writer = this.peer;
    if (writer.writeBlocked && (writer.hwm === 0 || this.inbound.length <= writer.hwm - lowWaterMark(writer.hwm))) {
      writer.writeBlocked = false;
      writer.owner?.writeActivated(writer);
    }
    return msg;
  }

  /** True when a message is waiting; otherwise arms `readActivated`. */
  checkRead(): boolean {
    if (this.inbound.length > 0) return true;
    this.readActive = false;
    if (this.inboundEnded) this.reportTerminated();
    return false;
  }

  /** Writes a whole message to the peer; false when the peer's queue is at the HWM (then `writeActivated` comes). */
  write(msg: Msg): boolean {
    if (!this.checkWrite()) return false;
    const reader = this.peer;
    const keeper = this.keeper;
    if (keeper !== undefined) {
      if (!reader.takesAtOnce) keeper.keep(msg);
      else reader.takeNow = !keeper.fanned(msg);
    }
    if (reader.conflate) reader.inbound.clear();
    reader.inbound.push(msg);
    if (!reader.readActive) {
      reader.readActive = true;
      reader.owner?.readActivated(reader);
    }
    if (keeper !== undefined && reader.takesAtOnce && reader.inbound.last() === msg) keeper.keep(msg);
    return true;
  }

  /** True when a write would be accepted; otherwise arms `writeActivated`. */
  checkWrite(): boolean {
    if (this.closed || this.peer.closed) return false;
    if (this.hwm !== 0 && !this.peer.conflate && this.peer.inbound.length >= this.hwm) {
      this.writeBlocked = true;
      return false;
    }
    return true;
  }

  /**
   * Closes this end gracefully: what it already wrote stays readable by the
   * peer, which terminates once it has read it all. Unread inbound messages
   * are dropped.
   */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.terminatedReported = true;
    this.inbound.clear();
    const peer = this.peer;
    peer.inboundEnded = true;
    if (peer.inbound.length === 0) peer.reportTerminated();
  }

  /** Closes this end at once, dropping what it wrote that the peer has not read. */
  terminate(): void {
    if (this.closed) return;
    this.closed = true;
    this.terminatedReported = true;
    this.inbound.clear();
    const peer = this.peer;
    peer.inbound.clear();
    peer.inboundEnded = true;
    peer.reportTerminated();
  }

  /** After end(): drops what the peer has not read yet, so the peer terminates now (linger expired). */
  expire(): void {
    const peer = this.peer;
    peer.inbound.clear();
    peer.inboundEnded = true;
    peer.reportTerminated();
  }

  private reportTerminated(): void {
    if (this.terminatedReported) return;
    this.terminatedReported = true;
    queueMicrotask(() => this.owner?.pipeTerminated(this));
  }
}

/**
 * Makes a joined pair of pipe ends. `hwmA` limits what end A may have
 * waiting at end B, and `hwmB` the reverse (0 for no limit).
 */
export function pipePair(hwmA: number, hwmB: number = hwmA): [Pipe, Pipe] {
  const a = new Pipe(hwmA);
  const b = new Pipe(hwmB);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
