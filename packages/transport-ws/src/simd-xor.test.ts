// The WebAssembly SIMD XOR behind large masks agrees with a byte-by-byte
// XOR at every length around its 64-byte blocks and 32 KiB passes, for
// copies and in place, aligned or not; maskInto (which chooses it from
// 1 KiB) agrees as well.
import { describe, expect, it } from "vitest";
import { maskInto } from "./masking.js";
import { simdXor } from "./simd-xor.js";

const MASK = Uint8Array.of(0x9c, 0x01, 0xf3, 0x5a);

function random(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const reference = (src: Uint8Array) => src.map((b, i) => b ^ MASK[i & 3]!);

/** Where two byte arrays first differ (-1: nowhere); far quicker than a deep equality on large arrays. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const LENGTHS = [0, 1, 63, 64, 65, 1023, 1024, 1025, 4099, 32767, 32768, 32769, 65536 + 7, 3 * 32768 + 64 + 3];

describe("SIMD XOR", () => {
  it("exists in this runtime (Node has WebAssembly SIMD)", () => {
    expect(simdXor()).toBeTypeOf("function");
  });

  it("agrees with a byte-by-byte XOR, into another buffer and in place, at any offset", () => {
    const xor = simdXor()!;
    for (const length of LENGTHS) {
      for (const offset of [0, 1, 3]) {
        const src = random(length + offset, length + offset).subarray(offset);
        const expected = reference(src);
        const dst = new Uint8Array(length + 2).subarray(2 - (offset & 1));
        xor(dst.subarray(0, length), src, MASK);
        expect(firstDifference(dst.subarray(0, length), expected), `copy, length ${length}, offset ${offset}`).toBe(-1);
        xor(src, src, MASK);
        expect(firstDifference(src, expected), `in place, length ${length}, offset ${offset}`).toBe(-1);
      }
    }
  });

  it("maskInto agrees with a byte-by-byte XOR on both sides of where it switches to SIMD", () => {
    for (const length of LENGTHS) {
      const src = random(length, 7 + length);
      const dst = new Uint8Array(length);
      maskInto(dst, src, MASK);
      expect(firstDifference(dst, reference(src)), `length ${length}`).toBe(-1);
    }
  });
});
