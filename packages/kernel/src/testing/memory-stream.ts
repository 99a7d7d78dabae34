/**
 * Two connected in-memory ByteStreams for tests, with faults that can be
 * injected per direction: delivery delay, chunking, a small high-water mark,
 * and abrupt or graceful closes at any moment.
 *
 * It behaves like a real socket where the engine could tell: nothing is ever
 * delivered synchronously inside a call the engine makes (write, resume,
 * setHandlers, end, destroy), because a real transport never does that and
 * an engine that relied on it would break over TCP.
 */
import { ZmqError } from "../index.js";
import type { ByteStream, ByteStreamHandlers, StreamError } from "../index.js";

/** Faults applied to the bytes one side writes. */
export interface MemoryFaults {
  /**
   * Milliseconds before each write reaches the peer (setTimeout). 0 or
   * undefined: a later microtask, never inside write().
   */
  readonly delayMs?: number;
  /** Splits delivered bytes into onData calls of at most this many bytes (1: byte by byte). Default: one call per write. */
  readonly chunkSize?: number;
  /** Written-but-undelivered bytes at which write() returns false. Default 64 KiB. */
  readonly highWaterMark?: number;
}

/** One side of a pair: the faults on the bytes it writes, and what it reports about itself. */
export interface MemorySideOptions extends MemoryFaults {
  /** Its `remoteAddress`; default the pair's, else "". */
  readonly remoteAddress?: string;
  /** Its `endpoint`; default the pair's, else "mem://test". */
  readonly endpoint?: string;
}

/** Options of {@link memoryStreamPair}; the top-level faults apply to both directions unless a side overrides them. */
export interface MemoryStreamPairOptions extends MemoryFaults {
  /** Default "mem://test". */
  readonly endpoint?: string;
  /** Default "". */
  readonly remoteAddress?: string;
  /** The first stream, and the bytes it writes. */
  readonly first?: MemorySideOptions;
  /** The second stream, and the bytes it writes. */
  readonly second?: MemorySideOptions;
}

export const DEFAULT_MEMORY_HIGH_WATER_MARK = 64 * 1024;

const DEFAULT_ENDPOINT = "mem://test";

type Timer = ReturnType<typeof setTimeout>;

interface InFlight {
  readonly bytes: Uint8Array;
  ready: boolean;
}

/** The bytes one side writes to the other, from write() until the reader's onData. */
class Direction {
  delayMs = 0;
  chunkSize = Infinity;
  highWaterMark = DEFAULT_MEMORY_HIGH_WATER_MARK;
  /** Written, waiting for their delay; kept in write order so a changed delay cannot reorder bytes. */
  readonly inFlight: InFlight[] = [];
  readonly timers = new Set<Timer>();
  /** Bytes written and not yet given to the reader's onData: in flight, or held by a paused or handler-less reader. */
  backlog = 0;
  /** The writer called end(). */
  ended = false;

  configure(faults: MemoryFaults | undefined): void {
    if (!faults) return;
    if (faults.delayMs !== undefined) this.delayMs = check("delayMs", faults.delayMs, 0);
    if (faults.chunkSize !== undefined) this.chunkSize = check("chunkSize", faults.chunkSize, 1);
    if (faults.highWaterMark !== undefined) this.highWaterMark = check("highWaterMark", faults.highWaterMark, 1);
  }

  drop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.inFlight.length = 0;
    this.backlog = 0;
  }
}

