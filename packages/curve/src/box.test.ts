// crypto_box as CurveZMQ uses it (box.ts): known answers from the classic
// NaCl "box" test of Bernstein's NaCl (Alice's secret key, Bob's public key,
// the 24-byte nonce and the 131-byte message, which libsodium's tests reuse),
// a second, independent secretbox assembled from @noble/ciphers' xsalsa20
// stream and poly1305 MAC, and the failure cases: any flipped bit, a short
// box, a wrong key or nonce, and low-order public keys.
import { xsalsa20 } from "@noble/ciphers/salsa.js";
import { poly1305 } from "@noble/ciphers/_poly1305.js";
import { describe, expect, it } from "vitest";
import { BOX_OVERHEAD, KEY_SIZE, generateKeyPair, open, precompute, publicKeyOf, randomBytes, seal } from "./box.js";

const fromHex = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

// The NaCl box test vector (nacl-20110221 tests/box.c, box2.c, box7.c...; the
// X25519 keys are also RFC 7748 §6.1's).
const ALICE_SECRET = fromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
const ALICE_PUBLIC = fromHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
const BOB_SECRET = fromHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
const BOB_PUBLIC = fromHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
/** crypto_box_beforenm(bobpk, alicesk): HSalsa20 of the X25519 shared secret (NaCl tests/core1.c's "firstkey"). */
const BEFORENM = fromHex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389");
const NONCE = fromHex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37");
const MESSAGE = fromHex(
  "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c6129" +
    "6cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde" +
    "048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f9377638486" +
    "45e0705",
);
/** The box (MAC then ciphertext): NaCl's c[16..147], the layout of crypto_box_easy. */
const BOX = fromHex(
  "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186a" +
    "c0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae" +
    "90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74" +
    "e355a5",
);

/**
 * A second crypto_secretbox (= crypto_box_afternm), built from @noble's bare
 * xsalsa20 stream and poly1305 MAC rather than its secretbox: the first 32
 * stream bytes are the one-time Poly1305 key, the rest encrypt the message,
 * and the tag covers the ciphertext.
 */
function referenceSeal(key: Uint8Array, nonce: Uint8Array, message: Uint8Array): Uint8Array {
  const padded = new Uint8Array(32 + message.length);
  padded.set(message, 32);
  const stream = xsalsa20(key, nonce, padded);
  const ciphertext = stream.subarray(32);
  const out = new Uint8Array(16 + message.length);
  out.set(poly1305(ciphertext, stream.subarray(0, 32)));
  out.set(ciphertext, 16);
  return out;
}

function referenceOpen(key: Uint8Array, nonce: Uint8Array, box: Uint8Array): Uint8Array | undefined {
  if (box.length < 16) return undefined;
  const polyKey = xsalsa20(key, nonce, new Uint8Array(32));
  const tag = poly1305(box.subarray(16), polyKey);
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= tag[i]! ^ box[i]!;
  if (diff !== 0) return undefined;
  const padded = new Uint8Array(box.length + 16);
  padded.set(box.subarray(16), 32);
  return xsalsa20(key, nonce, padded).subarray(32);
}

describe("crypto_box known answers (NaCl's box test)", () => {
  it("derives Alice's and Bob's public keys from their secret keys", () => {
    expect(toHex(publicKeyOf(ALICE_SECRET))).toBe(toHex(ALICE_PUBLIC));
    expect(toHex(publicKeyOf(BOB_SECRET))).toBe(toHex(BOB_PUBLIC));
  });

  it("precompute equals crypto_box_beforenm, the same from either side", () => {
    expect(toHex(precompute(BOB_PUBLIC, ALICE_SECRET))).toBe(toHex(BEFORENM));
    expect(toHex(precompute(ALICE_PUBLIC, BOB_SECRET))).toBe(toHex(BEFORENM));
  });

  it("seals the message into the vector's box (Alice to Bob)", () => {
    const box = seal(precompute(BOB_PUBLIC, ALICE_SECRET), NONCE, MESSAGE);
    expect(MESSAGE.length).toBe(131);
    expect(box.length).toBe(MESSAGE.length + BOX_OVERHEAD);
    expect(toHex(box)).toBe(toHex(BOX));
  });

  it("opens the vector's box back into the message (Bob from Alice)", () => {
    const opened = open(precompute(ALICE_PUBLIC, BOB_SECRET), NONCE, BOX);
    expect(opened && toHex(opened)).toBe(toHex(MESSAGE));
  });

  it("seals in place into a caller's buffer, as MESSAGE boxes do", () => {
    const key = precompute(BOB_PUBLIC, ALICE_SECRET);
    const out = new Uint8Array(MESSAGE.length + 32);
    out.set(MESSAGE, 32);
    const box = seal(key, NONCE, out.subarray(32), out);
    expect(toHex(box)).toBe(toHex(BOX));
    const scratch = new Uint8Array(BOX.length + 32);
    const opened = open(key, NONCE, BOX, scratch);
    expect(opened && toHex(opened)).toBe(toHex(MESSAGE));
    expect(opened?.buffer).toBe(scratch.buffer);
  });

  it("the reference construction agrees with the vector too (so it is a fair judge)", () => {
    expect(toHex(referenceSeal(BEFORENM, NONCE, MESSAGE))).toBe(toHex(BOX));
    expect(toHex(referenceOpen(BEFORENM, NONCE, BOX)!)).toBe(toHex(MESSAGE));
  });
});

