/**
 * Memory for bytes that only go to the wire (an encoder's output, encrypted
 * frames), lent again once the stream has written them. A connection that
 * allocated a fresh 64 KiB buffer for every batch or every encrypted frame
 * made the C library hand the memory back to the system and fault it in
 * again each time: measured here, a third of a CURVE sender's time at
 * 64 KiB went to that. Runtime-agnostic.
 */
import type { Allocator } from "./bytes.js";

/** Buffers smaller than this come from the caller's allocator (in Node, slices of Buffer's pool) and are not kept. */
export const RECYCLED_MIN = 8192;
/** Larger buffers are not kept once written. */
const RECYCLED_MAX = 2 * 1024 * 1024;
/** At most this many bytes wait to be lent again, in the whole process. */
const FREE_MAX = 4 * 1024 * 1024;

export class BufferRecycler {
  /** Memory lent and not given back: only these are taken back by `recycle`. */
  private readonly lent = new WeakSet<ArrayBufferLike>();
  private readonly free: ArrayBuffer[] = [];
  private freeBytes = 0;

  constructor(
    private readonly freeMax = FREE_MAX,
    private readonly bufferMax = RECYCLED_MAX,
  ) {}

  /**
   * `size` bytes for the wire: from `small` below RECYCLED_MIN, otherwise
   * over memory of their own, reused when some was recycled (the smallest
   * that fits, the latest given back first). The bytes are not zeroed.
   */
  alloc(size: number, small: Allocator): Uint8Array {
    if (size < RECYCLED_MIN) return small(size);
    const free = this.free;
    // The smallest that fits, the latest given back of those (its bytes are likeliest still in the CPU's cache).
    let best = -1;
    for (let i = 0; i < free.length; i++) {
      const length = free[i]!.byteLength;
      if (length >= size && (best < 0 || length <= free[best]!.byteLength)) best = i;
    }
    let memory: ArrayBuffer;
    if (best >= 0) {
      memory = free[best]!;
      free.splice(best, 1);
      this.freeBytes -= memory.byteLength;
    } else {
      memory = new ArrayBuffer(size);
    }
    this.lent.add(memory);
    return new Uint8Array(memory, 0, size);
  }

  /**
   * The stream has written these chunks and holds none of them any more:
   * the memory under those that came from `alloc` may be lent again. A
   * chunk of anything else (an application's body, a small buffer) is
   * ignored. The caller must not read or write them afterwards.
   */
  recycle(chunks: readonly Uint8Array[]): void {
    for (let i = 0; i < chunks.length; i++) this.recycleOne(chunks[i]!);
  }

  /** `recycle` for one chunk (no array to make on a per-message path). */
  recycleOne(chunk: Uint8Array): void {
    const memory = chunk.buffer;
    if (!this.lent.has(memory)) return;
    this.lent.delete(memory);
    const length = memory.byteLength;
    if (length > this.bufferMax || this.freeBytes + length > this.freeMax) return;
    this.free.push(memory as ArrayBuffer);
    this.freeBytes += length;
  }

  /** Bytes waiting to be lent again (for tests). */
  get freeSize(): number {
    return this.freeBytes;
  }
}

/** The process's recycler, shared by every connection (so an idle one holds no memory of its own). */
export const wireBuffers: BufferRecycler = /* @__PURE__ */ new BufferRecycler();
