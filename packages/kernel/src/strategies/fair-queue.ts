/**
 * Fair queueing over readable pipes (PULL, DEALER, ROUTER, REP, SUB, XSUB,
 * PAIR): one whole message from each readable pipe in turn; a pipe found
 * empty leaves the rotation until it is read-activated.
 */
import type { Msg } from "../msg.js";
import type { Pipe } from "../pipe.js";
import { Rotation } from "./rotation.js";

export class FairQueue extends Rotation {
  /** The pipe the last message came from. */
  lastIn: Pipe | undefined;

  constructor() {
    super("fqIndex");
  }

  terminated(pipe: Pipe): void {
    if (this.forget(pipe) && this.lastIn === pipe) this.lastIn = undefined;
  }

  /** The next message in fair order, or undefined when no pipe has one. */
  recv(): Msg | undefined {
    for (const set = this.set; set.active > 0;) {
      const pipe = set.pipes[this.current]!;
      const msg = pipe.read();
      if (msg !== undefined) {
        this.lastIn = pipe;
        this.advance();
        return msg;
      }
      this.deactivateCurrent();
    }
    return undefined;
  }

  /** True when some pipe has a message waiting. */
  hasIn(): boolean {
    for (const set = this.set; set.active > 0;) {
      const pipe = set.pipes[this.current]!;
      if (pipe.checkRead()) return true;
      this.deactivateCurrent();
    }
    return false;
  }
}
