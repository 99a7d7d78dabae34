/**
 * ZMTP framing: frame headers, and a streaming decoder that takes arbitrary
 * chunks and yields whole multipart messages and commands (the encoder is in
 * frame-encoder.ts).
 *
 * Three framings share the code (chosen by the greeting):
 *  - "zmtp3": RFC 23/37. flags(1) size(1 | 8 BE) body; MORE 0x01, LONG 0x02, COMMAND 0x04.
 *  - "zmtp2": RFC 15. The same layout without commands (COMMAND is refused).
 *  - "zmtp1": RFC 13. length(1 | 0xFF + 8 BE, counting the flags byte) flags(1) body; MORE 0x01.
 */
import { type Allocator, defaultAlloc, readU32, writeU64 } from "./bytes.js";
import { ProtocolError, WireError, hexByte } from "./errors.js";

export type Framing = "zmtp3" | "zmtp2" | "zmtp1";

export const FLAG_MORE = 0x01;
export const FLAG_LONG = 0x02;
export const FLAG_COMMAND = 0x04;

/** The largest frame body this implementation accepts (2 GiB - 1), whatever maxMessageSize says. */
export const MAX_FRAME_SIZE = 0x7fffffff;

/** Writes a frame header; `flags` holds MORE and/or COMMAND. Returns the position after it. */
export function writeHeader(out: Uint8Array, pos: number, framing: Framing, size: number, flags: number): number {
  if (framing === "zmtp1") {
    const length = size + 1;
    if (length < 255) {
      out[pos++] = length;
    } else {
      out[pos++] = 0xff;
      writeU64(out, pos, length);
      pos += 8;
    }
    out[pos++] = flags & FLAG_MORE;
    return pos;
  }
  if (size > 255) {
    out[pos++] = flags | FLAG_LONG;
    writeU64(out, pos, size);
    return pos + 8;
  }
  out[pos++] = flags;
  out[pos++] = size;
  return pos;
}

/** Where a decoder delivers what it decodes. */
export interface FrameSink {
  /** A whole multipart message. Frames are views into received chunks when they lay inside one. */
  onMessage(frames: Uint8Array[]): void;
  /** A command frame's body (ZMTP 3.x only). */
  onCommand(body: Uint8Array): void;
}

export interface FrameDecoderOptions {
  /** Default "zmtp3". */
  framing?: Framing;
  /** Largest frame body accepted, in bytes, as libzmq's ZMQ_MAXMSGSIZE; -1 (default) for no limit. */
  maxMessageSize?: number;
  /** Allocates bodies that span chunks; Node callers may pass `Buffer.allocUnsafe`. */
  alloc?: Allocator;
  /**
   * Makes the view of a frame that lies inside one chunk: `byteLength` bytes of the chunk's `buffer` from
   * `byteOffset` (as FrameCodec.fromBytes); by default the chunk's own subarray. Read once per chunk, the
   * buffer and offset spare each frame a typed array's getters, and a view made by a constructor is cheaper
   * than a subarray.
   */
  view?: FrameView;
}

/** Makes a view of `byteLength` bytes of `buffer` from `byteOffset`. */
export type FrameView = (buffer: ArrayBufferLike, byteOffset: number, byteLength: number) => Uint8Array;

const enum State {
  Header,
  Body,
}

/**
 * Bodies up to this size that span chunks are allocated at once and copied
 * in as they arrive. Larger ones (a length field is never trusted with more
 * than this) are kept as views of the pieces they arrive in, and copied
 * once, into a buffer of their size, when the last byte comes, as long as
 * the pieces are large (read-sized); a body that comes in many small pieces
 * (a peer trickling bytes, whose every view would cost more than its bytes)
 * is copied into a buffer of its own that grows by doubling. Either way the
 * memory held is at most about twice what arrived.
 */
const PREALLOCATE_LIMIT = 256 * 1024;
/** A piece at least this large is kept as a view. */
const LARGE_PIECE = 16 * 1024;
/** How many smaller pieces a body may have as views (the ends of reads it shares with other frames). */
const SMALL_PIECES = 4;

/**
 * A streaming frame decoder. `feed()` takes chunks of any size and calls the
 * sink for each whole message or command. Malformed input throws a
 * WireError, after which the decoder refuses further input.
 *
 * Memory held is bounded by the bytes actually received: a length field is
 * never trusted to size an allocation beyond PREALLOCATE_LIMIT, and a large
 * body is held as the (large) pieces that arrived until it is whole, then
 * copied once, or in a buffer grown by doubling when its pieces are small,
 * so it holds at most about twice what arrived.
 */
