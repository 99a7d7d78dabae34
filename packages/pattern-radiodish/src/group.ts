import { type FrameCodec, ZmqError } from "@zmq/kernel";

/** The longest group name in bytes: libzmq 4.3's ZMQ_GROUP_MAX_LENGTH. */
export const GROUP_MAX_LENGTH = 255;

/** A group as send(), join() and leave() take it. */
export type GroupLike = string | Uint8Array;

/**
 * A group name as bytes. libzmq keeps groups as C strings (zmq_join,
 * zmq_msg_set_group), so the name ends at its first NUL byte, as zeromq.js
 * users see; longer than GROUP_MAX_LENGTH bytes is EINVAL.
 */
export function groupBytes(group: unknown, frames: FrameCodec, what: string): Uint8Array {
  let bytes: Uint8Array;
  if (typeof group === "string") bytes = frames.fromString(group);
  else if (group instanceof Uint8Array) bytes = group;
  else throw new ZmqError("EINVAL", `${what}: a group must be a string or a Buffer, got ${group === null ? "null" : typeof group}`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) bytes = bytes.subarray(0, nul);
  if (bytes.length > GROUP_MAX_LENGTH) {
    throw new ZmqError("EINVAL", `${what}: a group is at most ${GROUP_MAX_LENGTH} bytes (ZMQ_GROUP_MAX_LENGTH), got ${bytes.length}`);
  }
  return bytes;
}

/** A Map key for group bytes (one char per byte, so any bytes are kept apart). */
export function groupKey(group: Uint8Array): string {
  let key = "";
  for (let i = 0; i < group.length; i++) key += String.fromCharCode(group[i]!);
  return key;
}
