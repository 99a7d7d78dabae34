/**
 * ZMTP metadata properties (RFC 23 / RFC 37), as carried by READY and by
 * the PLAIN and CURVE INITIATE / READY commands:
 *
 *   property = name-len(1) name(1..255) value-len(4, BE, <= 2^31-1) value
 *
 * Names are case-sensitive for lookups, as in libzmq: send `Socket-Type` and
 * `Identity` spelled exactly so.
 */
import { fromAscii, readU32, toBytes, writeAscii, writeU32 } from "./bytes.js";
import { ProtocolError, WireError, hexByte } from "./errors.js";

/** Decoded metadata: property name -> raw value, in wire order. */
export type Metadata = Map<string, Uint8Array>;

/** Metadata to encode: a Map or pairs, values as bytes or UTF-8 text. */
export type MetadataInput = Iterable<readonly [string, Uint8Array | string]>;

const MAX_VALUE = 0x7fffffff;

/** RFC 37 name-char: ALPHA / DIGIT / "-" / "_" / "." / "+". */
function isNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f || c === 0x2e || c === 0x2b;
}

/** Checks a property name for encoding; throws EINVAL naming the name. */
export function validatePropertyName(name: string): void {
  if (name.length === 0 || name.length > 255) {
    throw new WireError("EINVAL", `Property name must be 1..255 characters, got ${name.length}: ${JSON.stringify(name)}`, {
      field: "property name",
      value: name,
    });
  }
  for (let i = 0; i < name.length; i++) {
    if (!isNameChar(name.charCodeAt(i))) {
      throw new WireError("EINVAL", `Property name ${JSON.stringify(name)} has a character outside [A-Za-z0-9-_.+]`, {
        field: "property name",
        value: name,
      });
    }
  }
}

/** The encoded size of a set of properties. */
function sized(input: MetadataInput): { entries: [string, Uint8Array][]; size: number } {
  const entries: [string, Uint8Array][] = [];
  let size = 0;
  for (const [name, raw] of input) {
    validatePropertyName(name);
    const value = toBytes(raw);
    if (value.length > MAX_VALUE) {
      throw new WireError("EINVAL", `Property ${name} value is ${value.length} bytes, more than 2^31-1`, {
        field: name,
        value: value.length,
      });
    }
    entries.push([name, value]);
    size += 1 + name.length + 4 + value.length;
  }
  return { entries, size };
}

/** Encodes properties into a new byte array. */
export function encodeMetadata(input: MetadataInput): Uint8Array {
  const { entries, size } = sized(input);
  const out = new Uint8Array(size);
  writeMetadata(out, 0, entries);
  return out;
}

/** The encoded size of properties, validating them. */
export function metadataSize(input: MetadataInput): number {
  return sized(input).size;
}

function writeMetadata(out: Uint8Array, offset: number, entries: readonly [string, Uint8Array][]): number {
  for (const [name, value] of entries) {
    out[offset++] = name.length;
    offset = writeAscii(out, offset, name);
    writeU32(out, offset, value.length);
    offset += 4;
    out.set(value, offset);
    offset += value.length;
  }
  return offset;
}

/**
 * Decodes properties from `bytes[start..end)`. Values are views into `bytes`.
 * `protocolError` is the libzmq code to report (READY vs INITIATE).
 */
export function decodeMetadata(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
  protocolError: number = ProtocolError.ZMTP_INVALID_METADATA,
): Metadata {
  const out: Metadata = new Map();
  let offset = start;
  while (offset < end) {
    const nameLength = bytes[offset]!;
    if (nameLength === 0) {
      throw new WireError("ZMTP_BAD_PROPERTY_NAME", `Metadata property at offset ${offset} has an empty name`, {
        field: "property name length",
        value: 0,
        protocolError,
      });
    }
    if (offset + 1 + nameLength + 4 > end) {
      throw new WireError(
        "ZMTP_MALFORMED_PROPERTY",
        `Metadata property at offset ${offset} is truncated: name length ${nameLength} needs ${1 + nameLength + 4} bytes, ${end - offset} left`,
        { field: "property name length", value: nameLength, protocolError },
      );
    }
    for (let i = offset + 1; i <= offset + nameLength; i++) {
      if (!isNameChar(bytes[i]!)) {
        throw new WireError(
          "ZMTP_BAD_PROPERTY_NAME",
          `Metadata property name ${JSON.stringify(fromAscii(bytes, offset + 1, offset + 1 + nameLength))} has byte ${hexByte(bytes[i]!)} outside [A-Za-z0-9-_.+]`,
          { field: "property name", value: fromAscii(bytes, offset + 1, offset + 1 + nameLength), protocolError },
        );
      }
    }
    const name = fromAscii(bytes, offset + 1, offset + 1 + nameLength);
    offset += 1 + nameLength;
    const valueLength = readU32(bytes, offset);
    offset += 4;
    if (valueLength > MAX_VALUE || valueLength > end - offset) {
      throw new WireError(
        "ZMTP_MALFORMED_PROPERTY",
        `Metadata property ${name} declares a ${valueLength}-byte value but ${end - offset} bytes remain`,
        { field: `${name} value length`, value: valueLength, protocolError },
      );
    }
    out.set(name, bytes.subarray(offset, offset + valueLength));
    offset += valueLength;
  }
  return out;
}
