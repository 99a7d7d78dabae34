// The default Context's CURVE backend: X25519 from node:crypto must give
// exactly what @noble/curves gives (public keys, box keys), refuse what it
// refuses, and box with the same bytes, on @noble/ciphers and then on
// libsodium once that has loaded.
import { nobleCrypto, sharedBoxKey } from "@zmq/curve";
import { describe, expect, it } from "vitest";
import { Context, Pull, Push, curveKeyPair, curveMechanism, nodeCurveCrypto } from "./index.js";
import { RFC7748, defaultBoxes, switchingBoxes } from "./node-curve.js";

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
    expect(nodeCurveCrypto.name).toMatch(/^node:crypto\+(noble|libsodium)$/);
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

describe("the default boxes", () => {
  it("move to libsodium's once it has loaded (libsodium-wrappers is installed here), with the same bytes", async () => {
    expect(await defaultBoxes.load()).toBe(true);
    expect(defaultBoxes.name).toBe("libsodium");
    expect(nodeCurveCrypto.name).toBe("node:crypto+libsodium");
    const key = random(32);
    const nonce = random(24);
    for (const size of [0, 1, 64, 1000, 65_536]) {
      const plaintext = random(size);
      const box = nodeCurveCrypto.seal(key, nonce, plaintext);
      expect(box).toEqual(nobleCrypto.seal(key, nonce, plaintext));
      expect(nodeCurveCrypto.open(key, nonce, box)).toEqual(plaintext);
      box[box.length - 1] = box[box.length - 1]! ^ 1;
      expect(nodeCurveCrypto.open(key, nonce, box)).toBeUndefined();
    }
  });

  it("stay on @noble/ciphers where the faster boxes do not load", async () => {
    let asked = 0;
    const boxes = switchingBoxes(() => {
      asked++;
      return Promise.reject(new Error("Cannot find package 'libsodium-wrappers'"));
    });
    const key = random(32);
    const nonce = random(24);
    const box = boxes.seal(key, nonce, random(10));
    expect(await boxes.load()).toBe(false);
    expect(boxes.name).toBe("noble");
    expect(boxes.open(key, nonce, box)).toHaveLength(10);
    expect(asked).toBe(1);
  });

  it("start loading at the first box, and serve @noble/ciphers' until the faster ones arrive", async () => {
    let arrive!: (boxes: { seal: typeof nobleCrypto.seal; open: typeof nobleCrypto.open }) => void;
    const calls: string[] = [];
    const boxes = switchingBoxes(() => new Promise((resolve) => (arrive = resolve)));
    const key = random(32);
    const nonce = random(24);
    const early = boxes.seal(key, nonce, Uint8Array.of(1, 2, 3));
    expect(boxes.name).toBe("noble");
    arrive({
      seal: (...args) => (calls.push("seal"), nobleCrypto.seal(...args)),
      open: (...args) => (calls.push("open"), nobleCrypto.open(...args)),
    });
    expect(await boxes.load()).toBe(true);
    expect(boxes.name).toBe("libsodium");
    // A box made before the switch opens after it.
    expect(boxes.open(key, nonce, early)).toEqual(Uint8Array.of(1, 2, 3));
    expect(calls).toEqual(["open"]);
  });

  it("carry a CURVE connection across the switch: every message arrives, in order", async () => {
    // Both ends' boxes move to libsodium's between two messages of one connection, the sender's first.
    const [{ sodiumCrypto }, { tcp }] = await Promise.all([import("@zmq/curve/sodium"), import("@zmq/transport-tcp")]);
    const sodium = await sodiumCrypto();
    const switches: (() => void)[] = [];
    const side = () => {
      const boxes = switchingBoxes(() => new Promise((resolve) => switches.push(() => resolve(sodium))));
      return { boxes, crypto: { ...nodeCurveCrypto, name: "switching", seal: boxes.seal, open: boxes.open } };
    };
    const sender = side();
    const receiver = side();
    const server = curveKeyPair();
    const client = curveKeyPair();
    const pushContext = new Context({ transports: [tcp()], mechanisms: [curveMechanism({ crypto: sender.crypto })] });
    const pullContext = new Context({ transports: [tcp()], mechanisms: [curveMechanism({ crypto: receiver.crypto })] });
    const pull = new Pull({ context: pullContext, curveServer: true, curveSecretKey: server.secretKey });
    const push = new Push({
      context: pushContext,
      curveServerKey: server.publicKey,
      curvePublicKey: client.publicKey,
      curveSecretKey: client.secretKey,
    });
    try {
      await pull.bind("tcp://127.0.0.1:*");
      push.connect(pull.lastEndpoint!);
      const total = 3_000;
      const names = new Set<string>();
      const received = (async () => {
        let next = 0;
        for await (const [frame] of pull) {
          names.add(receiver.boxes.name);
          if (frame!.readUInt32BE(0) !== next) return next;
          if (++next === total) return next;
          // The receiver switches a third of the way through what it reads.
          if (next === total / 3) switches[1]!();
        }
        return next;
      })();
      const body = Buffer.alloc(64);
      for (let i = 0; i < total; i++) {
        body.writeUInt32BE(i, 0);
        await push.send(body);
        if (i === total / 2) {
          switches[0]!();
          expect(await sender.boxes.load()).toBe(true);
        }
      }
      expect(await received).toBe(total);
      expect(sender.boxes.name).toBe("libsodium");
      expect([...names]).toEqual(["noble", "libsodium"]);
    } finally {
      push.close();
      pull.close();
    }
  });
});
