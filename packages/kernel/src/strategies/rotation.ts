/**
 * The round-robin shared by LoadBalancer and FairQueue: pipes in a PipeSet,
 * a cursor over the active ones, and `advance` / `skip` moves that keep the
 * cursor in range as pipes come and go.
 */
import type { Pipe } from "../pipe.js";
import { type IndexSlot, PipeSet } from "./pipe-set.js";

export class Rotation {
  protected readonly set: PipeSet;
  protected current = 0;

  constructor(slot: IndexSlot) {
    this.set = new PipeSet(slot);
  }

  get size(): number {
    return this.set.size;
  }

  attach(pipe: Pipe): void {
    this.set.add(pipe);
  }

  /** The pipe is usable again (write- or read-activated). */
  activated(pipe: Pipe): void {
    this.set.activate(pipe);
  }

  /** Forgets a pipe; true when it was known. */
  protected forget(pipe: Pipe): boolean {
    if (this.set.remove(pipe) < 0) return false;
    if (this.current >= this.set.active) this.current = 0;
    return true;
  }

  /** The cursor's pipe served a whole message: move on. */
  protected advance(): void {
    const next = this.current + 1;
    this.current = next === this.set.active ? 0 : next;
  }

  /** The cursor's pipe is full or empty: out of the rotation until activated. */
  protected deactivateCurrent(): void {
    this.set.deactivateAt(this.current);
    if (this.current >= this.set.active) this.current = 0;
  }
}
