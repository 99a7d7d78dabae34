/**
 * Test helper, for the strategy tests in src/strategies/*.test.ts only (not
 * exported from @zmq/kernel/testing): a stand-in for a pipe end whose
 * capacity and content the test controls, with no socket behind it.
 */
import type { Msg } from "../index.js";
import type { Pipe } from "../index.js";

/** A stand-in for a pipe end: an outbox with a capacity, an inbox the test fills. */
export class FakePipe {
  lbIndex = -1;
  fqIndex = -1;
  distIndex = -1;
  readonly written: Msg[] = [];
  readonly inbox: Msg[] = [];
  /** The socket's copier of small frames (Pipe.keeper), when a test sets one. */
  keeper: { keep(msg: Msg): void; fanOut(msg: Msg): void; fanned(msg: Msg): boolean } | undefined = undefined;
  constructor(
    readonly name: string,
    public capacity = Infinity,
  ) {}
  write(msg: Msg): boolean {
    if (this.written.length >= this.capacity) return false;
    this.written.push(msg);
    return true;
  }
  checkWrite(): boolean {
    return this.written.length < this.capacity;
  }
  read(): Msg | undefined {
    return this.inbox.shift();
  }
  checkRead(): boolean {
    return this.inbox.length > 0;
  }
  /** The reader took everything: room again. */
  drain(): void {
    this.written.length = 0;
  }
}

/** A fake pipe named `name` that accepts `capacity` messages (no limit by default). */
export const fake = (name: string, capacity?: number): FakePipe => new FakePipe(name, capacity);

/** The fake as the strategies see it. */
export const asPipe = (p: FakePipe): Pipe => p as unknown as Pipe;

/** A message of text frames. */
export const m = (...frames: string[]): Msg => frames.map((f) => new TextEncoder().encode(f));

/** A message's frames as text joined with "|" (undefined stays undefined). */
export const text = (msg: Msg | undefined): string | undefined => msg?.map((f) => new TextDecoder().decode(f)).join("|");