export class FrameDecoder {
  readonly framing: Framing;
  private readonly sink: FrameSink;
  private readonly maxSize: number;
  private readonly alloc: Allocator;
  private readonly view: FrameView | undefined;

  private state = State.Header;
  private readonly header = new Uint8Array(10);
  private headerHave = 0;
  private flags = 0;
  private size = 0;
  // A body that spans chunks: up to PREALLOCATE_LIMIT copied in as it arrives, larger ones as views of their pieces.
  private body: Uint8Array | null = null;
  private pieces: Uint8Array[] = [];
  private smallPieces = 0;
  private bodyHave = 0;
  private frames: Uint8Array[] = [];
  private failure: WireError | null = null;

  constructor(sink: FrameSink, options: FrameDecoderOptions = {}) {
    this.sink = sink;
    this.framing = options.framing ?? "zmtp3";
    const max = options.maxMessageSize ?? -1;
    if (!Number.isInteger(max) || max < -1) {
      throw new WireError("EINVAL", `maxMessageSize must be an integer >= -1, got ${max}`, {
        field: "maxMessageSize",
        value: max,
      });
    }
    this.maxSize = max;
    this.alloc = options.alloc ?? defaultAlloc;
    this.view = options.view;
  }

  /** Bytes held for a frame that has not fully arrived (headers and partial bodies). */
  get buffered(): number {
    let n = this.headerHave + this.bodyHave;
    for (const f of this.frames) n += f.length;
    return n;
  }

  /** True when no partial frame or message is held. */
  get idle(): boolean {
    return this.state === State.Header && this.headerHave === 0 && this.frames.length === 0;
  }

  /** Decodes a chunk. Throws WireError on malformed input; the decoder is then closed. */
  feed(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    try {
      this.run(chunk);
    } catch (error) {
      if (WireError.is(error)) this.failure = error;
      throw error;
    }
  }

  private run(chunk: Uint8Array): void {
    const n = chunk.length;
    let pos = 0;
    const view = this.view;
    const buffer = view === undefined ? undefined : chunk.buffer;
    const offset = chunk.byteOffset;
    while (pos < n) {
      if (this.state === State.Header) {
        if (this.headerHave === 0 && this.framing !== "zmtp1") {
          // Fast path: the whole ZMTP 2/3 header is inside this chunk.
          const flags = chunk[pos]!;
          if ((flags & FLAG_LONG) === 0) {
            if (pos + 2 <= n) {
              this.beginFrame(flags, chunk[pos + 1]!);
              pos += 2;
            } else {
              this.header[0] = flags;
              this.headerHave = 1;
              pos++;
              continue;
            }
          } else if (pos + 9 <= n) {
            this.beginFrame(flags, this.readLongSize(chunk, pos + 1));
            pos += 9;
          } else {
            pos = this.stashHeader(chunk, pos);
            continue;
          }
        } else {
          pos = this.stashHeader(chunk, pos);
        }
        if ((this.state as State) !== State.Body) continue;
        // A header that ends the chunk: the body may arrive as a chunk of its own, so wait for it uncopied.
        if (pos === n) break;
      }
      // State.Body
      const remaining = this.size - this.bodyHave;
      if (this.bodyHave === 0 && n - pos >= remaining) {
        // The whole body is in this chunk: a view, no copy.
        this.endFrame(view === undefined ? chunk.subarray(pos, pos + remaining) : view(buffer!, offset + pos, remaining));
        pos += remaining;
        continue;
      }
      const take = Math.min(remaining, n - pos);
      const piece = chunk.subarray(pos, pos + take);
      pos += take;
      if (this.size > PREALLOCATE_LIMIT && this.body === null && (take >= LARGE_PIECE || this.smallPieces++ < SMALL_PIECES)) {
        this.pieces.push(piece);
      } else {
        this.reserve(this.bodyHave + take);
        this.body!.set(piece, this.bodyHave);
      }
      this.bodyHave += take;
      if (this.bodyHave === this.size) this.endFrame(this.wholeBody());
    }
  }

