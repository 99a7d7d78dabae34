// The libsodium backend against the pure-JS default: the same bytes for the
// same inputs, the same refusals, and handshakes and traffic between a client
// on one backend and a server on the other (so each checks the other's
// boxes), whole.
import { describe, expect, it } from "vitest";
import { CurveClientMechanism } from "./client.js";
import { type CurveCrypto, nobleCrypto } from "./crypto.js";
import { CurveServerMechanism } from "./server.js";
import { sodiumCrypto } from "./sodium.js";

const sodium = await sodiumCrypto();
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const flip = (b: Uint8Array, at: number) => {
  const c = b.slice();
  c[at]! ^= 1;
  return c;
};

describe("libsodium backend", () => {
  it("gives the default's keys, shared keys and boxes for the same inputs", () => {
    const a = nobleCrypto.keyPair();
    const b = sodium.keyPair();
    expect(sodium.publicKey(a.secretKey)).toEqual(a.publicKey);
    expect(nobleCrypto.publicKey(b.secretKey)).toEqual(b.publicKey);
    const k1 = nobleCrypto.precompute(b.publicKey, a.secretKey);
    const k2 = sodium.precompute(a.publicKey, b.secretKey);
    expect(k2).toEqual(k1);
    for (const size of [0, 1, 64, 1000, 65536]) {
      const plaintext = bytes(size, size & 0xff);
      const nonce = bytes(24, 3);
      const boxed = sodium.seal(k1, nonce, plaintext);
      expect(boxed).toEqual(nobleCrypto.seal(k1, nonce, plaintext));
      expect(nobleCrypto.open(k1, nonce, boxed)).toEqual(plaintext);
      expect(sodium.open(k1, nonce, boxed)).toEqual(plaintext);
    }
  });

  it("boxes of growing and shrinking sizes in its scratch memory stay independent of one another (1 MiB, then small)", () => {
    const key = bytes(32, 4);
    const kept: [Uint8Array, Uint8Array, Uint8Array][] = [];
    for (const [i, size] of [5, 1 << 20, 17, 70000, 0, 16, 300000, 64].entries()) {
      const plaintext = Uint8Array.from({ length: size }, (_, j) => (j * 7 + i) & 0xff);
      const nonce = bytes(24, i);
      const boxed = sodium.seal(key, nonce, plaintext);
      expect(boxed).toEqual(nobleCrypto.seal(key, nonce, plaintext));
      kept.push([nonce, plaintext, boxed]);
    }
    // Every box returned earlier is the caller's own: later boxes did not overwrite it.
    for (const [nonce, plaintext, boxed] of kept) expect(sodium.open(key, nonce, boxed)).toEqual(plaintext);
  });

  it("writes into the caller's buffer as the contract says, in place too", () => {
    const key = bytes(32, 9);
    const nonce = bytes(24, 1);
    const out = new Uint8Array(32 + 10);
    out.set(bytes(10, 5), 32);
    const boxed = sodium.seal(key, nonce, out.subarray(32), out);
    expect(boxed.byteOffset - out.byteOffset).toBe(16);
    expect(boxed).toEqual(nobleCrypto.seal(key, nonce, bytes(10, 5)));
    const opened = sodium.open(key, nonce, boxed, new Uint8Array(boxed.length + 32));
    expect(opened).toEqual(bytes(10, 5));
  });

  it("refuses tampered or short boxes, the wrong key or nonce, and low-order public keys", () => {
    const key = bytes(32, 9);
    const nonce = bytes(24, 1);
    const boxed = sodium.seal(key, nonce, bytes(40, 2));
    for (let i = 0; i < boxed.length; i += 7) expect(sodium.open(key, nonce, flip(boxed, i))).toBeUndefined();
    expect(sodium.open(key, nonce, boxed.subarray(0, 15))).toBeUndefined();
    expect(sodium.open(bytes(32, 8), nonce, boxed)).toBeUndefined();
    expect(sodium.open(key, bytes(24, 2), boxed)).toBeUndefined();
    expect(() => sodium.precompute(new Uint8Array(32), sodium.keyPair().secretKey)).toThrow();
  });

  for (const [clientCrypto, serverCrypto] of [
    [nobleCrypto, sodium],
    [sodium, nobleCrypto],
    [sodium, sodium],
  ] as [CurveCrypto, CurveCrypto][]) {
    it(`a ${clientCrypto.name} client and a ${serverCrypto.name} server shake hands and exchange frames`, async () => {
      const serverLong = serverCrypto.keyPair();
      const clientLong = clientCrypto.keyPair();
      const asked: Uint8Array[] = [];
      const alloc = (n: number) => new Uint8Array(n);
      const server = new CurveServerMechanism(
        { ...serverLong, authenticate: ([key]) => (asked.push(key!), Promise.resolve({ status: "200", userId: "u" })) },
        [["Socket-Type", "PULL"]],
        serverCrypto,
        alloc,
      );
      const client = new CurveClientMechanism({ serverKey: serverLong.publicKey, ...clientLong }, [["Socket-Type", "PUSH"]], clientCrypto, alloc);
      expect(server.processCommand(client.nextCommand()!)).toBeUndefined();
      client.processCommand(server.nextCommand()!);
      await server.processCommand(client.nextCommand()!);
      client.processCommand(server.nextCommand()!);
      expect([client.status, server.status, server.userId]).toEqual(["ready", "ready", "u"]);
      expect(asked).toEqual([clientLong.publicKey]);
      for (let i = 0; i < 50; i++) {
        const body = bytes(i * 37, i);
        expect(server.unwrapFrame(client.wrapFrame({ body, flags: i & 1 })).body).toEqual(body);
        expect(client.unwrapFrame(server.wrapFrame({ body, flags: 0 })).body).toEqual(body);
      }
    });
  }
});
