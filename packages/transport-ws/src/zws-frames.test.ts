// ZWS frames written straight into WebSocket frames (RawWsStream.writeFrames):
// what the decoder reads back is, per frame, one binary message holding the
// flags byte and the body, masked from the client, in the clear from the
// server; large bodies go by reference from the server and are never
// touched; every length across the 7/16/64-bit header edges and the
// shared-buffer limit, and every body alignment of the masking loop.
import { ZWS_MORE } from "@zmq/engine/zws";
import { describe, expect, it } from "vitest";
import { WsFrameDecoder } from "./frame-codec.js";
import { encodeZwsFrames } from "./zws-frames.js";

const alloc = (n: number) => new Uint8Array(n);

function decode(chunks: readonly Uint8Array[], expectMasked: boolean): Uint8Array[] {
  const got: Uint8Array[] = [];
  let error: string | undefined;
  const d = new WsFrameDecoder(
    { expectMasked, maxPayload: 1 << 24, alloc },
    {
      onBinary: (p) => got.push(p.slice()),
      onText: () => (error = "text"),
      onPing: () => (error = "ping"),
      onPong: () => (error = "pong"),
      onClose: () => (error = "close"),
      onError: (reason) => (error = reason),
    },
  );
  for (const c of chunks) d.feed(c);
  expect(error).toBeUndefined();
  return got;
}

const body = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const payload = (flags: number, b: Uint8Array) => Uint8Array.from([flags, ...b]);

describe("encodeZwsFrames", () => {
  for (const masked of [true, false]) {
    it(`${masked ? "masked (client)" : "in the clear (server)"}: every frame of every message, flags and body, sizes across the edges`, () => {
      const sizes = [0, 1, 2, 3, 4, 5, 63, 64, 124, 125, 126, 127, 1022, 1023, 1024, 1025, 65534, 65535, 65536, 70000];
      // Unaligned bodies too (views at odd offsets), which the word loops cannot take.
      const unaligned = [1, 2, 3].map((o) => body(5000 + o, o).subarray(o));
      const messages = [sizes.map((n, i) => body(n, i)), [body(7, 99)], sizes.slice(0, 6).map((n) => body(n, n + 1)), unaligned];
      const originals = messages.map((m) => m.map((f) => f.slice()));
      const got = decode(encodeZwsFrames(messages, masked, alloc), masked);
      const want = messages.flatMap((frames) => frames.map((f, i) => payload(i < frames.length - 1 ? ZWS_MORE : 0, f)));
      expect(got).toHaveLength(want.length);
      for (let i = 0; i < want.length; i++) expect(got[i]).toEqual(want[i]);
      // The application's frames are never masked in place.
      expect(messages).toEqual(originals);
    });
  }

  it("sends a large body by reference from the server, and small frames in one buffer", () => {
    const large = body(4096, 3);
    const chunks = encodeZwsFrames([[body(10, 1), large], [body(20, 2)]], false, alloc);
    expect(chunks.some((c) => c === large)).toBe(true);
    expect(chunks).toHaveLength(4); // the small frame, the large one's header and flags, its body, the last small frame
  });

  it("decodes the same when the written bytes arrive one at a time", () => {
    const messages = [[body(3, 1), body(200, 2)], [body(1500, 3)]];
    const bytes = encodeZwsFrames(messages, true, alloc).flatMap((c) => [...c].map((b) => Uint8Array.of(b)));
    const got = decode(bytes, true);
    expect(got).toEqual([payload(ZWS_MORE, messages[0]![0]!), payload(0, messages[0]![1]!), payload(0, messages[1]![0]!)]);
  });
});
