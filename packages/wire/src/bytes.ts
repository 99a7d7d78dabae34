/** Small byte helpers shared by the codec. Runtime-agnostic. */

const encoder = /* @__PURE__ */ new TextEncoder();
const decoder = /* @__PURE__ */ new TextDecoder("utf-8");

/** A function that returns `n` writable bytes; Node callers may pass `Buffer.allocUnsafe`. */
export type Allocator = (size: number) => Uint8Array;

export const defaultAlloc: Allocator = (size) => new Uint8Array(size);

export const EMPTY = /* @__PURE__ */ new Uint8Array(0);

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** A string from UTF-8 bytes (replacement characters for bad sequences). */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** ASCII-only string from bytes, without allocating a decoder (names, commands). */
export function fromAscii(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = "";
  for (let i = start; i < end; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}

/** Writes an ASCII string into `out` at `offset`; returns the offset after it. */
export function writeAscii(out: Uint8Array, offset: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
  return offset + text.length;
}

/** Joins byte arrays into one (returns the only one as is). */
export function concatBytes(parts: readonly Uint8Array[], alloc: Allocator = defaultAlloc): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let size = 0;
  for (const p of parts) size += p.length;
  const out = alloc(size);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reads a big-endian uint32. */
export function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** Writes a big-endian uint32. */
export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

/** Writes a big-endian uint64 from a safe integer. */
export function writeU64(bytes: Uint8Array, offset: number, value: number): void {
  const hi = Math.floor(value / 0x100000000);
  writeU32(bytes, offset, hi);
  writeU32(bytes, offset + 4, value >>> 0);
}

/** Bytes of a string (UTF-8) or the bytes themselves. */
export function toBytes(value: Uint8Array | string): Uint8Array {
  return typeof value === "string" ? utf8(value) : value;
}
