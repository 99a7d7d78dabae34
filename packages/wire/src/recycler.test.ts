import { describe, expect, it } from "vitest";
import { BufferRecycler, RECYCLED_MIN } from "./recycler.js";

const small = (size: number) => new Uint8Array(size);

describe("BufferRecycler", () => {
  it("leaves small buffers to the caller's allocator and never takes them back", () => {
    const recycler = new BufferRecycler();
    let asked = 0;
    const out = recycler.alloc(100, (n) => (asked++, new Uint8Array(n)));
    expect(out).toHaveLength(100);
    expect(asked).toBe(1);
    recycler.recycle([out]);
    expect(recycler.freeSize).toBe(0);
  });

  it("lends memory again once it is recycled, the smallest that fits first", () => {
    const recycler = new BufferRecycler();
    const a = recycler.alloc(RECYCLED_MIN, small);
    const b = recycler.alloc(4 * RECYCLED_MIN, small);
    expect(a.buffer).not.toBe(b.buffer);
    recycler.recycle([b.subarray(10, 20), a.subarray(0, 1)]);
    expect(recycler.freeSize).toBe(5 * RECYCLED_MIN);
    const c = recycler.alloc(RECYCLED_MIN + 1, small);
    expect(c.buffer).toBe(b.buffer);
    expect(c).toHaveLength(RECYCLED_MIN + 1);
    const d = recycler.alloc(RECYCLED_MIN, small);
    expect(d.buffer).toBe(a.buffer);
    // Nothing free now: new memory.
    const e = recycler.alloc(RECYCLED_MIN, small);
    expect(e.buffer).not.toBe(a.buffer);
    expect(e.buffer).not.toBe(b.buffer);
  });

  it("takes back only what it lent, once, however many chunks share it", () => {
    const recycler = new BufferRecycler();
    const lent = recycler.alloc(RECYCLED_MIN, small);
    const theirs = new Uint8Array(2 * RECYCLED_MIN);
    recycler.recycle([lent.subarray(0, 10), theirs, lent.subarray(10, 20)]);
    expect(recycler.freeSize).toBe(RECYCLED_MIN);
    // A second recycle of the same memory (already free) adds nothing.
    recycler.recycle([lent]);
    expect(recycler.freeSize).toBe(RECYCLED_MIN);
  });

  it("keeps at most its limit free, and no buffer larger than its largest", () => {
    const recycler = new BufferRecycler(3 * RECYCLED_MIN, 2 * RECYCLED_MIN);
    const buffers = [1, 1, 1, 1].map(() => recycler.alloc(RECYCLED_MIN, small));
    const large = recycler.alloc(3 * RECYCLED_MIN, small);
    recycler.recycle([...buffers, large]);
    expect(recycler.freeSize).toBe(3 * RECYCLED_MIN);
    expect(recycler.alloc(3 * RECYCLED_MIN, small).buffer).not.toBe(large.buffer);
  });
});
