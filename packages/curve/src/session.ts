/**
 * What the CURVE client and server share once keys are agreed: short nonces
 * ("CurveZMQ" + 8-character name + 8-byte big-endian counter), strictly
 * increasing in each direction, and the MESSAGE box around every frame
 * after the handshake (a flags byte, 0x01 MORE and 0x02 COMMAND, then the
 * body).
 */
import { FLAG_COMMAND, FLAG_MORE, type PlainFrame, ProtocolError, WireError } from "@zmq/wire";
import { BOX_OVERHEAD } from "./bytes.js";
import type { CurveCrypto } from "./crypto.js";

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

export const MESSAGE = ascii("\x07MESSAGE");
/** 8 (name) + 8 (nonce) + 16 (MAC) + 1 (flags). */
const MESSAGE_MIN = MESSAGE.length + 8 + BOX_OVERHEAD + 1;
const INNER_MORE = 0x01;
const INNER_COMMAND = 0x02;

/** Writes a counter as 8 big-endian bytes (counters stay far below 2^53). */
export function writeCounter(out: Uint8Array, at: number, counter: number): void {
  const high = Math.floor(counter / 0x100000000);
  const low = counter >>> 0;
  out[at] = high >>> 24;
  out[at + 1] = (high >>> 16) & 0xff;
  out[at + 2] = (high >>> 8) & 0xff;
  out[at + 3] = high & 0xff;
  out[at + 4] = low >>> 24;
  out[at + 5] = (low >>> 16) & 0xff;
  out[at + 6] = (low >>> 8) & 0xff;
  out[at + 7] = low & 0xff;
}

/** Reads 8 big-endian bytes as a number (exact below 2^53, which is all a peer can reach honestly). */
export function readCounter(bytes: Uint8Array, at: number): number {
  const high = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  const low = ((bytes[at + 4]! << 24) | (bytes[at + 5]! << 16) | (bytes[at + 6]! << 8) | bytes[at + 7]!) >>> 0;
  return high * 0x100000000 + low;
}

/** A 24-byte nonce: a 16-byte prefix and an 8-byte big-endian counter. */
export function shortNonce(prefix: Uint8Array, counter: number): Uint8Array {
  const nonce = new Uint8Array(24);
  nonce.set(prefix);
  writeCounter(nonce, 16, counter);
  return nonce;
}

/** A 24-byte nonce: an 8-byte prefix and 16 random bytes. */
export function longNonce(prefix: Uint8Array, random: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(24);
  nonce.set(prefix);
  nonce.set(random, 8);
  return nonce;
}

export const prefix = ascii;

/** The nonce prefixes of RFC 26's boxes: 16 bytes before a short nonce, 8 before a long one. */
export const HELLO_PREFIX = prefix("CurveZMQHELLO---");
export const INITIATE_PREFIX = prefix("CurveZMQINITIATE");
export const READY_PREFIX = prefix("CurveZMQREADY---");
export const WELCOME_PREFIX = prefix("WELCOME-");
export const COOKIE_PREFIX = prefix("COOKIE--");
export const VOUCH_PREFIX = prefix("VOUCH---");
/** The sizes of HELLO and WELCOME, fixed by RFC 26. */
export const HELLO_SIZE = 200;
export const WELCOME_SIZE = 168;

export function malformed(command: string, what: string, protocolError: number): WireError {
  return new WireError("ZMTP_MALFORMED_COMMAND", `CURVE ${command} ${what}`, { field: command, protocolError });
}

export function cryptographic(what: string): WireError {
  return new WireError("ZMTP_MALFORMED_COMMAND", `CURVE: ${what}`, { field: "box", protocolError: ProtocolError.ZMTP_CRYPTOGRAPHIC });
}

/** Boxes and unboxes the frames of one connection after its handshake. */
export class CurveTraffic {
  private readonly sendPrefix: Uint8Array;
  private readonly receivePrefix: Uint8Array;

  /**
   * @param key the precomputed key between the two transient key pairs
   * @param sent the last short nonce this side used
   * @param received the last short nonce the peer used
   */
  constructor(
    private readonly key: Uint8Array,
    asServer: boolean,
    private sent: number,
    private received: number,
    private readonly alloc: (size: number) => Uint8Array,
    private readonly crypto: CurveCrypto,
    /** Makes the boxes written to the wire (MechanismSetup.wireAlloc); `alloc` where there is none. */
    private readonly wireAlloc: (size: number) => Uint8Array = alloc,
  ) {
    this.sendPrefix = ascii(asServer ? "CurveZMQMESSAGES" : "CurveZMQMESSAGEC");
    this.receivePrefix = ascii(asServer ? "CurveZMQMESSAGEC" : "CurveZMQMESSAGES");
    this.sendNonce = shortNonce(this.sendPrefix, 0);
    this.receiveNonce = shortNonce(this.receivePrefix, 0);
  }

  /** Each direction's nonce, its counter rewritten for every box (a backend reads it only during the call). */
  private readonly sendNonce: Uint8Array;
  private readonly receiveNonce: Uint8Array;

  /** The next short nonce of this side. */
  nextNonce(): number {
    return ++this.sent;
  }

  wrap(frame: PlainFrame): Uint8Array {
    const counter = this.nextNonce();
    // Boxed in place: [MESSAGE, nonce (16)][tag (16)][flags, body], the box's
    // scratch space being the first 32 bytes, the header written after.
    const out = this.wireAlloc(33 + frame.body.length);
    out[32] = ((frame.flags & FLAG_MORE) !== 0 ? INNER_MORE : 0) | ((frame.flags & FLAG_COMMAND) !== 0 ? INNER_COMMAND : 0);
    out.set(frame.body, 33);
    writeCounter(this.sendNonce, 16, counter);
    this.crypto.seal(this.key, this.sendNonce, out.subarray(32), out);
    out.set(MESSAGE);
    writeCounter(out, 8, counter);
    return out;
  }

  unwrap(body: Uint8Array): PlainFrame {
    if (body.length < MESSAGE_MIN)
      throw malformed("MESSAGE", `is ${body.length} bytes, less than ${MESSAGE_MIN}`, ProtocolError.ZMTP_MALFORMED_COMMAND_MESSAGE);
    for (let i = 0; i < MESSAGE.length; i++) {
      if (body[i] !== MESSAGE[i]) throw malformed("MESSAGE", "does not start with MESSAGE", ProtocolError.ZMTP_UNEXPECTED_COMMAND);
    }
    const counter = readCounter(body, 8);
    if (counter <= this.received) {
      throw new WireError("ZMTP_MALFORMED_COMMAND", `CURVE MESSAGE nonce ${counter} is not above the last one (${this.received})`, {
        field: "nonce",
        value: counter,
        protocolError: ProtocolError.ZMTP_INVALID_SEQUENCE,
      });
    }
    const box = body.subarray(16);
    writeCounter(this.receiveNonce, 16, counter);
    const plaintext = this.crypto.open(this.key, this.receiveNonce, box, this.alloc(box.length + 32));
    if (!plaintext) throw cryptographic("a MESSAGE box does not open");
    this.received = counter;
    const inner = plaintext[0]!;
    return {
      body: plaintext.subarray(1),
      flags: ((inner & INNER_MORE) !== 0 ? FLAG_MORE : 0) | ((inner & INNER_COMMAND) !== 0 ? FLAG_COMMAND : 0),
    };
  }
}

/** Whether two keys are equal, in time independent of where they differ. */
export function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
