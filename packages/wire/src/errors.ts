/**
 * Typed errors for everything @zmq/wire rejects.
 *
 * Every malformed input from a peer becomes a {@link WireError} with a stable
 * `code`, the `field` that was wrong and the offending `value`, and (where
 * libzmq has one) the ZMQ_PROTOCOL_ERROR_* number that its monitor reports.
 */

/** libzmq's ZMQ_PROTOCOL_ERROR_* values, as carried by `handshake:error:protocol` events. */
export const ProtocolError = {
  ZMTP_UNSPECIFIED: 0x10000000,
  ZMTP_UNEXPECTED_COMMAND: 0x10000001,
  ZMTP_INVALID_SEQUENCE: 0x10000002,
  ZMTP_KEY_EXCHANGE: 0x10000003,
  ZMTP_MALFORMED_COMMAND_UNSPECIFIED: 0x10000011,
  ZMTP_MALFORMED_COMMAND_MESSAGE: 0x10000012,
  ZMTP_MALFORMED_COMMAND_HELLO: 0x10000013,
  ZMTP_MALFORMED_COMMAND_INITIATE: 0x10000014,
  ZMTP_MALFORMED_COMMAND_ERROR: 0x10000015,
  ZMTP_MALFORMED_COMMAND_READY: 0x10000016,
  ZMTP_MALFORMED_COMMAND_WELCOME: 0x10000017,
  ZMTP_INVALID_METADATA: 0x10000018,
  ZMTP_CRYPTOGRAPHIC: 0x11000001,
  ZMTP_MECHANISM_MISMATCH: 0x11000002,
  ZAP_UNSPECIFIED: 0x20000000,
  ZAP_MALFORMED_REPLY: 0x20000001,
  ZAP_BAD_REQUEST_ID: 0x20000002,
  ZAP_BAD_VERSION: 0x20000003,
  ZAP_INVALID_STATUS_CODE: 0x20000004,
  ZAP_INVALID_METADATA: 0x20000005,
  WS_UNSPECIFIED: 0x30000000,
} as const;

/** Stable error codes. Codes never change meaning; new ones may be added. */
export type WireErrorCode =
  /** A caller passed a value the encoder cannot represent (the caller's bug, not the peer's). */
  | "EINVAL"
  /** The peer's greeting is not ZMTP, or names a revision this side refuses. */
  | "ZMTP_BAD_GREETING"
  | "ZMTP_UNSUPPORTED_VERSION"
  /** The peer's mechanism field is not a valid name, or names a mechanism unlike ours. */
  | "ZMTP_BAD_MECHANISM"
  | "ZMTP_MECHANISM_MISMATCH"
  /** A frame's length exceeds maxMessageSize or what this runtime can hold. */
  | "ZMTP_FRAME_TOO_LARGE"
  /** A frame's flags are not valid where it arrived. */
  | "ZMTP_BAD_FRAME"
  /** A command is too short, or its name length runs past its end. */
  | "ZMTP_MALFORMED_COMMAND"
  /** A metadata property is truncated or its value length is out of range. */
  | "ZMTP_MALFORMED_PROPERTY"
  /** A metadata property name is empty or holds characters RFC 37 forbids. */
  | "ZMTP_BAD_PROPERTY_NAME"
  /** A command arrived that is not allowed at this point of the exchange. */
  | "ZMTP_UNEXPECTED_COMMAND"
  /** The peer's Socket-Type is unknown or cannot talk to ours. */
  | "ZMTP_BAD_SOCKET_TYPE"
  | "ZMTP_INCOMPATIBLE_SOCKET_TYPE"
  /** The peer sent ERROR. */
  | "ZMTP_PEER_ERROR"
  /** PLAIN authentication failed (server refused, or authenticator said no). */
  | "ZMTP_AUTH_FAILED"
  /** The ZAP handler's reply was malformed (bad version, request id, status code, metadata or frame count). */
  | "ZMTP_BAD_ZAP_REPLY"
  /** The codec was used after it had already failed. */
  | "ZMTP_CLOSED"
  | "Z85_BAD_LENGTH"
  | "Z85_BAD_CHARACTER"
  | "Z85_OVERFLOW";

export interface WireErrorDetails {
  /** The field of the wire format (or argument) that was wrong. */
  field?: string;
  /** The offending value, as read. */
  value?: unknown;
  /** libzmq's ZMQ_PROTOCOL_ERROR_* number for monitor events, when there is one. */
  protocolError?: number;
  /** For ZMTP_AUTH_FAILED: the ZAP-style status ("300", "400", "500"). */
  status?: string;
}

const BRAND = Symbol.for("@zmq/wire.WireError");

/** An error raised by @zmq/wire for malformed input or a failed handshake. */
export class WireError extends Error {
  readonly code: WireErrorCode;
  readonly field: string | undefined;
  readonly value: unknown;
  readonly protocolError: number | undefined;
  readonly status: string | undefined;

  constructor(code: WireErrorCode, message: string, details: WireErrorDetails = {}) {
    super(message);
    this.name = "WireError";
    this.code = code;
    this.field = details.field;
    this.value = details.value;
    this.protocolError = details.protocolError;
    this.status = details.status;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for a WireError from any installed copy of @zmq/wire. */
  static is(error: unknown): error is WireError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** Renders a byte value for an error message: `0x1f`. */
export function hexByte(value: number): string {
  return `0x${value.toString(16).padStart(2, "0")}`;
}

/** Renders up to `max` bytes as hex for an error message. */
export function hexBytes(bytes: Uint8Array, max = 16): string {
  let out = "";
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) out += bytes[i]!.toString(16).padStart(2, "0");
  return bytes.length > max ? `${out}… (${bytes.length} bytes)` : out;
}
