/**
 * Round-robin over pipes with room (PUSH, DEALER, REQ): each whole message
 * goes to the next pipe that accepts it; a full pipe leaves the rotation
 * until it is write-activated.
 */
import type { Msg } from "../msg.js";
import type { Pipe } from "../pipe.js";
import { PipeSet } from "./pipe-set.js";

export class LoadBalancer {
  private readonly set = new PipeSet("lbIndex");
  private current = 0;
  /** The pipe the last successful send went to. */
  lastOut: Pipe | undefined;

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
    const was = set.remove(pipe);
    if (was < 0) return;
    if (this.current >= set.active) this.current = 0;
    if (this.lastOut === pipe) this.lastOut = undefined;
  }

  /** Sends a whole message to the next pipe with room; false when every pipe is full (or there are none). */
  send(msg: Msg): boolean {
    const set = this.set;
    while (set.active > 0) {
      const pipe = set.pipes[this.current]!;
      if (pipe.write(msg)) {
        this.lastOut = pipe;
        this.current = (this.current + 1) % set.active;
        return true;
      }
      set.deactivateAt(this.current);
      if (this.current >= set.active) this.current = 0;
    }
    return false;
  }

  /** True when some pipe would accept a message now. */
  hasOut(): boolean {
    const set = this.set;
    while (set.active > 0) {
      if (set.pipes[this.current]!.checkWrite()) return true;
      set.deactivateAt(this.current);
      if (this.current >= set.active) this.current = 0;
    }
    return false;
  }
}