function check(name: string, value: number, min: number): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < min) {
    throw new ZmqError("EINVAL", `Memory stream option ${name} must be a number >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** What the two streams of a pair share. */
interface Link {
  closed: boolean;
}

/**
 * One end of an in-memory connection. Implements {@link ByteStream}, plus
 * fault injection (`abort`, `setFaults`) and counters for tests.
 */
export class MemoryStream implements ByteStream {
  readonly remoteAddress: string;
  readonly endpoint: string;

  private peer!: MemoryStream;
  private readonly link: Link;
  private readonly out = new Direction();
  private handlers: ByteStreamHandlers | undefined;
  /** Arrived from the peer, waiting for handlers or resume(). */
  private readonly held: Uint8Array[] = [];
  private isPaused = false;
  private needDrain = false;
  private pendingConnect = false;
  private connectSignalled = false;
  private pendingDrain = false;
  private pendingClose: { readonly error: StreamError | undefined } | undefined;
  private closeDelivered = false;
  private pumpScheduled = false;
  private pumping = false;
  private written = 0;
  private delivered = 0;

  /** Use {@link memoryStreamPair}; a lone stream has no peer. */
  private constructor(link: Link, side: MemorySideOptions, shared: MemoryStreamPairOptions) {
    this.link = link;
    this.remoteAddress = side.remoteAddress ?? shared.remoteAddress ?? "";
    this.endpoint = side.endpoint ?? shared.endpoint ?? DEFAULT_ENDPOINT;
    this.out.configure(shared);
    this.out.configure(side);
  }

  /** @internal Made by memoryStreamPair, which needs the private constructor. */
  static pair(options: MemoryStreamPairOptions): [MemoryStream, MemoryStream] {
    const link: Link = { closed: false };
    const a = new MemoryStream(link, options.first ?? {}, options);
    const b = new MemoryStream(link, options.second ?? {}, options);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  /** Bytes accepted by write()/writev() on this stream. */
  get bytesWritten(): number {
    return this.written;
  }

  /** Bytes handed to this stream's onData. */
  get bytesDelivered(): number {
    return this.delivered;
  }

  /** Bytes this stream wrote that the peer's onData has not had yet (what the high-water mark counts). */
  get bufferedAmount(): number {
    return this.out.backlog;
  }

  /** True once the connection is closed, from either side (before onClose is delivered). */
  get closed(): boolean {
    return this.link.closed;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  write(chunk: Uint8Array): boolean {
    if (this.link.closed || this.out.ended) return false;
    if (chunk.length > 0) {
      // A copy: the writer may reuse its buffer as soon as write() returns.
      this.send(new Uint8Array(chunk));
    }
    return this.checkWritable();
  }

  /** Sends the chunks as one write, so they reach the peer together (subject to chunkSize). */
  writev(chunks: readonly Uint8Array[]): boolean {
    if (this.link.closed || this.out.ended) return false;
    let total = 0;
    for (const c of chunks) total += c.length;
    if (total > 0) {
      const bytes = new Uint8Array(total);
      let at = 0;
      for (const c of chunks) {
        bytes.set(c, at);
        at += c.length;
      }
      this.send(bytes);
    }
    return this.checkWritable();
  }

  pause(): void {
    if (!this.link.closed) this.isPaused = true;
  }

  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    this.schedulePump();
  }

  /**
   * Closes gracefully: no more writes from this side; once every byte it wrote
   * has reached the peer's onData (a paused peer holds this up, as over TCP),
   * both sides get onClose() without an error. Bytes the peer wrote that have
   * not arrived by then are lost.
   */
  end(): void {
    if (this.link.closed || this.out.ended) return;
    this.out.ended = true;
    this.needDrain = false;
    queueMicrotask(() => this.checkGracefulClose());
  }

  /** Closes at once: undelivered bytes are lost, this side gets onClose(), the peer onClose({ code: "ECONNRESET" }). */
  destroy(): void {
    this.closeWith(undefined, { code: "ECONNRESET", message: "ECONNRESET: the peer destroyed the stream" });
  }

  /**
   * Injects an abrupt failure of the connection, such as a reset: undelivered
   * bytes are lost and both sides get onClose({ code, message }).
   */
  abort(code = "ECONNRESET", message = `${code}: memory stream aborted`): void {
    const error: StreamError = { code, message };
    this.closeWith(error, error);
  }

  /** Changes the faults on the bytes this stream writes from now on; bytes already written keep their order. */
  setFaults(faults: MemoryFaults): void {
    this.out.configure(faults);
    this.checkDrain();
  }

  /**
   * Reports onConnect to this stream's handlers once, as a transport does when
   * a connect completes. Ignored once the stream is closed.
   */
  signalConnect(): void {
    if (this.link.closed || this.connectSignalled) return;
    this.connectSignalled = true;
    this.pendingConnect = true;
    this.schedulePump();
  }

  setHandlers(handlers: ByteStreamHandlers): void {
    this.handlers = handlers;
    this.schedulePump();
  }

  private checkWritable(): boolean {
    const ok = this.out.backlog < this.out.highWaterMark;
    if (!ok) this.needDrain = true;
    return ok;
  }

  private send(bytes: Uint8Array): void {
    const out = this.out;
    this.written += bytes.length;
    out.backlog += bytes.length;
    const entry: InFlight = { bytes, ready: false };
    out.inFlight.push(entry);
    const arrive = (): void => {
      entry.ready = true;
      this.peer.arrive();
    };
    if (out.delayMs > 0) {
      const timer = setTimeout(() => {
        out.timers.delete(timer);
        arrive();
      }, out.delayMs);
      out.timers.add(timer);
    } else {
      queueMicrotask(arrive);
    }
  }

  /** Moves the peer's bytes that are due, in write order, into this side's held queue. */
  private arrive(): void {
    if (this.link.closed) return;
    const from = this.peer.out;
    const size = from.chunkSize;
    for (let entry = from.inFlight[0]; entry?.ready; entry = from.inFlight[0]) {
      from.inFlight.shift();
      for (let i = 0; i < entry.bytes.length; i += size) this.held.push(entry.bytes.subarray(i, i + size));
    }
    this.pump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Delivers whatever is due to the handlers. Only ever runs from a microtask or timer. */
  private pump(): void {
    // A handler that triggers more work re-enters here; the running loop picks it up.
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const h = this.handlers;
        if (!h) return;
        if (this.pendingConnect) {
          this.pendingConnect = false;
          h.onConnect?.();
          continue;
        }
        const chunk = this.isPaused ? undefined : this.held.shift();
        if (chunk) {
          this.deliver(h, chunk);
          continue;
        }
        if (this.pendingDrain) {
          this.pendingDrain = false;
          h.onDrain();
          continue;
        }
        if (this.pendingClose && !this.closeDelivered) {
          this.closeDelivered = true;
          const { error } = this.pendingClose;
          if (error) h.onClose(error);
          else h.onClose();
        }
        return;
      }
    } finally {
      this.pumping = false;
    }
  }

  private deliver(h: ByteStreamHandlers, chunk: Uint8Array): void {
    this.delivered += chunk.length;
    this.peer.out.backlog -= chunk.length;
    this.peer.checkDrain();
    h.onData(chunk);
    this.checkGracefulClose();
  }

  private checkDrain(): void {
    if (this.needDrain && !this.link.closed && this.out.backlog < this.out.highWaterMark) {
      this.needDrain = false;
      this.pendingDrain = true;
      this.schedulePump();
    }
  }

  private checkGracefulClose(): void {
    const a = this.out;
    const b = this.peer.out;
    if (this.link.closed || !(a.ended || b.ended)) return;
    if ((!a.ended || a.backlog === 0) && (!b.ended || b.backlog === 0)) this.closeWith(undefined, undefined);
  }

  private closeWith(own: StreamError | undefined, peer: StreamError | undefined): void {
    if (this.link.closed) return;
    this.link.closed = true;
    this.settleClose(own);
    this.peer.settleClose(peer);
  }

  private settleClose(error: StreamError | undefined): void {
    this.out.drop();
    this.held.length = 0;
    this.isPaused = false;
    this.needDrain = false;
    this.pendingConnect = false;
    this.pendingDrain = false;
    this.pendingClose = { error };
    this.schedulePump();
  }
}

/**
 * Two connected in-memory streams: what the first writes, the second's
 * onData receives, and the other way round. Faults are per direction: the
 * top-level ones apply to both, `first` / `second` override them for the
 * bytes that side writes.
 *
 * ```ts
 * const [client, server] = memoryStreamPair({ chunkSize: 1, second: { delayMs: 5 } });
 * ```
 */
export function memoryStreamPair(options: MemoryStreamPairOptions = {}): [MemoryStream, MemoryStream] {
  return MemoryStream.pair(options);
}
