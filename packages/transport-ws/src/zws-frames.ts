/**
 * ZWS 2.0 frames written straight into RFC 6455 frames: each frame of each
 * message is one binary WebSocket message whose payload is the ZWS flags
 * byte (MORE on every frame of a message but its last) and the body. Small
 * frames share one buffer, written with their flags byte and, on the
 * client, masked on the way in: one copy per frame, no payload buffer in
 * between. A large body goes after a header of its own: as it lies on the
 * server (no copy at all), in one aligned copy masked where it lies on the
 * client (the application's buffer is never touched). Runtime-agnostic.
 */
import { ZWS_MORE } from "@zmq/engine/zws";
import { OP_BINARY, headerSize, putHeader, writeHeader } from "./frame-codec.js";
import { maskInto, maskKey, newMask, putMask, xorInto } from "./masking.js";

/** Bodies at least this large are not copied into the shared buffer. */
const OWN_BUFFER = 1024;

/** Writes one frame's WebSocket frame at `at` (its payload `flags` then `body`); returns the offset after it. */
function writeZwsFrame(out: Uint8Array, at: number, flags: number, body: Uint8Array, masked: boolean): number {
  const length = body.length;
  at = putHeader(out, at, OP_BINARY, length + 1, masked);
  if (!masked) {
    out[at] = flags;
    out.set(body, at + 1);
    return at + 1 + length;
  }
  const key = maskKey();
  at = putMask(out, at, key);
  out[at++] = flags ^ (key >>> 24);
  // The body starts at payload byte 1: its first byte takes the mask's second byte (the key rotated by one).
  xorInto(out, at, body, 0, length, ((key << 8) | (key >>> 24)) >>> 0);
  return at + length;
}

/**
 * The chunks to write for `messages`, in order. `large` gives the buffers
 * that large masked bodies are copied into (a writer that knows when they
 * are free again may hand out the same ones); by default `alloc`.
 */
export function encodeZwsFrames(
  messages: readonly (readonly Uint8Array[])[],
  masked: boolean,
  alloc: (size: number) => Uint8Array,
  large: (size: number) => Uint8Array = alloc,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  let small = 0;
  for (const frames of messages) for (const f of frames) if (f.length < OWN_BUFFER) small += headerSize(f.length + 1, masked) + f.length + 1;
  const shared = small > 0 ? alloc(small) : undefined;
  let start = 0;
  let at = 0;
  for (const frames of messages) {
    const last = frames.length - 1;
    for (let i = 0; i <= last; i++) {
      const body = frames[i]!;
      const flags = i < last ? ZWS_MORE : 0;
      if (body.length < OWN_BUFFER) {
        at = writeZwsFrame(shared!, at, flags, body, masked);
        continue;
      }
      if (at > start) out.push(shared!.subarray(start, at));
      start = at;
      if (!masked) {
        const head = alloc(headerSize(body.length + 1, false) + 1);
        const end = putHeader(head, 0, OP_BINARY, body.length + 1, false);
        head[end] = flags;
        out.push(head, body);
        continue;
      }
      // The payload starts 3 bytes into a fresh (aligned) buffer, so that the body after the flags byte is aligned:
      // copied and masked in one pass, a word at a time, with the mask turned by the one byte before it.
      const raw = large(body.length + 4);
      const mask = newMask();
      raw[3] = flags ^ mask[0]!;
      maskInto(raw.subarray(4), body, Uint8Array.of(mask[1]!, mask[2]!, mask[3]!, mask[0]!));
      const head = alloc(headerSize(body.length + 1, true));
      writeHeader(head, OP_BINARY, body.length + 1, mask);
      out.push(head, raw.subarray(3));
    }
  }
  if (at > start) out.push(start === 0 && at === shared!.length ? shared! : shared!.subarray(start, at));
  return out;
}
