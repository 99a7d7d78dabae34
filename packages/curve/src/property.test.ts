// Property tests (fast-check) for CURVE traffic (session.ts, and the
// mechanisms' wrapFrame / unwrapFrame after a real handshake): any frames
// with any flags round-trip, MESSAGE is always 33 + payload bytes with the
// inner flags byte RFC 26 gives, and the receiver's nonce check is exactly
// "strictly above the last accepted one": increasing nonces pass whatever
// the gaps, anything else is a WireError that leaves the state as it was.
import { nobleCrypto } from "./crypto.js";
import fc from "fast-check";
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, type PlainFrame, ProtocolError, WireError } from "@zmq/wire";
import { describe, expect, it } from "vitest";
import { generateKeyPair, open, precompute, randomBytes } from "./box.js";
import { CurveClientMechanism } from "./client.js";
import { CurveServerMechanism } from "./server.js";
import { CurveTraffic } from "./session.js";

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function readU64(bytes: Uint8Array, at: number): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(at));
}

function nonce(prefix: string, counter: number): Uint8Array {
  const out = new Uint8Array(24);
  out.set(ascii(prefix));
  new DataView(out.buffer).setBigUint64(16, BigInt(counter));
  return out;
}

/** Allocates buffers full of junk, so nothing may rely on fresh memory being zero (Buffer.allocUnsafe is not). */
const dirty = (size: number): Uint8Array => new Uint8Array(size).fill(0xa5);

/** The flags a frame keeps through CURVE: MORE and COMMAND, nothing else. */
const kept = (flags: number): number => flags & (FLAG_MORE | FLAG_COMMAND);
/** RFC 26's inner flags byte: 0x01 MORE, 0x02 COMMAND. */
const inner = (flags: number): number => ((flags & FLAG_MORE) !== 0 ? 0x01 : 0) | ((flags & FLAG_COMMAND) !== 0 ? 0x02 : 0);

const frameArb = fc.record({
  body: fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 200, maxLength: 2000 }) },
  ),
  flags: fc.oneof(fc.constantFrom(0, FLAG_MORE, FLAG_COMMAND, FLAG_MORE | FLAG_COMMAND, FLAG_LONG), fc.integer({ min: 0, max: 255 })),
});

