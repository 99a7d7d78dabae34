// Sequence-number arithmetic (RFC 3208 section 4: serial-number comparisons
// that wrap at 2^32).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqnAdd, sqnDiff, sqnLe, sqnLt } from "./sqn.js";

const MAX = 0xffffffff;
const u32 = fc.nat({ max: MAX });
/** A distance either way that stays unambiguous: |n| < 2^31. */
const step = fc.integer({ min: -0x7fffffff, max: 0x7fffffff });

describe("sqn arithmetic", () => {
  it("adds with wrap-around to an unsigned 32-bit result", () => {
    expect(sqnAdd(MAX, 1)).toBe(0);
    expect(sqnAdd(MAX, 2)).toBe(1);
    expect(sqnAdd(0, -1)).toBe(MAX);
    expect(sqnAdd(5, -10)).toBe(MAX - 4);
    expect(sqnAdd(0x7fffffff, 1)).toBe(0x80000000);
    expect(sqnAdd(123, 0)).toBe(123);
  });

  it("compares across the wrap: 2^32-1 comes before 0", () => {
    expect(sqnDiff(0, MAX)).toBe(1);
    expect(sqnDiff(MAX, 0)).toBe(-1);
    expect(sqnDiff(2, MAX - 2)).toBe(5);
    expect(sqnLt(MAX, 0)).toBe(true);
    expect(sqnLt(0, MAX)).toBe(false);
    expect(sqnLe(MAX, 0)).toBe(true);
    expect(sqnLe(7, 7)).toBe(true);
    expect(sqnLt(7, 7)).toBe(false);
    expect(sqnLt(0xfffffff0, 0x10)).toBe(true);
    expect(sqnLt(0x10, 0xfffffff0)).toBe(false);
  });

  it("half the space ahead is ahead, half behind; exactly 2^31 apart reads as behind", () => {
    expect(sqnDiff(0x7fffffff, 0)).toBe(0x7fffffff);
    expect(sqnLt(0, 0x7fffffff)).toBe(true);
    expect(sqnDiff(0x80000000, 0)).toBe(-0x80000000);
    expect(sqnLt(0x80000000, 0)).toBe(true);
    expect(sqnDiff(0x80000001, 0)).toBe(-0x7fffffff);
    expect(sqnLt(0, 0x80000001)).toBe(false);
  });

  it("properties: add then diff gives the step back; lt/le agree with its sign", () => {
    fc.assert(
      fc.property(u32, step, (a, n) => {
        const b = sqnAdd(a, n);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThanOrEqual(MAX);
        expect(sqnDiff(b, a)).toBe(n);
        expect(sqnDiff(a, b)).toBe(n === 0 ? 0 : -n);
        expect(sqnLt(a, b)).toBe(n > 0);
        expect(sqnLe(a, b)).toBe(n >= 0);
        expect(sqnLt(b, a)).toBe(n < 0);
        expect(sqnAdd(b, -n)).toBe(a);
      }),
      { numRuns: 2000 },
    );
  });

  it("properties: comparisons are shift-invariant (the wrap does not matter)", () => {
    fc.assert(
      fc.property(u32, u32, u32, (a, b, k) => {
        expect(sqnDiff(sqnAdd(a, k), sqnAdd(b, k))).toBe(sqnDiff(a, b));
        expect(sqnLt(sqnAdd(a, k), sqnAdd(b, k))).toBe(sqnLt(a, b));
      }),
      { numRuns: 2000 },
    );
  });
});
