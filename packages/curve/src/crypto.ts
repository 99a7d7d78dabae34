/**
 * The crypto a CURVE connection uses, behind one small interface, so that a
 * user can choose a faster backend than the default pure-JS one (for
 * example libsodium's WebAssembly build, from `@zmq/curve/sodium`). Every
 * backend gives NaCl's semantics: X25519, crypto_box_beforenm, and
 * XSalsa20-Poly1305 secretboxes in the "easy" layout (MAC, then
 * ciphertext). The same tests hold for each. A backend reads the keys and
 * nonces it is given during the call only: the caller reuses their memory.
 */
import { generateKeyPair, open, precompute, publicKeyOf, seal } from "./box.js";

export interface CurveCrypto {
  /** A short name for diagnostics: "noble", "libsodium". */
  readonly name: string;
  /** The X25519 public key of a 32-byte secret key. */
  publicKey(secretKey: Uint8Array): Uint8Array;
  /** A fresh key pair. */
  keyPair(): { publicKey: Uint8Array; secretKey: Uint8Array };
  /** crypto_box_beforenm; throws for a low-order public key. */
  precompute(publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /**
   * A secretbox of `plaintext`. With `output` (plaintext.length + 32 bytes,
   * which may hold the plaintext at offset 32) the box is written at offset
   * 16 of it and that view returned.
   */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, output?: Uint8Array): Uint8Array;
  /** Opens a secretbox; undefined when it does not authenticate. With `output` (box.length + 32 bytes) the plaintext is a view into it. */
  open(key: Uint8Array, nonce: Uint8Array, box: Uint8Array, output?: Uint8Array): Uint8Array | undefined;
}

/** The default: @noble/curves and @noble/ciphers, pure JavaScript, every runtime. */
export const nobleCrypto: CurveCrypto = {
  name: "noble",
  publicKey: publicKeyOf,
  keyPair: generateKeyPair,
  precompute,
  seal,
  open,
};