describe("crypto_box against an independent xsalsa20 + poly1305 construction", () => {
  it("agrees both ways for random keys, nonces and lengths 0..300", () => {
    for (let length = 0; length <= 300; length += length < 70 ? 1 : 23) {
      const alice = generateKeyPair();
      const bob = generateKeyPair();
      const key = precompute(bob.publicKey, alice.secretKey);
      expect(toHex(precompute(alice.publicKey, bob.secretKey))).toBe(toHex(key));
      const nonce = randomBytes(24);
      const message = randomBytes(length);
      const box = seal(key, nonce, message);
      expect(box.length).toBe(length + BOX_OVERHEAD);
      expect(toHex(referenceOpen(key, nonce, box)!)).toBe(toHex(message));
      expect(toHex(open(key, nonce, referenceSeal(key, nonce, message))!)).toBe(toHex(message));
    }
  });
});

describe("open refuses what does not authenticate", () => {
  const key = precompute(BOB_PUBLIC, ALICE_SECRET);

  it("returns undefined for every single flipped bit of the box", () => {
    for (let bit = 0; bit < BOX.length * 8; bit++) {
      const bad = BOX.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(open(key, NONCE, bad), `bit ${bit}`).toBeUndefined();
    }
  });

  it("returns undefined for every flipped bit of the nonce and of the key", () => {
    for (let bit = 0; bit < 24 * 8; bit++) {
      const nonce = NONCE.slice();
      nonce[bit >> 3]! ^= 1 << (bit & 7);
      expect(open(key, nonce, BOX), `nonce bit ${bit}`).toBeUndefined();
    }
    for (let bit = 0; bit < KEY_SIZE * 8; bit++) {
      const wrong = key.slice();
      wrong[bit >> 3]! ^= 1 << (bit & 7);
      expect(open(wrong, NONCE, BOX), `key bit ${bit}`).toBeUndefined();
    }
  });

  it("returns undefined for a box under another key pair", () => {
    const eve = generateKeyPair();
    expect(open(precompute(eve.publicKey, BOB_SECRET), NONCE, BOX)).toBeUndefined();
    expect(open(precompute(BOB_PUBLIC, eve.secretKey), NONCE, BOX)).toBeUndefined();
  });

  it("returns undefined (never throws) for every truncation and for boxes shorter than the MAC", () => {
    for (let length = 0; length < BOX.length; length++) {
      expect(open(key, NONCE, BOX.subarray(0, length)), `length ${length}`).toBeUndefined();
    }
    expect(open(key, NONCE, new Uint8Array(0))).toBeUndefined();
    expect(open(key, NONCE, new Uint8Array(15))).toBeUndefined();
  });

  it("returns undefined for an extended box, and for bad key or nonce sizes", () => {
    const longer = new Uint8Array(BOX.length + 1);
    longer.set(BOX);
    expect(open(key, NONCE, longer)).toBeUndefined();
    expect(open(key.subarray(0, 31), NONCE, BOX)).toBeUndefined();
    expect(open(key, NONCE.subarray(0, 23), BOX)).toBeUndefined();
  });

  it("opens the empty message's box, and nothing else of 16 bytes", () => {
    const empty = seal(key, NONCE, new Uint8Array(0));
    expect(empty.length).toBe(16);
    expect(open(key, NONCE, empty)?.length).toBe(0);
    const bad = empty.slice();
    bad[0]! ^= 0x80;
    expect(open(key, NONCE, bad)).toBeUndefined();
  });
});

describe("precompute rejects low-order public keys", () => {
  const { secretKey } = generateKeyPair();
  // Points of small order on Curve25519 (and their non-canonical twins): the shared secret is all zeros.
  const lowOrder = [
    new Uint8Array(32), // 0
    fromHex("0100000000000000000000000000000000000000000000000000000000000000"), // 1
    fromHex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"), // order 8
    fromHex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"), // order 8
    fromHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // p - 1
    fromHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // p (= 0)
    fromHex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // p + 1 (= 1)
  ];

  it.each(lowOrder.map((k) => [toHex(k), k] as const))("throws for %s", (_, key) => {
    expect(() => precompute(key, secretKey)).toThrow();
  });

  it("accepts an ordinary public key", () => {
    expect(precompute(generateKeyPair().publicKey, secretKey).length).toBe(KEY_SIZE);
  });
});

describe("keys and randomness", () => {
  it("generateKeyPair gives 32-byte keys whose public key matches, different every time", () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect([a.publicKey.length, a.secretKey.length]).toEqual([32, 32]);
    expect(toHex(publicKeyOf(a.secretKey))).toBe(toHex(a.publicKey));
    expect(toHex(a.secretKey)).not.toBe(toHex(b.secretKey));
  });

  it("randomBytes fills more than one getRandomValues call's worth", () => {
    const bytes = randomBytes(65536 * 2 + 5);
    expect(bytes.length).toBe(131077);
    // Past the first 65536 bytes is filled too (the last 5 bytes all zero: probability 2^-40).
    expect(bytes.subarray(65536, 131072).some((b) => b !== 0)).toBe(true);
    expect(bytes.subarray(131072).some((b) => b !== 0)).toBe(true);
  });
});
