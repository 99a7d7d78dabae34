import { type Msg, type OptionValues, type Pipe, defineOptions, flag } from "@zmq/kernel";
import { Dealer, type DealerOptions } from "./dealer.js";

const requestOptions = {
  /** ZMQ_REQ_CORRELATE: prefix each request with a request id and accept only the reply that carries it back. */
  correlate: flag(false),
  /** ZMQ_REQ_RELAXED: allow a new request before the reply to the last one (which is then discarded). */
  relaxed: flag(false),
} as const;

export interface RequestOptions extends DealerOptions, Partial<OptionValues<typeof requestOptions>> {}

/** A valid reply as a REQ's connection sees it: [""|id4, ("")?, body...], as libzmq's req session checks. */
export function isValidReply(msg: Msg): boolean {
  const first = msg[0]!;
  if (first.length === 0) return msg.length >= 2;
  return first.length === 4 && msg.length >= 3 && msg[1]!.length === 0;
}

export interface Request extends OptionValues<typeof requestOptions> {}

/**
 * REQ: strictly alternates send() and receive(). Each request goes to the
 * next peer in turn with an empty delimiter in front; only a reply from that
 * peer (and, with `correlate`, carrying the request's id) is accepted, other
 * messages are dropped. As in zeromq.js, an operation out of turn waits
 * for its turn (up to its timeout): a second send() goes once the reply
 * has been received (at once with `relaxed`), a receive() before any send()
 * waits for a request's reply.
 */
export class Request extends Dealer {
  static {
    defineOptions(this, requestOptions);
  }

  private expectingReply = false;
  private replyPipe: Pipe | undefined;
  private requestId = (Math.random() * 0x100000000) >>> 0;
  private readonly idBytes = new Uint8Array(4);

  constructor(options: RequestOptions = {}) {
    super(options, "REQ");
  }

  protected override readonly validatePeerMessage = isValidReply;

  protected override outOfTurn(op: "send" | "receive"): boolean {
    return op === "send" ? this.expectingReply && !this.opt("relaxed") : !this.expectingReply;
  }

  protected override xpipeTerminated(pipe: Pipe): void {
    super.xpipeTerminated(pipe);
    if (this.replyPipe === pipe) this.replyPipe = undefined;
  }

  protected override xsend(msg: Msg): boolean {
    if (this.expectingReply && !this.opt("relaxed")) return false;
    // A new request makes every reply still queued stale: discard them, as libzmq does.
    while (this.fq.recv() !== undefined);
    const frames = this.context.frames;
    const envelope: Msg = [];
    if (this.opt("correlate")) {
      // The id is opaque to the peer; libzmq writes it in host order, as here (little-endian).
      const id = frames.alloc(4);
      const n = this.requestId;
      id[0] = n & 0xff;
      id[1] = (n >>> 8) & 0xff;
      id[2] = (n >>> 16) & 0xff;
      id[3] = n >>> 24;
      envelope.push(id);
    }
    envelope.push(frames.alloc(0));
    for (const f of msg) envelope.push(f);
    if (!this.lb.send(envelope)) return false;
    this.replyPipe = this.lb.lastOut;
    this.expectingReply = true;
    this.turnChanged();
    if (this.opt("correlate")) {
      this.idBytes.set(envelope[0]!);
      this.requestId = (this.requestId + 1) >>> 0;
    }
    return true;
  }

  protected override xrecv(): Msg | undefined {
    if (!this.expectingReply) return undefined;
    for (;;) {
      const msg = this.fq.recv();
      if (msg === undefined) return undefined;
      // Replies only from the peer that got the request; others are stale.
      if (this.fq.lastIn !== this.replyPipe) continue;
      let at = 0;
      if (this.opt("correlate")) {
        const id = msg[0]!;
        if (id.length !== 4 || id[0] !== this.idBytes[0] || id[1] !== this.idBytes[1] || id[2] !== this.idBytes[2] || id[3] !== this.idBytes[3])
          continue;
        at = 1;
      }
      if (msg.length < at + 2 || msg[at]!.length !== 0) continue;
      this.expectingReply = false;
      this.replyPipe = undefined;
      this.turnChanged();
      return msg.slice(at + 1);
    }
  }

  protected override xhasIn(): boolean {
    return this.expectingReply && this.fq.hasIn();
  }

  protected override xhasOut(): boolean {
    return (!this.expectingReply || this.opt("relaxed")) && this.lb.hasOut();
  }
}
