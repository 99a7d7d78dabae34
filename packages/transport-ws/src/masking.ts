/**
 * RFC 6455 masking (section 5.3): mask keys from the platform's CSPRNG, and
 * the XOR loops that mask a client's frames and unmask them on the server,
 * each shaped for where it runs (large buffers through WebAssembly SIMD or
 * a word a turn, small frames in place through a DataView, copies byte by
 * byte).
 */
import { simdXor } from "./simd-xor.js";

/**
 * XORs `buf` in place with the 4-byte `mask`, starting at mask byte 0
 * (as maskInto).
 */
export function maskInPlace(buf: Uint8Array, mask: Uint8Array): void {
  maskInto(buf, buf, mask);
}

/** True on a little-endian machine (every runtime here; checked, not assumed). */
const LITTLE_ENDIAN = /* @__PURE__ */ (() => new Uint8Array(new Uint32Array([1]).buffer)[0] === 1)();

/** From this many bytes, masking goes through WebAssembly SIMD where the runtime has it (simd-xor.ts). */
const SIMD_FROM = 1024;

/**
 * Writes `src` XORed with the 4-byte `mask` (its first byte on src's first
 * byte) into `dst`, which is as long and may be `src` itself: large ones
 * through WebAssembly SIMD; otherwise eight words a turn where both are
 * 4-byte aligned and long enough to gain from it, byte by byte otherwise.
 * One pass: a copy that masks on the way.
 */
export function maskInto(dst: Uint8Array, src: Uint8Array, mask: Uint8Array): void {
  const length = src.length;
  if (length >= SIMD_FROM) {
    const simd = simdXor();
    if (simd !== undefined) return simd(dst, src, mask);
  }
  let i = 0;
  if (length >= 512 && dst.byteOffset % 4 === 0 && src.byteOffset % 4 === 0) {
    const words = length >>> 2;
    // The four mask bytes as one word in this machine's byte order.
    const m = LITTLE_ENDIAN
      ? mask[0]! | (mask[1]! << 8) | (mask[2]! << 16) | (mask[3]! << 24)
      : (mask[0]! << 24) | (mask[1]! << 16) | (mask[2]! << 8) | mask[3]!;
    const s = new Int32Array(src.buffer, src.byteOffset, words);
    const d = dst === src ? s : new Int32Array(dst.buffer, dst.byteOffset, words);
    let j = 0;
    // Eight words a turn: about twice the speed of one (V8 keeps the loop's bounds checks and branch per turn).
    for (; j + 7 < words; j += 8) {
      d[j] = s[j]! ^ m;
      d[j + 1] = s[j + 1]! ^ m;
      d[j + 2] = s[j + 2]! ^ m;
      d[j + 3] = s[j + 3]! ^ m;
      d[j + 4] = s[j + 4]! ^ m;
      d[j + 5] = s[j + 5]! ^ m;
      d[j + 6] = s[j + 6]! ^ m;
      d[j + 7] = s[j + 7]! ^ m;
    }
    for (; j < words; j++) d[j] = s[j]! ^ m;
    i = words << 2;
  }
  for (; i < length; i++) dst[i] = src[i]! ^ mask[i & 3]!;
}

/**
 * Mask keys: RFC 6455 (section 5.3) wants them unpredictable, so they come
 * from the platform's CSPRNG, drawn 1,024 at a time (one call per thousand
 * frames instead of one per frame).
 */
const maskPool = /* @__PURE__ */ new Uint32Array(1024);
let maskAt = maskPool.length;

/** Four random bytes for a mask, as one number. */
export function maskKey(): number {
  if (maskAt === maskPool.length) {
    crypto.getRandomValues(maskPool);
    maskAt = 0;
  }
  return maskPool[maskAt++]!;
}

/** A fresh mask key. */
export function newMask(): Uint8Array {
  const key = maskKey();
  return new Uint8Array([key >>> 24, (key >>> 16) & 0xff, (key >>> 8) & 0xff, key & 0xff]);
}

/** Writes a mask key (as maskKey gives it) at `at`; returns the offset after it. */
export function putMask(out: Uint8Array, at: number, key: number): number {
  out[at] = key >>> 24;
  out[at + 1] = (key >>> 16) & 0xff;
  out[at + 2] = (key >>> 8) & 0xff;
  out[at + 3] = key & 0xff;
  return at + 4;
}

/**
 * Writes `length` bytes of `src` from `from` to `out` at `at`, XORed with
 * the mask key `key` (its first byte on the first byte written), four bytes
 * a turn. `out` may be `src` at the same offset (masking in place).
 */
export function xorInto(out: Uint8Array, at: number, src: Uint8Array, from: number, length: number, key: number): void {
  const m0 = key >>> 24;
  const m1 = (key >>> 16) & 0xff;
  const m2 = (key >>> 8) & 0xff;
  const m3 = key & 0xff;
  let i = 0;
  for (; i + 3 < length; i += 4) {
    out[at + i] = src[from + i]! ^ m0;
    out[at + i + 1] = src[from + i + 1]! ^ m1;
    out[at + i + 2] = src[from + i + 2]! ^ m2;
    out[at + i + 3] = src[from + i + 3]! ^ m3;
  }
  if (i < length) out[at + i] = src[from + i]! ^ m0;
  if (i + 1 < length) out[at + i + 1] = src[from + i + 1]! ^ m1;
  if (i + 2 < length) out[at + i + 2] = src[from + i + 2]! ^ m2;
}

/**
 * XORs `length` bytes of `view` from `at` in place with the mask key `key`
 * (its first byte on the first byte), a word a turn at any alignment:
 * DataView reads and writes a big-endian word where a byte loop takes four.
 */
export function xorView(view: DataView, at: number, length: number, key: number): void {
  let i = 0;
  for (; i + 3 < length; i += 4) view.setUint32(at + i, view.getUint32(at + i) ^ key);
  if (i < length) view.setUint8(at + i, view.getUint8(at + i) ^ (key >>> 24));
  if (i + 1 < length) view.setUint8(at + i + 1, view.getUint8(at + i + 1) ^ ((key >>> 16) & 0xff));
  if (i + 2 < length) view.setUint8(at + i + 2, view.getUint8(at + i + 2) ^ ((key >>> 8) & 0xff));
}
