/**
 * Sending one message to many pipes (PUB, XPUB, and anything that fans
 * out). Pipes live in three nested regions: [0, matching) will get the
 * current message, [0, active) have room, the rest are full and skipped
 * until write-activated. A full pipe drops the message: distribution never
 * blocks.
 */
import type { Msg } from "../msg.js";
import type { Pipe } from "../pipe.js";
import { PipeSet } from "./pipe-set.js";

export class Distributor {
  private readonly set = new PipeSet("distIndex");
  private matching = 0;

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
    const i = pipe.distIndex;
    if (i < 0 || set.pipes[i] !== pipe) return;
    if (i < this.matching) {
      this.matching--;
      set.swap(i, this.matching);
    }
    set.remove(pipe);
  }

  /** Marks a pipe to receive the next `sendToMatching` message (full pipes are ignored). */
  match(pipe: Pipe): void {
    const i = pipe.distIndex;
    const set = this.set;
    if (i < this.matching || i >= set.active || set.pipes[i] !== pipe) return;
    set.swap(i, this.matching);
    this.matching++;
  }

  /** Sends to every pipe with room; full pipes skip this message. */
  sendToAll(msg: Msg): void {
    this.matching = this.set.active;
    this.sendToMatching(msg);
  }

  /** Sends to the matched pipes; full ones skip it and leave the active region. Clears the marks. */
  sendToMatching(msg: Msg): void {
    const set = this.set;
    // Going to many pipes: the caller's small frames are copied once, here, and each reader batches the message
    // rather than take it early (Pipe.takeNow).
    if (this.matching > 1) set.pipes[0]!.keeper?.fanOut(msg);
    let i = 0;
    while (i < this.matching) {
      if (set.pipes[i]!.write(msg)) {
        i++;
        continue;
      }
      // Full: move it out of matching, then out of active.
      this.matching--;
      set.swap(i, this.matching);
      set.deactivateAt(this.matching);
    }
    this.matching = 0;
  }
}
