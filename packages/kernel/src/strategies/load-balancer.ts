/**
 * Round-robin over pipes with room (PUSH, DEALER, REQ): each whole message
 * goes to the next pipe that accepts it; a full pipe leaves the rotation
 * until it is write-activated.
 */
import type { Msg } from "../msg.js";
import type { Pipe } from "../pipe.js";
import { Rotation } from "./rotation.js";

export class LoadBalancer extends Rotation {
  /** The pipe the last successful send went to. */
  lastOut: Pipe | undefined;

  constructor() {
    super("lbIndex");
  }

  terminated(pipe: Pipe): void {
    if (this.forget(pipe) && this.lastOut === pipe) this.lastOut = undefined;
  }

  /** Sends a whole message to the next pipe with room; false when every pipe is full (or there are none). */
  send(msg: Msg): boolean {
    for (const set = this.set; set.active > 0;) {
      const pipe = set.pipes[this.current]!;
      if (pipe.write(msg)) {
        this.lastOut = pipe;
        this.advance();
        return true;
      }
      this.deactivateCurrent();
    }
    return false;
  }

  /** True when some pipe would accept a message now. */
  hasOut(): boolean {
    for (const set = this.set; set.active > 0;) {
      const pipe = set.pipes[this.current]!;
      if (pipe.checkWrite()) return true;
      this.deactivateCurrent();
    }
    return false;
  }
}
