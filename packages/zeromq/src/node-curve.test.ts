// The default Context's CURVE backend: X25519 from node:crypto must give
// exactly what @noble/curves gives (public keys, box keys), refuse what it
// refuses, and box with the same bytes.
import { nobleCrypto, sharedBoxKey } from "@zmq/curve";
import { describe, expect, it } from "vitest";
import { nodeCurveCrypto } from "./index.js";
import { RFC7748 } from "./node-curve.js";

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

describe("nodeCurveCrypto", () => {
  it("checks node:crypto against RFC 7748's vectors, which @noble/curves gives too", () => {
    const hex = (text: string) => new Uint8Array(Buffer.from(text, "hex"));
    expect(nobleCrypto.publicKey(hex(RFC7748.alice))).toEqual(hex(RFC7748.alicePublic));
    expect(nobleCrypto.precompute(hex(RFC7748.bobPublic), hex(RFC7748.alice))).toEqual(sharedBoxKey(hex(RFC7748.shared)));
    expect(nodeCurveCrypto.publicKey(hex(RFC7748.alice))).toEqual(hex(RFC7748.alicePublic));
  });

  it("is not the pure-JS fallback here (node:crypto has X25519)", () => {
    // Runs the first-use check; afterwards its answers come from node:crypto.
    const pair = nodeCurveCrypto.keyPair();
    expect(pair.secretKey).toHaveLength(32);
    expect(pair.publicKey).toEqual(nobleCrypto.publicKey(pair.secretKey));
    expect(nodeCurveCrypto.name).toBe("node:crypto+noble");
  });

  it("gives the same public keys and box keys as @noble/curves for 200 random key pairs", () => {
    for (let i = 0; i < 200; i++) {
      const a = random(32);
      const b = random(32);
      expect(nodeCurveCrypto.publicKey(a)).toEqual(nobleCrypto.publicKey(a));
      const key = nodeCurveCrypto.precompute(nobleCrypto.publicKey(b), a);
      expect(key).toEqual(nobleCrypto.precompute(nobleCrypto.publicKey(b), a));
      expect(key).toEqual(nodeCurveCrypto.precompute(nodeCurveCrypto.publicKey(a), b));
    }
  });

  it("throws for a low-order public key, as the pure-JS backend does", () => {
    const lowOrder = [new Uint8Array(32), Uint8Array.from([1, ...new Uint8Array(31)])];
    for (const key of lowOrder) {
      expect(() => nobleCrypto.precompute(key, random(32))).toThrow();
      expect(() => nodeCurveCrypto.precompute(key, random(32))).toThrow();
    }
  });

  it("boxes and opens with the pure-JS backend's bytes", () => {
    const key = random(32);
    const nonce = random(24);
    const plaintext = random(1000);
    const box = nodeCurveCrypto.seal(key, nonce, plaintext);
    expect(box).toEqual(nobleCrypto.seal(key, nonce, plaintext));
    expect(nodeCurveCrypto.open(key, nonce, box)).toEqual(plaintext);
    box[5] = box[5]! ^ 1;
    expect(nodeCurveCrypto.open(key, nonce, box)).toBeUndefined();
  });
});
