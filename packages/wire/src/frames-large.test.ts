// Bodies larger than the decoder's preallocation limit (256 KiB) that span
// many chunks: they arrive whole and equal, each in a buffer of exactly its
// size (one copy, no growth), and the decoder never holds more than the
// bytes it was fed while they are incomplete.
import { describe, expect, it } from "vitest";
import { type Framing, FrameDecoder, FrameEncoder, concatBytes } from "./index.js";

const FRAMINGS: Framing[] = ["zmtp3", "zmtp2", "zmtp1"];

/** A body whose every byte depends on its position and a tag, so a misplaced piece shows. */
function body(size: number, tag: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + tag * 7 + (i >>> 10)) & 0xff;
  return out;
}

describe.each(FRAMINGS)("%s: large bodies across chunks", (framing) => {
  it("arrive whole and equal, in buffers of their own size, holding no more than was fed", () => {
    const messages = [[body(256 * 1024 + 1, 1)], [body(3, 2), body((1 << 20) + 7, 3), body(100, 4)], [body(3 * (1 << 20), 5)]];
    const wire = concatBytes(new FrameEncoder({ framing }).encodeMessages(messages));
    const got: Uint8Array[][] = [];
    const decoder = new FrameDecoder({ onMessage: (frames) => got.push(frames), onCommand: () => {} }, { framing });
    let fed = 0;
    // Chunks of 1 B to ~96 KiB, sizes from a fixed sequence.
    for (let i = 0, pos = 0; pos < wire.length; i++) {
      const n = 1 + ((i * 40_503) % 98_304);
      const chunk = wire.slice(pos, pos + n);
      pos += n;
      decoder.feed(chunk);
      fed += chunk.length;
      expect(decoder.buffered).toBeLessThanOrEqual(fed);
    }
    expect(decoder.idle).toBe(true);
    expect(got.map((m) => m.length)).toEqual(messages.map((m) => m.length));
    got.forEach((frames, m) =>
      frames.forEach((frame, f) => {
        const expected = messages[m]![f]!;
        expect(frame.length).toBe(expected.length);
        expect(Buffer.from(frame).equals(Buffer.from(expected))).toBe(true);
        if (expected.length > 256 * 1024) expect(frame.buffer.byteLength).toBe(expected.length);
      }),
    );
  });

  it("a large body trickled a byte at a time arrives whole, held in one buffer rather than a view per byte", () => {
    const expected = body(300 * 1024, 9);
    const wire = concatBytes(new FrameEncoder({ framing }).encodeMessages([[expected]]));
    const got: Uint8Array[][] = [];
    const decoder = new FrameDecoder({ onMessage: (frames) => got.push(frames), onCommand: () => {} }, { framing });
    for (let i = 0; i < wire.length; i++) decoder.feed(wire.subarray(i, i + 1));
    expect(got).toHaveLength(1);
    expect(Buffer.from(got[0]![0]!).equals(Buffer.from(expected))).toBe(true);
    // Not a view of the last one-byte chunk, and no bigger than the body.
    expect(got[0]![0]!.buffer.byteLength).toBe(expected.length);
  });

  it("a length field promising more than arrives holds only what arrived", () => {
    const decoder = new FrameDecoder({ onMessage: () => {}, onCommand: () => {} }, { framing });
    const header = framing === "zmtp1" ? [0xff, 0, 0, 0, 0, 0x40, 0, 0, 1, 0] : [0x02, 0, 0, 0, 0, 0x40, 0, 0, 0];
    decoder.feed(new Uint8Array(header));
    for (let i = 0; i < 20; i++) decoder.feed(new Uint8Array(4096));
    expect(decoder.buffered).toBe(20 * 4096);
    expect(decoder.idle).toBe(false);
  });
});
