import { describe, expect, it } from "vitest";
import { FrameDecoder, FrameEncoder, concatBytes } from "./index.js";

describe("FrameDecoderOptions.view", () => {
  it("makes the views of frames inside one chunk; frames that span chunks are assembled as before", () => {
    const calls: [number, number][] = [];
    const got: Uint8Array[][] = [];
    const decoder = new FrameDecoder(
      { onMessage: (frames) => got.push(frames), onCommand: () => {} },
      {
        view: (buffer, byteOffset, byteLength) => {
          calls.push([byteOffset, byteLength]);
          return new Uint8Array(buffer, byteOffset, byteLength);
        },
      },
    );
    const bytes = concatBytes(
      new FrameEncoder().encodeMessages([[Uint8Array.of(1, 2, 3)], [Uint8Array.of(4), new Uint8Array(0)], [new Uint8Array(300).fill(5)]]),
    );
    // The first two messages whole in the first chunk; the 300-byte body split across two.
    const cut = 2 + 3 + 2 + 1 + 2 + 9 + 100;
    // (The chunks lie 8 bytes into their buffer: the views are made at the buffer's offsets.)
    const whole = new Uint8Array(bytes.length + 8);
    whole.set(bytes, 8);
    decoder.feed(whole.subarray(8, 8 + cut));
    decoder.feed(whole.subarray(8 + cut));
    // (An empty frame needs no view.)
    expect(calls).toEqual([
      [10, 3],
      [15, 1],
    ]);
    expect(got.map((m) => m.map((f) => [...f]))).toEqual([[[1, 2, 3]], [[4], []], [new Array<number>(300).fill(5)]]);
  });
});
