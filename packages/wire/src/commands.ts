/**
 * ZMTP 3.x commands (RFC 23, RFC 37): the generic `name-len name data`
 * envelope, and the typed commands every connection uses (READY, ERROR,
 * SUBSCRIBE, CANCEL, PING, PONG, and the draft RADIO/DISH JOIN and LEAVE).
 * Mechanism-specific commands (HELLO, WELCOME, INITIATE) live with their
 * mechanism.
 */
import { fromAscii, fromUtf8, utf8, writeAscii } from "./bytes.js";
import { ProtocolError, WireError } from "./errors.js";
import { decodeMetadata, encodeMetadata, type Metadata, type MetadataInput } from "./metadata.js";

/** A command as framed: its name and the bytes after the name. */
export interface RawCommand {
  readonly name: string;
  /** The command's data; a view into the frame body. */
  readonly data: Uint8Array;
}

export type Command =
  | { readonly name: "READY"; readonly properties: Metadata }
  | { readonly name: "ERROR"; readonly reason: string }
  | { readonly name: "SUBSCRIBE"; readonly topic: Uint8Array }
  | { readonly name: "CANCEL"; readonly topic: Uint8Array }
  /** `ttl` in tenths of a second as on the wire; `context` at most 16 bytes. */
  | { readonly name: "PING"; readonly ttl: number; readonly context: Uint8Array }
  | { readonly name: "PONG"; readonly context: Uint8Array }
  /** A DISH joins a group at its RADIO: `04 "JOIN" group` (libzmq's dish_session_t), group at most 255 bytes. */
  | { readonly name: "JOIN"; readonly group: Uint8Array }
  /** A DISH leaves a group: `05 "LEAVE" group`. */
  | { readonly name: "LEAVE"; readonly group: Uint8Array };

/** The longest RADIO/DISH group name, in bytes (libzmq 4.3's ZMQ_GROUP_MAX_LENGTH). */
export const MAX_GROUP_LENGTH = 255;

function checkGroup(name: "JOIN" | "LEAVE", group: Uint8Array, decoding: boolean): void {
  if (group.length <= MAX_GROUP_LENGTH) return;
  const message = `${name} group must be at most ${MAX_GROUP_LENGTH} bytes, got ${group.length}`;
  // libzmq's RADIO would assert on such a command; we close the connection instead.
  throw decoding
    ? new WireError("ZMTP_MALFORMED_COMMAND", message, {
        field: "group",
        value: group.length,
        protocolError: ProtocolError.ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
      })
    : new WireError("EINVAL", message, { field: "group", value: group.length });
}

/** The longest PING context a PONG echoes (RFC 37). */
export const MAX_PING_CONTEXT = 16;

/** Encodes a command body: `name-len name data`. */
export function encodeCommandBody(name: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (name.length === 0 || name.length > 255) {
    throw new WireError("EINVAL", `Command name must be 1..255 characters, got ${JSON.stringify(name)}`, {
      field: "command name",
      value: name,
    });
  }
  const out = new Uint8Array(1 + name.length + data.length);
  out[0] = name.length;
  writeAscii(out, 1, name);
  out.set(data, 1 + name.length);
  return out;
}

/**
 * libzmq 4.3.x's PLAIN and CURVE servers write their ERROR command's name
 * with a C hex escape that swallows the "E" ("\x05E" is 0x5E), so the body
 * on the wire is `5E 'RROR' reason-len reason`. Seen from libzmq 4.3.5;
 * read it as the ERROR it means so the status (400, 500) reaches the user.
 */
const LIBZMQ_MANGLED_ERROR = [0x5e, 0x52, 0x52, 0x4f, 0x52];

function isLibzmqMangledError(body: Uint8Array): boolean {
  if (body.length < LIBZMQ_MANGLED_ERROR.length + 1 || body.length > 0x5e) return false;
  for (let i = 0; i < LIBZMQ_MANGLED_ERROR.length; i++) if (body[i] !== LIBZMQ_MANGLED_ERROR[i]) return false;
  return true;
}