  /**
   * Makes `body` hold at least `need` bytes: at once for a body up to
   * PREALLOCATE_LIMIT, otherwise growing by doubling (never past the body's
   * size, never more than twice what arrived), with the pieces held so far
   * copied in.
   */
  private reserve(need: number): void {
    const body = this.body;
    if (body !== null && body.length >= need) return;
    const grown = this.alloc(Math.min(this.size, Math.max(need, PREALLOCATE_LIMIT, body === null ? 0 : body.length * 2)));
    if (body !== null) grown.set(body.subarray(0, this.bodyHave));
    else {
      let at = 0;
      for (const piece of this.pieces) {
        grown.set(piece, at);
        at += piece.length;
      }
      this.pieces = [];
    }
    this.body = grown;
  }

  /** The body that spanned chunks, now whole: its buffer, or the pieces copied into one of its size. */
  private wholeBody(): Uint8Array {
    this.reserve(this.size);
    const whole = this.body!;
    this.body = null;
    this.bodyHave = 0;
    this.smallPieces = 0;
    return whole;
  }

  /** Copies header bytes into the scratch header until it is whole; then begins the frame. */
  private stashHeader(chunk: Uint8Array, pos: number): number {
    const h = this.header;
    if (this.headerHave === 0) h[this.headerHave++] = chunk[pos++]!;
    const need = this.headerLength(h[0]!);
    while (this.headerHave < need && pos < chunk.length) h[this.headerHave++] = chunk[pos++]!;
    if (this.headerHave < need) return pos;
    this.headerHave = 0;
    if (this.framing === "zmtp1") {
      const length = h[0] === 0xff ? this.readLongSize(h, 1) : h[0]!;
      if (length === 0) {
        throw new WireError("ZMTP_BAD_FRAME", "ZMTP 1.0 frame length 0 leaves no room for the flags byte", {
          field: "length",
          value: 0,
          protocolError: ProtocolError.ZMTP_UNSPECIFIED,
        });
      }
      this.beginFrame(h[need - 1]! & FLAG_MORE, length - 1);
    } else {
      this.beginFrame(h[0]!, (h[0]! & FLAG_LONG) !== 0 ? this.readLongSize(h, 1) : h[1]!);
    }
    return pos;
  }

  private headerLength(first: number): number {
    if (this.framing === "zmtp1") return first === 0xff ? 10 : 2;
    return (first & FLAG_LONG) !== 0 ? 9 : 2;
  }

  private readLongSize(bytes: Uint8Array, offset: number): number {
    const hi = readU32(bytes, offset);
    const lo = readU32(bytes, offset + 4);
    if (hi !== 0 || lo > MAX_FRAME_SIZE) {
      const shown = hi === 0 ? String(lo) : (BigInt(hi) * 0x100000000n + BigInt(lo)).toString();
      throw new WireError("ZMTP_FRAME_TOO_LARGE", `Frame length ${shown} exceeds the largest supported frame (${MAX_FRAME_SIZE} bytes)`, {
        field: "size",
        value: shown,
      });
    }
    return lo;
  }

  private beginFrame(flags: number, size: number): void {
    if ((flags & FLAG_COMMAND) !== 0 && this.framing !== "zmtp3") {
      throw new WireError("ZMTP_BAD_FRAME", `Frame flags ${hexByte(flags)} set COMMAND, which ${this.framing} framing does not have`, {
        field: "flags",
        value: flags,
        protocolError: ProtocolError.ZMTP_UNSPECIFIED,
      });
    }
    if (this.maxSize >= 0 && size > this.maxSize) {
      throw new WireError("ZMTP_FRAME_TOO_LARGE", `Frame of ${size} bytes exceeds maxMessageSize ${this.maxSize}`, {
        field: "size",
        value: size,
      });
    }
    this.flags = flags;
    this.size = size;
    this.state = State.Body;
    if (size === 0) {
      this.endFrame(this.alloc(0));
    }
  }

  private endFrame(body: Uint8Array): void {
    this.state = State.Header;
    const flags = this.flags;
    if ((flags & FLAG_COMMAND) !== 0) {
      this.sink.onCommand(body);
      return;
    }
    if ((flags & FLAG_MORE) !== 0) {
      this.frames.push(body);
      return;
    }
    if (this.frames.length === 0) {
      this.sink.onMessage([body]);
    } else {
      const frames = this.frames;
      frames.push(body);
      this.frames = [];
      this.sink.onMessage(frames);
    }
  }
}
