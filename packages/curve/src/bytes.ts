/** Sizes of CURVE's keys and boxes, and its random source (no crypto library needed). */

/** Bytes a box adds to its plaintext (the Poly1305 tag). */
export const BOX_OVERHEAD = 16;
export const KEY_SIZE = 32;

/** Cryptographically random bytes (crypto.getRandomValues). */
export function randomBytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  // getRandomValues fills at most 65536 bytes per call.
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(out.subarray(at, Math.min(size, at + 65536)));
  return out;
}
