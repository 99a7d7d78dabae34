// The APDU layer of epgm:// as libzmq's pgm_sender / pgm_receiver frame it:
// a 2-byte offset of the first message start (0xffff for none), then
// messages in ZMTP/1.0 framing cut at APDU boundaries; a receiver joins at
// an offset and rejoins after reset(). Bytes are checked against the layout
// written out by hand.
import { describe, expect, it } from "vitest";
import { ApduReader, ApduWriter, NO_MESSAGE_START } from "./index.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Packs every message of `msgs` into APDUs of `size` bytes. */
function packAll(size: number, msgs: Uint8Array[][]): Uint8Array[] {
  const writer = new ApduWriter(size);
  const queue = [...msgs];
  const out: Uint8Array[] = [];
  for (let apdu = writer.pack(() => queue.shift()); apdu !== undefined; apdu = writer.pack(() => queue.shift())) out.push(apdu);
  return out;
}

function readAll(apdus: Uint8Array[], maxSize = -1): string[][] {
  const got: string[][] = [];
  const reader = new ApduReader((frames) => got.push(frames.map(text)), maxSize);
  for (const apdu of apdus) expect(reader.push(apdu)).toBe(true);
  return got;
}

describe("ApduWriter", () => {
  it("writes the offset and ZMTP/1.0 frames as libzmq does", () => {
    const [apdu, ...rest] = packAll(100, [[bytes("ab"), bytes("c")], [bytes("")]]);
    expect(rest).toEqual([]);
    // offset 0; "ab" with MORE: length 3 (flags + body), flags 1; "c": 2, 0; empty: 1, 0.
    expect([...apdu!]).toEqual([0, 0, 3, 1, 0x61, 0x62, 2, 0, 0x63, 1, 0]);
  });

  it("uses the 8-byte length for bodies of 254 bytes and more", () => {
    const body = new Uint8Array(254).fill(7);
    const [apdu] = packAll(1000, [[body]]);
    expect([...apdu!.subarray(0, 12)]).toEqual([0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 255, 0]);
    expect(apdu!.length).toBe(2 + 10 + 254);
  });

  it("cuts a long message across APDUs, with 0xffff where no message starts", () => {
    const big = new Uint8Array(50).fill(1);
    const apdus = packAll(20, [[big], [bytes("x")]]);
    // 52 bytes of the first message (2 of header) and 3 of the second, 18 per APDU: the second starts at byte 52.
    expect(apdus.map((a) => a.length)).toEqual([20, 20, 20, 3]);
    const offsets = apdus.map((a) => (a[0]! << 8) | a[1]!);
    expect(offsets).toEqual([0, NO_MESSAGE_START, 52 - 36, NO_MESSAGE_START]);
    expect(readAll(apdus)).toEqual([[text(big)], ["x"]]);
  });

  it("returns nothing when nothing is queued, and ends a message begun even when no more come", () => {
    const writer = new ApduWriter(10);
    expect(writer.pack(() => undefined)).toBeUndefined();
    const queue = [[new Uint8Array(20)]];
    const first = writer.pack(() => queue.shift());
    expect(first!.length).toBe(10);
    expect(writer.partial).toBe(true);
    // 22 bytes in all (2 of header), 8 per APDU.
    const second = writer.pack(() => undefined);
    expect(second!.length).toBe(2 + 8);
    expect((second![0]! << 8) | second![1]!).toBe(NO_MESSAGE_START);
    expect(writer.pack(() => undefined)!.length).toBe(2 + 6);
    expect(writer.partial).toBe(false);
  });

  it("round-trips many messages of mixed sizes through APDUs of the size libzmq uses", () => {
    const msgs: Uint8Array[][] = [];
    for (let i = 0; i < 500; i++) {
      const parts = 1 + (i % 3);
      msgs.push(Array.from({ length: parts }, (_, p) => bytes(`${i}:${p}:`.padEnd((i * 37 + p * 101) % 3000, "z"))));
    }
    const apdus = packAll(1428, msgs);
    for (const a of apdus) expect(a.length).toBeLessThanOrEqual(1428);
    expect(readAll(apdus)).toEqual(msgs.map((m) => m.map(text)));
  });
});

describe("ApduReader", () => {
  const msgs = Array.from({ length: 40 }, (_, i) => [bytes(`m${i}`.padEnd(30, "."))]);
  const apdus = packAll(50, msgs);

  it("joins mid-stream at the first message start", () => {
    // Start at the third APDU: what came before, and the message it begins inside, are skipped.
    const got = readAll(apdus.slice(2));
    const first = Number(got[0]![0]!.slice(1, got[0]![0]!.indexOf(".")));
    expect(first).toBeGreaterThan(0);
    expect(got.map((m) => m[0])).toEqual(msgs.slice(first).map((m) => text(m[0]!)));
  });

  it("after reset() (a loss), drops the half message and rejoins at the next start", () => {
    const got: string[] = [];
    const reader = new ApduReader((frames) => got.push(text(frames[0]!)), -1);
    reader.push(apdus[0]!);
    reader.push(apdus[1]!);
    reader.reset();
    expect(reader.joined).toBe(false);
    // APDU 2 is lost: 3 onwards.
    for (const a of apdus.slice(3)) reader.push(a);
    const indexes = got.map((m) => Number(m.slice(1, m.indexOf("."))));
    // One gap, where the loss was; consecutive on either side, to the end.
    const gaps = indexes.filter((v, i) => i > 0 && v !== indexes[i - 1]! + 1);
    expect(gaps.length).toBe(1);
    expect(indexes[0]).toBe(0);
    expect(indexes.at(-1)).toBe(39);
    expect(indexes.length).toBeLessThan(40);
  });

  it("refuses a frame over maxMessageSize and malformed input, then rejoins", () => {
    const got: string[][] = [];
    const reader = new ApduReader((frames) => got.push(frames.map(text)), 10);
    const [big] = packAll(100, [[new Uint8Array(11)]]);
    expect(reader.push(big!)).toBe(false);
    expect(reader.joined).toBe(false);
    // A zero length byte is malformed in ZMTP/1.0.
    expect(reader.push(Uint8Array.of(0, 0, 0, 0))).toBe(false);
    expect(reader.push(Uint8Array.of(0))).toBe(false);
    // An offset past the data.
    expect(reader.push(Uint8Array.of(0, 9, 2, 0))).toBe(false);
    const [ok] = packAll(100, [[bytes("fine")]]);
    expect(reader.push(ok!)).toBe(true);
    expect(got).toEqual([["fine"]]);
  });
});
