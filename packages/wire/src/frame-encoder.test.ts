import { describe, expect, it } from "vitest";
import { FrameDecoder, FrameEncoder, type Framing, bytesEqual, concatBytes } from "./index.js";

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

/** Messages of assorted sizes: empty frames, short and long headers, bodies under and over the copy threshold. */
function assorted(count: number): Uint8Array[][] {
  const sizes = [0, 1, 64, 255, 256, 1000, 8191, 8192, 20_000];
  const out: Uint8Array[][] = [];
  for (let i = 0; i < count; i++) {
    const frames = (i % 3) + 1;
    out.push(Array.from({ length: frames }, (_, f) => bytes(sizes[(i + f) % sizes.length]!, (i + f) & 0xff)));
  }
  return out;
}

function decodeAll(chunks: readonly Uint8Array[], framing: Framing): Uint8Array[][] {
  const got: Uint8Array[][] = [];
  const decoder = new FrameDecoder({ onMessage: (frames) => got.push(frames.map((f) => f.slice())), onCommand: () => {} }, { framing });
  decoder.feed(concatBytes(chunks));
  return got;
}

describe("FrameEncoder.append / take: one message at a time", () => {
  for (const framing of ["zmtp3", "zmtp2", "zmtp1"] as const) {
    it(`${framing}: the same bytes as encodeMessages, across many output buffers; append returns each message's size`, () => {
      const messages = assorted(300);
      const whole = concatBytes(new FrameEncoder({ framing }).encodeMessages(messages));
      const encoder = new FrameEncoder({ framing });
      let sizes = 0;
      const chunks: Uint8Array[] = [];
      messages.forEach((m, i) => {
        sizes += encoder.append(m);
        if (i % 50 === 49) chunks.push(...encoder.take());
      });
      chunks.push(...encoder.take());
      // (bytesEqual: toEqual over megabytes of typed arrays is slow)
      expect(bytesEqual(concatBytes(chunks), whole)).toBe(true);
      expect(sizes).toBe(whole.length);
      const decoded = decodeAll(chunks, framing);
      expect(decoded.length).toBe(messages.length);
      expect(decoded.every((frames, i) => frames.length === messages[i]!.length && frames.every((f, j) => bytesEqual(f, messages[i]![j]!)))).toBe(
        true,
      );
    });
  }

  it("copies bodies under the threshold when appended, and passes larger ones by reference", () => {
    const encoder = new FrameEncoder({ copyThreshold: 100 });
    const small = bytes(99, 1);
    const large = bytes(100, 2);
    encoder.append([small, large]);
    small.fill(7);
    const chunks = encoder.take();
    expect(chunks).toContain(large);
    expect(decodeAll(chunks, "zmtp3")).toEqual([[bytes(99, 1), bytes(100, 2)]]);
  });

  it("never writes again into what it handed out", () => {
    const encoder = new FrameEncoder();
    encoder.append([bytes(10, 1)]);
    const first = encoder.take();
    const before = concatBytes(first);
    for (let i = 0; i < 10_000; i++) encoder.append([bytes(50, i & 0xff)]);
    encoder.take();
    expect(concatBytes(first)).toEqual(before);
  });

  it("keeps encoded chunks (commands) in order among appended messages; take() empties it", () => {
    const encoder = new FrameEncoder();
    encoder.append([bytes(3, 1)]);
    const command = encoder.encodeCommand(Uint8Array.of(4, 80, 73, 78, 71));
    encoder.appendEncoded(command);
    encoder.append([bytes(2, 2)]);
    const chunks = encoder.take();
    expect(concatBytes(chunks)).toEqual(concatBytes([Uint8Array.of(0, 3, 1, 1, 1), command, Uint8Array.of(0, 2, 2, 2)]));
    expect(encoder.take()).toEqual([]);
  });

  it("refuses a message of no frames with EINVAL, and adds nothing", () => {
    const encoder = new FrameEncoder();
    expect(() => encoder.append([])).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(encoder.take()).toEqual([]);
  });
});