function wireError(fn: () => unknown): WireError {
  try {
    fn();
  } catch (error) {
    if (WireError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a WireError");
}

/** A client -> server traffic pair on a fresh key; the sender's last nonce is `sent`, the receiver's last seen `received`. */
function traffic(sent = 2, received = sent): { key: Uint8Array; sender: CurveTraffic; receiver: CurveTraffic } {
  const key = precompute(generateKeyPair().publicKey, generateKeyPair().secretKey);
  return {
    key,
    sender: new CurveTraffic(key, false, sent, 0, dirty, nobleCrypto),
    receiver: new CurveTraffic(key, true, 0, received, dirty, nobleCrypto),
  };
}

/** A MESSAGE from the client side with nonce exactly `counter`. */
const messageWithNonce = (key: Uint8Array, counter: number, body: Uint8Array): Uint8Array =>
  new CurveTraffic(key, false, counter - 1, 0, dirty, nobleCrypto).wrap({ body, flags: 0 });

describe("CURVE traffic round trips", () => {
  // One key for the runs of this property: deriving keys is the slow part.
  const shared = traffic();

  it("any frames with any flags: body back unchanged, MORE and COMMAND kept, nonces +1 each, 33 + payload bytes", () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 12 }), (frames) => {
        for (const frame of frames) {
          const before = frame.body.slice();
          const message = shared.sender.wrap(frame);
          expect(message.length).toBe(33 + frame.body.length);
          expect(same(message.subarray(0, 8), ascii("\x07MESSAGE"))).toBe(true);
          // The inner flags byte, read by opening the box independently.
          const counter = readU64(message, 8);
          const plain = open(shared.key, nonce("CurveZMQMESSAGEC", counter), message.subarray(16));
          expect(plain?.[0]).toBe(inner(frame.flags));
          const back: PlainFrame = shared.receiver.unwrap(message);
          expect(same(back.body, frame.body)).toBe(true);
          expect(back.flags).toBe(kept(frame.flags));
          expect(same(frame.body, before)).toBe(true); // the input is not touched
        }
      }),
      { numRuns: 200 },
    );
  });

  it("each wrap takes the next nonce, from whatever the last one was", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 20 }), fc.integer({ min: 1, max: 20 }), (start, count) => {
        const key = shared.key;
        const sender = new CurveTraffic(key, false, start, 0, dirty, nobleCrypto);
        const receiver = new CurveTraffic(key, true, 0, start, dirty, nobleCrypto);
        for (let i = 1; i <= count; i++) {
          const m = sender.wrap({ body: Uint8Array.of(i), flags: 0 });
          expect(readU64(m, 8)).toBe(start + i);
          expect(receiver.unwrap(m).body).toEqual(Uint8Array.of(i));
        }
      }),
      { numRuns: 100 },
    );
  });

  it("between real mechanisms after a handshake, both ways", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), frameArb), { minLength: 1, maxLength: 10 }), async (items) => {
        const serverLong = generateKeyPair();
        const client = new CurveClientMechanism(
          { serverKey: serverLong.publicKey, ...generateKeyPair() },
          [["Socket-Type", "DEALER"]],
          nobleCrypto,
          dirty,
        );
        const server = new CurveServerMechanism(
          { ...serverLong, authenticate: () => Promise.resolve(undefined) },
          [["Socket-Type", "ROUTER"]],
          nobleCrypto,
          dirty,
        );
        expect(server.processCommand(client.nextCommand()!)).toBeUndefined();
        client.processCommand(server.nextCommand()!);
        await server.processCommand(client.nextCommand()!);
        client.processCommand(server.nextCommand()!);
        const expected = { client: 3, server: 2 };
        for (const [fromClient, frame] of items) {
          const [from, to, side] = fromClient ? ([client, server, "client"] as const) : ([server, client, "server"] as const);
          const message = from.wrapFrame(frame);
          expect(readU64(message, 8)).toBe(expected[side]++);
          const back = to.unwrapFrame(message);
          expect(same(back.body, frame.body) && back.flags === kept(frame.flags)).toBe(true);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe("CURVE MESSAGE nonces", () => {
  const { key } = traffic();
  const body = ascii("n");

  it("strictly increasing nonces are accepted, whatever the gaps", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { minLength: 1, maxLength: 25 }),
        fc.nat(),
        (values, below) => {
          const nonces = [...values].sort((a, b) => a - b);
          const receiver = new CurveTraffic(key, true, 0, below % nonces[0]!, dirty, nobleCrypto);
          for (const n of nonces) expect(receiver.unwrap(messageWithNonce(key, n, body)).body).toEqual(body);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("any nonce not above the last accepted one is a WireError (ZMTP_INVALID_SEQUENCE), and changes nothing", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER - 1 }), fc.nat(), (last, back) => {
        const receiver = new CurveTraffic(key, true, 0, 0, dirty, nobleCrypto);
        receiver.unwrap(messageWithNonce(key, last, body));
        // A properly sealed MESSAGE with an old nonce: 0 <= stale <= last.
        const stale = last - (back % (last + 1));
        const error = wireError(() => receiver.unwrap(messageWithNonce(key, Math.max(stale, 1), body)));
        expect([error.code, error.protocolError]).toEqual(["ZMTP_MALFORMED_COMMAND", ProtocolError.ZMTP_INVALID_SEQUENCE]);
        if (stale === 0) {
          // Nonce 0 cannot be made with a sender (its counter starts above 0): write it in by hand; the box no longer matters.
          const m = messageWithNonce(key, 1, body);
          m.fill(0, 8, 16);
          expect(wireError(() => receiver.unwrap(m)).protocolError).toBe(ProtocolError.ZMTP_INVALID_SEQUENCE);
        }
        // The receiver still takes the very next nonce.
        expect(receiver.unwrap(messageWithNonce(key, last + 1, body)).body).toEqual(body);
      }),
      { numRuns: 200 },
    );
  });

  it("in any order, exactly the nonces above every one accepted before are accepted", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 5 }), (nonces, start) => {
        const receiver = new CurveTraffic(key, true, 0, start, dirty, nobleCrypto);
        let last = start;
        for (const n of nonces) {
          const m = messageWithNonce(key, n, Uint8Array.of(n));
          if (n > last) {
            expect(receiver.unwrap(m).body).toEqual(Uint8Array.of(n));
            last = n;
          } else {
            expect(wireError(() => receiver.unwrap(m)).protocolError).toBe(ProtocolError.ZMTP_INVALID_SEQUENCE);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a rejected MESSAGE (bad box) does not move the nonce: the same nonce with a good box is still taken", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.nat(), (n, where) => {
        const receiver = new CurveTraffic(key, true, 0, 0, dirty, nobleCrypto);
        const good = messageWithNonce(key, n, randomBytes(8));
        const bad = good.slice();
        bad[16 + (where % (good.length - 16))]! ^= 0x40;
        expect(wireError(() => receiver.unwrap(bad)).protocolError).toBe(ProtocolError.ZMTP_CRYPTOGRAPHIC);
        expect(receiver.unwrap(good).body.length).toBe(8);
      }),
      { numRuns: 150 },
    );
  });
});
