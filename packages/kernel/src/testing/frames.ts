/**
 * Messages as strings, for assertions: `expect(text(await pull.receive())).toEqual(["a", ""])`.
 */

/** A frame as tests hold it: bytes (a Buffer is a Uint8Array), or a string meaning its UTF-8 bytes. */
export type TestFrame = Uint8Array | string;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Each frame decoded as UTF-8 (a string frame as it is). */
export function text(frames: readonly TestFrame[]): string[] {
  return frames.map((f) => (typeof f === "string" ? f : decoder.decode(f)));
}

/** One frame's bytes in lower-case hex, two digits a byte ("" for an empty frame). */
export function frameHex(frame: TestFrame): string {
  const bytes = typeof frame === "string" ? encoder.encode(frame) : frame;
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Each frame's bytes in lower-case hex. */
export function hex(frames: readonly TestFrame[]): string[] {
  return frames.map(frameHex);
}
