/**
 * The shared shape of the routing strategies: pipes in one array with the
 * active ones packed at the front, so activating, deactivating and removing
 * a pipe are O(1) swaps. Each strategy keeps a pipe's position in its own
 * slot on the pipe (lbIndex, fqIndex, distIndex).
 */
import type { Pipe } from "../pipe.js";

export type IndexSlot = "lbIndex" | "fqIndex" | "distIndex";

export class PipeSet {
  readonly pipes: Pipe[] = [];
  /** pipes[0..active) are active. */
  active = 0;

  constructor(private readonly slot: IndexSlot) {}

  get size(): number {
    return this.pipes.length;
  }

  has(pipe: Pipe): boolean {
    const i = pipe[this.slot];
    return i >= 0 && this.pipes[i] === pipe;
  }

  /** Adds a pipe, active. */
  add(pipe: Pipe): void {
    pipe[this.slot] = this.pipes.length;
    this.pipes.push(pipe);
    this.activate(pipe);
  }

  /** Moves a known inactive pipe into the active region. */
  activate(pipe: Pipe): void {
    const i = pipe[this.slot];
    if (i < this.active || this.pipes[i] !== pipe) return;
    this.swap(i, this.active);
    this.active++;
  }

  /** Moves the active pipe at index i out of the active region. */
  deactivateAt(i: number): void {
    this.active--;
    this.swap(i, this.active);
  }

  /** Removes a pipe wherever it is. Returns the index it had, or -1. */
  remove(pipe: Pipe): number {
    let i = pipe[this.slot];
    if (i < 0 || this.pipes[i] !== pipe) return -1;
    const was = i;
    if (i < this.active) {
      this.active--;
      this.swap(i, this.active);
      i = this.active;
    }
    this.swap(i, this.pipes.length - 1);
    this.pipes.pop();
    pipe[this.slot] = -1;
    return was;
  }

  swap(i: number, j: number): void {
    if (i === j) return;
    const pipes = this.pipes;
    const a = pipes[i]!;
    const b = pipes[j]!;
    pipes[i] = b;
    pipes[j] = a;
    b[this.slot] = i;
    a[this.slot] = j;
  }
}
