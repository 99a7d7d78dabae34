/**
 * NaCl's crypto_secretbox as CurveZMQ uses it, on the audited pure-JS
 * XSalsa20-Poly1305 and HSalsa20 of @noble/ciphers: a box is the 16-byte
 * MAC followed by the ciphertext (the layout of crypto_box_easy), under a
 * key two parties precomputed once (crypto_box_beforenm) and reuse for
 * every box of a connection. Nothing here needs X25519 (box.ts), so a
 * backend with its own X25519 loads no curve code: this is the entry
 * `@zmq/curve/secretbox`.
 */
import { hsalsa, secretbox } from "@noble/ciphers/salsa.js";
import { BOX_OVERHEAD, KEY_SIZE } from "./bytes.js";

/** "expand 32-byte k", the Salsa20 constants, as little-endian words. */
const SIGMA = /* @__PURE__ */ new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

function words(bytes: Uint8Array): Uint32Array {
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) {
    out[i] = bytes[4 * i]! | (bytes[4 * i + 1]! << 8) | (bytes[4 * i + 2]! << 16) | (bytes[4 * i + 3]! << 24);
  }
  return out;
}

/**
 * The second half of crypto_box_beforenm: the box key (HSalsa20 of the
 * X25519 shared secret, under a zero nonce), for a backend that computes
 * the shared secret itself.
 */
export function sharedBoxKey(shared: Uint8Array): Uint8Array {
  const out = new Uint32Array(8);
  hsalsa(SIGMA, words(shared), new Uint32Array(4), out);
  const key = new Uint8Array(KEY_SIZE);
  for (let i = 0; i < 8; i++) {
    const w = out[i]!;
    key[4 * i] = w & 0xff;
    key[4 * i + 1] = (w >>> 8) & 0xff;
    key[4 * i + 2] = (w >>> 16) & 0xff;
    key[4 * i + 3] = w >>> 24;
  }
  return key;
}

/**
 * Boxes `plaintext` under a precomputed (or secretbox) key and a 24-byte
 * nonce. With `output` (plaintext.length + 32 bytes, which may hold the
 * plaintext at offset 32) the box is written there and returned as its
 * view from offset 16.
 */
export function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, output?: Uint8Array): Uint8Array {
  return secretbox(key, nonce).seal(plaintext, output);
}

/**
 * Opens a box; undefined when it is too short or does not authenticate.
 * With `output` (box.length + 32 bytes) the plaintext is a view into it.
 */
export function open(key: Uint8Array, nonce: Uint8Array, box: Uint8Array, output?: Uint8Array): Uint8Array | undefined {
  if (box.length < BOX_OVERHEAD) return undefined;
  try {
    return secretbox(key, nonce).open(box, output);
  } catch {
    return undefined;
  }
}
