/**
 * X25519 for CURVE from @noble/curves: public keys, key pairs and
 * crypto_box_beforenm (the shared box key of two parties). The boxes
 * themselves are in secretbox.ts.
 */
import { x25519 } from "@noble/curves/ed25519.js";
import { KEY_SIZE, randomBytes } from "./bytes.js";
import { sharedBoxKey } from "./secretbox.js";

export { BOX_OVERHEAD, KEY_SIZE, randomBytes } from "./bytes.js";
export { open, seal, sharedBoxKey } from "./secretbox.js";

/** The public key of a secret key (X25519 base point multiplication). */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(secretKey);
}

/** A fresh X25519 key pair. */
export function generateKeyPair(): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const secretKey = randomBytes(KEY_SIZE);
  return { publicKey: publicKeyOf(secretKey), secretKey };
}

/**
 * crypto_box_beforenm: the key two parties share, from one's public key and
 * the other's secret key. Throws for a low-order public key (a shared
 * secret of zeros), which libsodium refuses too.
 */
export function precompute(publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return sharedBoxKey(x25519.getSharedSecret(secretKey, publicKey));
}
