/**
 * Fair queueing over readable pipes (PULL, DEALER, ROUTER, REP, SUB, XSUB,
 * PAIR): one whole message from each readable pipe in turn; a pipe found
 * empty leaves the rotation until it is read-activated.
 */
import type { Msg } from "../msg.js";
import type { Pipe } from "../pipe.js";
import { PipeSet } from "./pipe-set.js";

export class FairQueue {
  private readonly set = new PipeSet("fqIndex");
  private current = 0;
  /** The pipe the last message came from. */
  lastIn: Pipe | undefined;

  get size(): number {
    return this.set.size;
  }

  attach(pipe: Pipe): void {
    this.set.add(pipe);
  }

  activated(pipe: Pipe): void {
    this.set.activate(pipe);
  }

  terminated(pipe: Pipe): void {
    const set = this.set;
    if (set.remove(pipe) < 0) return;
    if (this.current >= set.active) this.current = 0;
    if (this.lastIn === pipe) this.lastIn = undefined;
  }

  /** The next message in fair order, or undefined when no pipe has one. */
  recv(): Msg | undefined {
    const set = this.set;
    while (set.active > 0) {
      const pipe = set.pipes[this.current]!;
      const msg = pipe.read();
      if (msg !== undefined) {
        this.lastIn = pipe;
        this.current = (this.current + 1) % set.active;
        return msg;
      }
      set.deactivateAt(this.current);
      if (this.current >= set.active) this.current = 0;
    }
    return undefined;
  }

  /** True when some pipe has a message waiting. */
  hasIn(): boolean {
    const set = this.set;
    while (set.active > 0) {
      if (set.pipes[this.current]!.checkRead()) return true;
      set.deactivateAt(this.current);
      if (this.current >= set.active) this.current = 0;
    }
    return false;
  }
}
