/**
 * CURVE's crypto with X25519 from the runtime's own crypto module
 * (node:crypto: OpenSSL in Node, BoringSSL in Bun), and the boxes
 * (XSalsa20-Poly1305, which node:crypto lacks) from @zmq/curve's default,
 * @noble/ciphers. X25519 is what a CURVE handshake spends its time on:
 * natively it is many times faster than in JavaScript. @zmq/zeromq's
 * default Context and curveKeyPair() use it.
 *
 * node:crypto loads on first use, not at import. The first use checks it
 * against @noble/curves on a known key; where the runtime has no X25519 in
 * node:crypto (or a different answer), everything falls back to the
 * pure-JS backend.
 */
import type * as NodeCrypto from "node:crypto";
import { createRequire } from "node:module";
import { type CurveCrypto, nobleCrypto, sharedBoxKey } from "@zmq/curve";

/** The base64url of 32 zero bytes: a JWK private key needs an "x", and node:crypto derives the real one from "d". */
const ANY_X = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const b64u = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, 32).toString("base64url");

/** The native X25519 operations, or undefined where the runtime lacks them. */
function nativeX25519(): Pick<CurveCrypto, "publicKey" | "keyPair" | "precompute"> | undefined {
  let c: typeof NodeCrypto;
  try {
    c = createRequire(import.meta.url)("node:crypto") as typeof NodeCrypto;
  } catch {
    return undefined;
  }
  // Keys go in as JWK (raw key bytes, tens of microseconds), not DER (OpenSSL 3's decoders take ~0.4 ms a key).
  const privateKey = (secretKey: Uint8Array) =>
    c.createPrivateKey({ key: { kty: "OKP", crv: "X25519", d: b64u(secretKey), x: ANY_X }, format: "jwk" });
  const publicKey = (secretKey: Uint8Array): Uint8Array => {
    const x = c.createPublicKey(privateKey(secretKey)).export({ format: "jwk" }).x!;
    return new Uint8Array(Buffer.from(x, "base64url"));
  };
  const ops = {
    publicKey,
    keyPair() {
      const secretKey = new Uint8Array(32);
      crypto.getRandomValues(secretKey);
      return { publicKey: publicKey(secretKey), secretKey };
    },
    // OpenSSL refuses a low-order public key (an all-zero shared secret) by throwing, as the contract asks.
    precompute(peerPublicKey: Uint8Array, secretKey: Uint8Array): Uint8Array {
      const peer = c.createPublicKey({ key: { kty: "OKP", crv: "X25519", x: b64u(peerPublicKey) }, format: "jwk" });
      return sharedBoxKey(c.diffieHellman({ privateKey: privateKey(secretKey), publicKey: peer }));
    },
  };
  try {
    // A known answer: the same public key and box key as the pure-JS backend.
    const a = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const b = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
    const same = (x: Uint8Array, y: Uint8Array) => x.length === y.length && x.every((v, i) => v === y[i]);
    if (!same(ops.publicKey(a), nobleCrypto.publicKey(a))) return undefined;
    if (!same(ops.precompute(nobleCrypto.publicKey(b), a), nobleCrypto.precompute(nobleCrypto.publicKey(b), a))) return undefined;
  } catch {
    return undefined;
  }
  return ops;
}

let x25519: Pick<CurveCrypto, "publicKey" | "keyPair" | "precompute"> | undefined;
const native = () => (x25519 ??= nativeX25519() ?? nobleCrypto);

/** X25519 from node:crypto, boxes from @noble/ciphers; the pure-JS backend where node:crypto has no X25519. */
export const nodeCurveCrypto: CurveCrypto = {
  /** "node:crypto+noble", or "noble" once the first use found no X25519 in node:crypto. */
  get name() {
    return x25519 === nobleCrypto ? "noble" : "node:crypto+noble";
  },
  publicKey: (secretKey) => native().publicKey(secretKey),
  keyPair: () => native().keyPair(),
  precompute: (publicKey, secretKey) => native().precompute(publicKey, secretKey),
  seal: (key, nonce, plaintext, output) => nobleCrypto.seal(key, nonce, plaintext, output),
  open: (key, nonce, box, output) => nobleCrypto.open(key, nonce, box, output),
};