/** Splits a command frame body into name and data. */
export function parseCommandBody(body: Uint8Array): RawCommand {
  if (body.length === 0) {
    throw new WireError("ZMTP_MALFORMED_COMMAND", "Command frame is empty: no name length", {
      field: "command name length",
      value: 0,
      protocolError: ProtocolError.ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
    });
  }
  const nameLength = body[0]!;
  if (isLibzmqMangledError(body)) return { name: "ERROR", data: body.subarray(LIBZMQ_MANGLED_ERROR.length) };
  if (nameLength === 0 || 1 + nameLength > body.length) {
    throw new WireError("ZMTP_MALFORMED_COMMAND", `Command name length ${nameLength} does not fit a ${body.length}-byte command frame`, {
      field: "command name length",
      value: nameLength,
      protocolError: ProtocolError.ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
    });
  }
  return { name: fromAscii(body, 1, 1 + nameLength), data: body.subarray(1 + nameLength) };
}

/** Encodes a typed command into a command frame body. */
export function encodeCommand(command: Command): Uint8Array {
  switch (command.name) {
    case "READY":
      return encodeCommandBody("READY", encodeMetadata(command.properties));
    case "ERROR": {
      const reason = utf8(command.reason);
      if (reason.length > 255) {
        throw new WireError("EINVAL", `ERROR reason must be at most 255 bytes, got ${reason.length}`, {
          field: "reason",
          value: command.reason,
        });
      }
      const data = new Uint8Array(1 + reason.length);
      data[0] = reason.length;
      data.set(reason, 1);
      return encodeCommandBody("ERROR", data);
    }
    case "SUBSCRIBE":
    case "CANCEL":
      return encodeCommandBody(command.name, command.topic);
    case "PING": {
      if (!Number.isInteger(command.ttl) || command.ttl < 0 || command.ttl > 0xffff) {
        throw new WireError("EINVAL", `PING ttl must be 0..65535 tenths of a second, got ${command.ttl}`, {
          field: "ttl",
          value: command.ttl,
        });
      }
      if (command.context.length > MAX_PING_CONTEXT) {
        throw new WireError("EINVAL", `PING context must be at most 16 bytes, got ${command.context.length}`, {
          field: "context",
          value: command.context.length,
        });
      }
      const data = new Uint8Array(2 + command.context.length);
      data[0] = command.ttl >>> 8;
      data[1] = command.ttl & 0xff;
      data.set(command.context, 2);
      return encodeCommandBody("PING", data);
    }
    case "PONG":
      return encodeCommandBody("PONG", command.context.subarray(0, MAX_PING_CONTEXT));
    case "JOIN":
    case "LEAVE":
      checkGroup(command.name, command.group, false);
      return encodeCommandBody(command.name, command.group);
  }
}

/** A READY command body with our properties, in libzmq's order. */
export function encodeReady(properties: MetadataInput): Uint8Array {
  return encodeCommandBody("READY", encodeMetadata(properties));
}

/**
 * Decodes one of the typed commands. Returns undefined for a command name
 * this module does not type (the caller decides whether that is an error).
 */
export function decodeCommand(raw: RawCommand): Command | undefined {
  const { data } = raw;
  switch (raw.name) {
    case "READY":
      return {
        name: "READY",
        properties: decodeMetadata(data, 0, data.length, ProtocolError.ZMTP_MALFORMED_COMMAND_READY),
      };
    case "ERROR": {
      const length = data[0];
      if (length === undefined || 1 + length > data.length) {
        throw new WireError("ZMTP_MALFORMED_COMMAND", `ERROR reason length ${length ?? "(missing)"} does not fit ${data.length} bytes of data`, {
          field: "reason length",
          value: length,
          protocolError: ProtocolError.ZMTP_MALFORMED_COMMAND_ERROR,
        });
      }
      return { name: "ERROR", reason: fromUtf8(data.subarray(1, 1 + length)) };
    }
    case "SUBSCRIBE":
    case "CANCEL":
      return { name: raw.name, topic: data };
    case "PING":
      if (data.length < 2) {
        throw new WireError("ZMTP_MALFORMED_COMMAND", `PING needs a 2-byte ttl, got ${data.length} bytes`, {
          field: "ttl",
          value: data.length,
          protocolError: ProtocolError.ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
        });
      }
      return { name: "PING", ttl: (data[0]! << 8) | data[1]!, context: data.subarray(2) };
    case "PONG":
      return { name: "PONG", context: data };
    case "JOIN":
    case "LEAVE":
      checkGroup(raw.name, data, true);
      return { name: raw.name, group: data };
    default:
      return undefined;
  }
}
