/**
 * Z85 (RFC 32): 4 bytes <-> 5 printable characters, as libzmq's
 * zmq_z85_encode / zmq_z85_decode. No padding: encode takes a multiple of 4
 * bytes, decode a non-empty multiple of 5 characters.
 */
import { WireError } from "./errors.js";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

const DECODE: Int8Array = /* @__PURE__ */ (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** Encodes `data` (length a multiple of 4) as Z85 text. */
export function z85Encode(data: Uint8Array): string {
  if (data.length % 4 !== 0) {
    throw new WireError("Z85_BAD_LENGTH", `Z85 encode needs a multiple of 4 bytes, got ${data.length}`, {
      field: "length",
      value: data.length,
    });
  }
  let out = "";
  for (let i = 0; i < data.length; i += 4) {
    let v = ((data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!) >>> 0;
    const d4 = v % 85;
    v = (v - d4) / 85;
    const d3 = v % 85;
    v = (v - d3) / 85;
    const d2 = v % 85;
    v = (v - d2) / 85;
    const d1 = v % 85;
    const d0 = (v - d1) / 85;
    out += ALPHABET[d0]! + ALPHABET[d1]! + ALPHABET[d2]! + ALPHABET[d3]! + ALPHABET[d4]!;
  }
  return out;
}

/** Decodes Z85 text (a non-empty multiple of 5 characters) into bytes. */
export function z85Decode(text: string): Uint8Array {
  if (text.length === 0 || text.length % 5 !== 0) {
    throw new WireError("Z85_BAD_LENGTH", `Z85 decode needs a non-empty multiple of 5 characters, got ${text.length}`, {
      field: "length",
      value: text.length,
    });
  }
  const out = new Uint8Array((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let v = 0;
    for (let j = 0; j < 5; j++) {
      const code = text.charCodeAt(i + j);
      const digit = code < 128 ? DECODE[code]! : -1;
      if (digit < 0) {
        throw new WireError("Z85_BAD_CHARACTER", `Z85 character ${JSON.stringify(text[i + j])} at ${i + j} is not in the alphabet`, {
          field: "character",
          value: text[i + j],
        });
      }
      v = v * 85 + digit;
    }
    if (v > 0xffffffff) {
      throw new WireError("Z85_OVERFLOW", `Z85 group ${JSON.stringify(text.slice(i, i + 5))} at ${i} exceeds 32 bits`, {
        field: "group",
        value: text.slice(i, i + 5),
      });
    }
    out[o] = v >>> 24;
    out[o + 1] = (v >>> 16) & 0xff;
    out[o + 2] = (v >>> 8) & 0xff;
    out[o + 3] = v & 0xff;
  }
  return out;
}
