import { FairQueue, type Msg, type Pipe, SocketBase, type SocketOptions } from "@zmq/kernel";

/**
 * REP: strictly alternates receive() and send(). A request's envelope
 * (every frame up to and including the first empty one) is kept and put
 * back in front of the reply, which goes to the peer the request came from;
 * a reply to a peer that has gone, or is full, is dropped silently. A
 * message without an empty delimiter is discarded.
 */
export class Reply extends SocketBase {
  private readonly fq = new FairQueue();
  private replying = false;
  private envelope: Msg = [];
  private replyTo: Pipe | undefined;

  constructor(options: SocketOptions = {}) {
    super("REP", options);
  }

  protected xattachPipe(pipe: Pipe): void {
    this.fq.attach(pipe);
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe);
    if (this.replyTo === pipe) this.replyTo = undefined;
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }

  protected override xrecv(): Msg | undefined {
    // Out of turn (a reply is owed): wait, as zeromq.js does.
    if (this.replying) return undefined;
    for (;;) {
      const msg = this.fq.recv();
      if (msg === undefined) return undefined;
      let bottom = -1;
      for (let i = 0; i < msg.length; i++) {
        if (msg[i]!.length === 0) {
          bottom = i;
          break;
        }
      }
      if (bottom < 0 || bottom === msg.length - 1) continue;
      this.envelope = msg.slice(0, bottom + 1);
      this.replyTo = this.fq.lastIn;
      this.replying = true;
      this.turnChanged();
      return msg.slice(bottom + 1);
    }
  }

  protected override outOfTurn(op: "send" | "receive"): boolean {
    return op === "send" ? !this.replying : this.replying;
  }

  protected override xsend(msg: Msg): boolean {
    // Out of turn (no request to answer yet): wait, as zeromq.js does.
    if (!this.replying) return false;
    const pipe = this.replyTo;
    const envelope = this.envelope;
    this.replying = false;
    this.replyTo = undefined;
    this.envelope = [];
    if (pipe && !pipe.terminated) pipe.write([...envelope, ...msg]);
    this.turnChanged();
    return true;
  }

  protected override xhasIn(): boolean {
    return !this.replying && this.fq.hasIn();
  }

  protected override xhasOut(): boolean {
    return this.replying;
  }
}
