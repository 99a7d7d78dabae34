/**
 * NaCl's crypto_box and crypto_secretbox, as CurveZMQ uses them, on audited
 * pure-JS primitives: X25519 from @noble/curves, HSalsa20 and
 * XSalsa20-Poly1305 from @noble/ciphers. A box is the 16-byte MAC followed
 * by the ciphertext (the layout of crypto_box_easy). Keys between two
 * parties are precomputed once (crypto_box_beforenm) and reused for every
 * box of a connection. Random bytes come from crypto.getRandomValues.
 */
import { hsalsa, secretbox } from "@noble/ciphers/salsa.js";
import { x25519 } from "@noble/curves/ed25519.js";

/** Bytes a box adds to its plaintext (the Poly1305 tag). */
export const BOX_OVERHEAD = 16;
export const KEY_SIZE = 32;

/** "expand 32-byte k", the Salsa20 constants, as little-endian words. */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

/** Cryptographically random bytes. */
export function randomBytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  // getRandomValues fills at most 65536 bytes per call.
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(out.subarray(at, Math.min(size, at + 65536)));
  return out;
}

/** The public key of a secret key (X25519 base point multiplication). */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(secretKey);
}

/** A fresh X25519 key pair. */
export function generateKeyPair(): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const secretKey = randomBytes(KEY_SIZE);
  return { publicKey: publicKeyOf(secretKey), secretKey };
}

function words(bytes: Uint8Array): Uint32Array {
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) {
    out[i] = bytes[4 * i]! | (bytes[4 * i + 1]! << 8) | (bytes[4 * i + 2]! << 16) | (bytes[4 * i + 3]! << 24);
  }
  return out;
}

/**
 * crypto_box_beforenm: the key two parties share, from one's public key and
 * the other's secret key. Throws for a low-order public key (a shared
 * secret of zeros), which libsodium refuses too.
 */
export function precompute(publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return sharedBoxKey(x25519.getSharedSecret(secretKey, publicKey));
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
