/**
 * Records what a ByteStream reports, so that a test can wait for an event
 * instead of sleeping and then assert on the whole sequence.
 */
import type { ByteStream, StreamError } from "../index.js";

/** What {@link recordStream} returns. */
export interface StreamRecording {
  /** Every onData chunk, in order. */
  readonly chunks: readonly Uint8Array[];
  /** The arguments of each onClose call: `[]` for a clean close, `[error]` otherwise. */
  readonly closes: readonly (readonly [StreamError?])[];
  readonly drains: number;
  readonly connects: number;
  /** Every event in order: "connect", "data:<length>", "drain", "close:<code or ->". */
  readonly log: readonly string[];
  /** All received bytes, concatenated. */
  bytes(): Uint8Array;
  /** Resolves once `predicate` holds; checked now and after every event. */
  until(predicate: () => boolean): Promise<void>;
  /** Installs the handlers (done at once unless `install: false` was passed). */
  install(): void;
}

/**
 * Sets handlers on `stream` that record its events. Pass `install: false`
 * to call `install()` later, for testing what happens before setHandlers.
 */
export function recordStream(stream: ByteStream, { install = true }: { install?: boolean } = {}): StreamRecording {
  const chunks: Uint8Array[] = [];
  const closes: [StreamError?][] = [];
  const log: string[] = [];
  let drains = 0;
  let connects = 0;
  let waiters: { predicate: () => boolean; resolve: () => void }[] = [];

  const event = (name: string, apply: () => void): void => {
    log.push(name);
    apply();
    const pending = waiters;
    waiters = [];
    for (const w of pending) {
      if (w.predicate()) w.resolve();
      else waiters.push(w);
    }
  };

  const recording: StreamRecording = {
    chunks,
    closes,
    log,
    get drains() {
      return drains;
    },
    get connects() {
      return connects;
    },
    bytes() {
      let total = 0;
      for (const c of chunks) total += c.length;
      const all = new Uint8Array(total);
      let at = 0;
      for (const c of chunks) {
        all.set(c, at);
        at += c.length;
      }
      return all;
    },
    until(predicate) {
      if (predicate()) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    install() {
      stream.setHandlers({
        onConnect: () => event("connect", () => connects++),
        onData: (chunk) => event(`data:${chunk.length}`, () => chunks.push(chunk)),
        onDrain: () => event("drain", () => drains++),
        onClose: (...args: [StreamError?]) => event(`close:${args[0]?.code ?? "-"}`, () => closes.push(args)),
      });
    },
  };
  if (install) recording.install();
  return recording;
}
