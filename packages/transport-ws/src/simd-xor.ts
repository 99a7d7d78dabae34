/**
 * XOR with a repeated 4-byte key through WebAssembly's 128-bit SIMD, for
 * masking large WebSocket frames: a JavaScript loop moves about 6 GB/s here
 * (a 32-bit word a step), the SIMD loop about four times that, and the
 * copies in and out of its memory are memcpy. Used where the runtime has
 * WebAssembly with SIMD (Node, Bun, Deno, current browsers); elsewhere
 * `simdXor()` is undefined and masking stays in JavaScript.
 *
 * The module, in WebAssembly text (compiled to the bytes below):
 *
 *   (module
 *     (memory (export "memory") 1)
 *     ;; XORs n bytes at p (n rounded down to 64) with the little-endian word k, 64 bytes a turn.
 *     (func (export "xor") (param $p i32) (param $n i32) (param $k i32)
 *       (local $v v128) (local $end i32)
 *       (local.set $v (i32x4.splat (local.get $k)))
 *       (local.set $end (i32.add (local.get $p) (i32.and (local.get $n) (i32.const -64))))
 *       (block $done
 *         (loop $l
 *           (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
 *           (v128.store (local.get $p) (v128.xor (v128.load (local.get $p)) (local.get $v)))
 *           (v128.store offset=16 (local.get $p) (v128.xor (v128.load offset=16 (local.get $p)) (local.get $v)))
 *           (v128.store offset=32 (local.get $p) (v128.xor (v128.load offset=32 (local.get $p)) (local.get $v)))
 *           (v128.store offset=48 (local.get $p) (v128.xor (v128.load offset=48 (local.get $p)) (local.get $v)))
 *           (local.set $p (i32.add (local.get $p) (i32.const 64)))
 *           (br $l)))))
 */

/** The minimal WebAssembly API used here (the package builds without the DOM's or Node's types for it). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { memory: { buffer: ArrayBuffer }; xor: (at: number, length: number, key: number) => void } };
}

// prettier-ignore
const MODULE = /* @__PURE__ */ Uint8Array.of(
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x07, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, // type: (i32, i32, i32) -> ()
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x05, 0x03, 0x01, 0x00, 0x01, // memory: 1 page (64 KiB)
  0x07, 0x10, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x03, 0x78, 0x6f, 0x72, 0x00, 0x00, // exports "memory", "xor"
  0x0a, 0x6f, 0x01, 0x6d, 0x02, 0x01, 0x7b, 0x01, 0x7f, // code: locals v128, i32
  0x20, 0x02, 0xfd, 0x11, 0x21, 0x03, // v = i32x4.splat(k)
  0x20, 0x00, 0x20, 0x01, 0x41, 0x40, 0x71, 0x6a, 0x21, 0x04, // end = p + (n & -64)
  0x02, 0x40, 0x03, 0x40, // block, loop
  0x20, 0x00, 0x20, 0x04, 0x4f, 0x0d, 0x01, // br_if done (p >= end)
  0x20, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x04, 0x00, 0x20, 0x03, 0xfd, 0x51, 0xfd, 0x0b, 0x04, 0x00, // [p] ^= v
  0x20, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x04, 0x10, 0x20, 0x03, 0xfd, 0x51, 0xfd, 0x0b, 0x04, 0x10, // [p+16] ^= v
  0x20, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x04, 0x20, 0x20, 0x03, 0xfd, 0x51, 0xfd, 0x0b, 0x04, 0x20, // [p+32] ^= v
  0x20, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x04, 0x30, 0x20, 0x03, 0xfd, 0x51, 0xfd, 0x0b, 0x04, 0x30, // [p+48] ^= v
  0x20, 0x00, 0x41, 0xc0, 0x00, 0x6a, 0x21, 0x00, // p += 64
  0x0c, 0x00, 0x0b, 0x0b, 0x0b, // br loop, end, end, end
);

/** Bytes XORed per pass through the module's memory: half of it, so that a pass stays in the CPU's cache. */
const CHUNK = 32 * 1024;

/** XORs `src` into `dst` (as long; may be `src`) with the key, its first byte on src's first byte. */
export type SimdXor = (dst: Uint8Array, src: Uint8Array, mask: Uint8Array) => void;

let made: SimdXor | null | undefined;

/** The SIMD XOR, made on first use; undefined where the runtime has no WebAssembly SIMD. */
export function simdXor(): SimdXor | undefined {
  if (made === undefined) made = make();
  return made ?? undefined;
}

function make(): SimdXor | null {
  const wasm = (globalThis as { WebAssembly?: Wasm }).WebAssembly;
  if (wasm === undefined) return null;
  let exports: ReturnType<typeof instantiate>;
  try {
    exports = instantiate(wasm);
  } catch {
    // No SIMD (the module does not validate), or compiling refused (a page's content security policy).
    return null;
  }
  const memory = new Uint8Array(exports.memory.buffer, 0, CHUNK);
  const xor = exports.xor;
  return (dst, src, mask) => {
    const length = src.length;
    // WebAssembly is little-endian: mask byte i lands on byte i of each word.
    const key = mask[0]! | (mask[1]! << 8) | (mask[2]! << 16) | (mask[3]! << 24);
    for (let at = 0; at < length; at += CHUNK) {
      const n = Math.min(CHUNK, length - at);
      memory.set(at === 0 && n === length ? src : src.subarray(at, at + n));
      xor(0, n, key);
      // The module does whole 64-byte blocks; CHUNK is a multiple of 4, so mask byte j & 3 lands on the rest.
      for (let j = n & ~63; j < n; j++) memory[j] = memory[j]! ^ mask[j & 3]!;
      dst.set(n === CHUNK ? memory : memory.subarray(0, n), at);
    }
  };
}

function instantiate(wasm: Wasm) {
  return new wasm.Instance(new wasm.Module(MODULE)).exports;
}
