/**
 * What libzmq puts inside PGM APDUs (pgm_sender.cpp, pgm_receiver.cpp): a
 * stream of messages in ZMTP/1.0 framing (RFC 13: a length counting the
 * flags byte, 1 byte or 0xff and 8 bytes; a flags byte, MORE = 1; the body),
 * cut into APDUs of at most one packet's payload, never fragmented (libzmq's
 * receiver asserts that each APDU is one packet). Each APDU starts with two
 * bytes, big-endian: the offset, after those two bytes, of the first message
 * that begins in it, or 0xffff when none does. A receiver joins a source's
 * stream at such an offset, and after a loss waits for the next one.
 */
import { type Allocator, FrameDecoder, FrameEncoder, WireError } from "@zmq/wire";

/** The offset of an APDU where no message begins. */
export const NO_MESSAGE_START = 0xffff;

/** Packs messages into APDUs as libzmq's PGM sender does. */
export class ApduWriter {
  private readonly encoder: FrameEncoder;
  /** The unsent chunks of the message being packed, and how far into the first one. */
  private chunks: Uint8Array[] = [];
  private at = 0;

  constructor(
    /** Bytes in one APDU, the 2-byte offset included. */
    private readonly size: number,
    alloc?: Allocator,
  ) {
    if (size < 3 || size > NO_MESSAGE_START) throw new RangeError(`An APDU holds 3 to ${NO_MESSAGE_START} bytes`);
    this.encoder = new FrameEncoder({ framing: "zmtp1", ...(alloc ? { alloc } : {}) });
  }

  /** True while part of a message is still to go out. */
  get partial(): boolean {
    return this.chunks.length > 0;
  }

  /**
   * One APDU: the rest of the message in progress, then as many messages
   * from `next` as fit (the last possibly cut), or undefined when there is
   * nothing to send. `next` returns undefined when it has no more.
   */
  pack(next: () => readonly Uint8Array[] | undefined): Uint8Array | undefined {
    const out = new Uint8Array(this.size);
    let pos = 2;
    let offset = NO_MESSAGE_START;
    for (;;) {
      pos = this.copy(out, pos);
      if (pos === out.length) break;
      const msg = next();
      if (msg === undefined) break;
      if (offset === NO_MESSAGE_START) offset = pos - 2;
      this.chunks = this.encoder.encodeMessage(msg);
      this.at = 0;
    }
    if (pos === 2) return undefined;
    out[0] = offset >> 8;
    out[1] = offset & 0xff;
    return pos === out.length ? out : out.subarray(0, pos);
  }

  /** Copies the pending chunks into out from pos; returns the new pos. */
  private copy(out: Uint8Array, pos: number): number {
    const chunks = this.chunks;
    let i = 0;
    while (i < chunks.length && pos < out.length) {
      const chunk = chunks[i]!;
      const n = Math.min(chunk.length - this.at, out.length - pos);
      out.set(n === chunk.length ? chunk : chunk.subarray(this.at, this.at + n), pos);
      pos += n;
      this.at += n;
      if (this.at === chunk.length) {
        i++;
        this.at = 0;
      }
    }
    this.chunks = i === chunks.length ? [] : chunks.slice(i);
    return pos;
  }
}

/**
 * One source's stream at the receiving end: skips APDUs until one where a
 * message begins, then decodes messages; `reset()` after a loss, and on
 * malformed data (the stream is dropped until the next message start, as
 * libzmq does).
 */
export class ApduReader {
  private decoder: FrameDecoder | undefined;

  constructor(
    private readonly onMessage: (frames: Uint8Array[]) => void,
    private readonly maxMessageSize: number,
    private readonly alloc?: Allocator,
  ) {}

  get joined(): boolean {
    return this.decoder !== undefined;
  }

  /** Drops what is half-decoded; the next APDU with a message start rejoins. */
  reset(): void {
    this.decoder = undefined;
  }

  /** Takes one APDU. False when it was malformed (the reader is reset). */
  push(apdu: Uint8Array): boolean {
    if (apdu.length < 2) {
      this.reset();
      return false;
    }
    let body = apdu.subarray(2);
    if (this.decoder === undefined) {
      const offset = (apdu[0]! << 8) | apdu[1]!;
      if (offset === NO_MESSAGE_START) return true;
      if (offset > body.length) return false;
      body = body.subarray(offset);
      this.decoder = new FrameDecoder(
        { onMessage: this.onMessage, onCommand: () => {} },
        { framing: "zmtp1", maxMessageSize: this.maxMessageSize, ...(this.alloc ? { alloc: this.alloc } : {}) },
      );
    }
    try {
      this.decoder.feed(body);
      return true;
    } catch (error) {
      if (!WireError.is(error)) throw error;
      this.reset();
      return false;
    }
  }
}
