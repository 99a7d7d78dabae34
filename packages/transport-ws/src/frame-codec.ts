/**
 * RFC 6455 framing, sans-I/O: the encoder writes many binary messages into
 * one buffer (masked when we are the client), the decoder cuts a byte
 * stream into whole messages (unmasking what a client sent), answers
 * nothing itself and reports control frames. What it refuses, as a
 * protocol error: reserved bits or opcodes, the wrong masking direction,
 * control frames that are long or fragmented, a continuation with nothing
 * to continue, and messages over the size limit. Runtime-agnostic.
 */
import { maskInPlace, maskKey, newMask, putMask, xorInto, xorView } from "./masking.js";

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

/** Bytes of a frame header for a payload of `length`, masked or not. */
export function headerSize(length: number, masked: boolean): number {
  return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Writes one frame (FIN set) into `out` at `at`: header, mask and payload
 * (XORed when masked), byte by byte in place: no views, no mask array.
 * Returns the offset after it.
 */
export function writeFrame(out: Uint8Array, at: number, opcode: number, payload: Uint8Array, masked: boolean): number {
  const length = payload.length;
  at = putHeader(out, at, opcode, length, masked);
  if (!masked) {
    out.set(payload, at);
    return at + length;
  }
  const key = maskKey();
  at = putMask(out, at, key);
  xorInto(out, at, payload, 0, length, key);
  return at + length;
}

/** Frames for several payloads of one opcode, in one buffer (masked ones of 1 KiB and more in aligned buffers of their own). */
export function encodeFrameList(
  opcode: number,
  payloads: readonly Uint8Array[],
  masked: boolean,
  alloc: (size: number) => Uint8Array,
  /** The payloads are the caller's to give away: an aligned one is masked where it lies, not copied. */
  owned = false,
): Uint8Array[] {
  if (!masked) return [encodeFrames(opcode, payloads, false, alloc)];
  const out: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  for (const p of payloads) {
    if (p.length < 1024) {
      run.push(p);
      continue;
    }
    if (run.length > 0) out.push(encodeFrames(opcode, run, true, alloc));
    run = [];
    const size = headerSize(p.length, true);
    const header = alloc(size);
    // The header alone, and the payload masked where it lies (owned and aligned) or in an aligned copy.
    let body = p;
    if (!owned || p.byteOffset % 4 !== 0) {
      body = alloc(p.length);
      body.set(p);
    }
    const mask = newMask();
    writeHeader(header, opcode, p.length, mask);
    maskInPlace(body, mask);
    out.push(header, body);
  }
  if (run.length > 0) out.push(encodeFrames(opcode, run, true, alloc));
  return out;
}

/** Writes a frame header (FIN set) for `length` bytes, with `mask` when given. */
export function writeHeader(out: Uint8Array, opcode: number, length: number, mask: Uint8Array | undefined): number {
  let at = putHeader(out, 0, opcode, length, mask !== undefined);
  if (mask) {
    out.set(mask, at);
    at += 4;
  }
  return at;
}

/** Writes the first bytes of a frame header (FIN, opcode, mask bit, length) at `at`; returns the offset after them. */
export function putHeader(out: Uint8Array, at: number, opcode: number, length: number, masked: boolean): number {
  out[at++] = 0x80 | opcode;
  const maskBit = masked ? 0x80 : 0;
  if (length < 126) out[at++] = maskBit | length;
  else if (length < 0x10000) {
    out[at++] = maskBit | 126;
    out[at++] = length >>> 8;
    out[at++] = length & 0xff;
  } else {
    out[at++] = maskBit | 127;
    const high = Math.floor(length / 0x100000000);
    out[at++] = 0;
    out[at++] = 0;
    out[at++] = (high >>> 8) & 0xff;
    out[at++] = high & 0xff;
    out[at++] = length >>> 24;
    out[at++] = (length >>> 16) & 0xff;
    out[at++] = (length >>> 8) & 0xff;
    out[at++] = length & 0xff;
  }
  return at;
}

/** Frames for several payloads of one opcode, in one buffer. */
export function encodeFrames(opcode: number, payloads: readonly Uint8Array[], masked: boolean, alloc: (size: number) => Uint8Array): Uint8Array {
  let total = 0;
  for (const p of payloads) total += headerSize(p.length, masked) + p.length;
  const out = alloc(total);
  let at = 0;
  for (const p of payloads) at = writeFrame(out, at, opcode, p, masked);
  return out;
}

export interface FrameSink {
  /** A whole binary message. */
  onBinary(payload: Uint8Array): void;
  /**
   * A whole binary message that lies in one received chunk, as the chunk and
   * the message's place in it (no view made), when the sink takes it so: a
   * ZWS stream then makes one view, of the frame's body after its flags byte.
   */
  onBinaryAt?(chunk: Uint8Array, start: number, length: number): void;
  /** A whole text message (ZWS never sends one). */
  onText(): void;
  onPing(payload: Uint8Array): void;
  onPong(): void;
  /** A close frame: its status code (1005 when none). */
  onClose(code: number): void;
  /** The peer broke RFC 6455; nothing more is decoded. */
  onError(reason: string, closeCode: number): void;
}

export interface FrameDecoderOptions {
  /** True on the server: every frame must be masked; false on the client: none may be. */
  readonly expectMasked: boolean;
  /** Largest message accepted, in bytes. */
  readonly maxPayload: number;
  /** Allocates the buffers payloads are copied into (Node Buffers in @zmq/zeromq). */
  readonly alloc: (size: number) => Uint8Array;
}

const enum State {
  Header,
  Payload,
  Failed,
}

/** Chunks smaller than this are gathered into one buffer once MANY_CHUNKS of them wait. */
const SMALL_CHUNK = 4096;
const MANY_CHUNKS = 16;

export class WsFrameDecoder {
  /** Received bytes not yet decoded: chunks[0] from `offset` on, then the others whole. */
  private readonly chunks: Uint8Array[] = [];
  private offset = 0;
  /** A buffer whose bytes [spareStart, spareEnd) are the last chunk, with room after them (see hold). */
  private spare: Uint8Array | null = null;
  private spareStart = 0;
  private spareEnd = 0;
  private buffered = 0;
  private state = State.Header;
  private opcode = 0;
  private fin = true;
  private masked = false;
  /** The current frame's mask key (reused: written in place for each frame). */
  private readonly mask = new Uint8Array(4);
  private length = 0;
  /** A DataView of `viewed` (the first chunk, for unmasking small frames where they lie), made once per chunk. */
  private view: DataView | undefined;
  private viewed: Uint8Array | undefined;
  /** A fragmented message being gathered. */
  private fragments: Uint8Array[] | undefined;
  private fragmentBytes = 0;
  private fragmentOpcode = 0;

  constructor(
    private readonly options: FrameDecoderOptions,
    private readonly sink: FrameSink,
  ) {}

  /** Bytes from the peer, any size. The chunk is taken over: a masked frame in it is unmasked where it lies. */
  feed(chunk: Uint8Array): void {
    if (this.state === State.Failed || chunk.length === 0) return;
    this.hold(chunk);
    this.buffered += chunk.length;
    while ((this.state as State) !== State.Failed) {
      if (this.state === State.Header) {
        if (!this.header()) return;
      } else if (!this.payload()) return;
    }
  }

  /**
   * Keeps a received chunk until it is decoded: as it is, or, when many
   * small chunks wait (a peer trickling a large frame), copied into one
   * buffer that grows by doubling. A view per tiny chunk would hold far more
   * memory than the bytes it carries.
   */
  private hold(chunk: Uint8Array): void {
    const spare = this.spare;
    if (spare !== null && chunk.length < SMALL_CHUNK && chunk.length <= spare.length - this.spareEnd) {
      spare.set(chunk, this.spareEnd);
      this.spareEnd += chunk.length;
      this.chunks[this.chunks.length - 1] = spare.subarray(this.spareStart, this.spareEnd);
      return;
    }
    if (chunk.length >= SMALL_CHUNK || this.chunks.length < MANY_CHUNKS) {
      this.chunks.push(chunk);
      this.spare = null;
      return;
    }
    const pending = this.buffered;
    const room = this.options.alloc(Math.max(2 * (pending + chunk.length), SMALL_CHUNK));
    this.copyOut(room, 0, pending);
    room.set(chunk, pending);
    this.chunks.length = 0;
    this.offset = 0;
    this.spare = room;
    this.spareStart = 0;
    this.spareEnd = pending + chunk.length;
    this.chunks.push(room.subarray(0, this.spareEnd));
  }

  private fail(reason: string, code = 1002): void {
    this.state = State.Failed;
    this.viewed = this.view = undefined;
    this.chunks.length = 0;
    this.spare = null;
    this.offset = 0;
    this.sink.onError(reason, code);
  }

  /** Copies the next `n` buffered bytes (there are that many) into `out` from `at`, without consuming them. */
  private copyOut(out: Uint8Array, at: number, n: number): void {
    let from = this.offset;
    for (const c of this.chunks) {
      const want = Math.min(c.length - from, n);
      out.set(from === 0 && want === c.length ? c : c.subarray(from, from + want), at);
      at += want;
      n -= want;
      from = 0;
      if (n === 0) return;
    }
  }

  /** Consumes `n` buffered bytes. */
  private consume(n: number): void {
    this.buffered -= n;
    let offset = this.offset + n;
    while (this.chunks.length > 0 && offset >= this.chunks[0]!.length) {
      offset -= this.chunks[0]!.length;
      this.chunks.shift();
    }
    this.offset = this.chunks.length > 0 ? offset : 0;
    // The spare buffer is always the last chunk: once that is gone, nothing may be appended to it.
    if (this.chunks.length === 0) {
      this.spare = null;
      this.viewed = this.view = undefined;
    }
  }

  private header(): boolean {
    if (this.buffered < 2) return false;
    // The header's bytes: read in place from the first chunk, or gathered when they straddle chunks.
    let src = this.chunks[0]!;
    let o = this.offset;
    if (src.length - o < 14 && this.chunks.length > 1) {
      src = new Uint8Array(Math.min(14, this.buffered));
      this.copyOut(src, 0, src.length);
      o = 0;
    }
    const b0 = src[o]!;
    const b1 = src[o + 1]!;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
    const size = (len7 < 126 ? 2 : len7 === 126 ? 4 : 10) + (masked ? 4 : 0);
    if (this.buffered < size) return false;
    if ((b0 & 0x70) !== 0) return this.failed("reserved bits set (no extension was agreed)");
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    if (masked !== this.options.expectMasked) return this.failed(masked ? "a masked frame from the server" : "an unmasked frame from a client");
    let length = len7;
    if (len7 === 126) length = (src[o + 2]! << 8) | src[o + 3]!;
    else if (len7 === 127) {
      if (src[o + 2]! !== 0 || src[o + 3]! !== 0 || (src[o + 4]! & 0xe0) !== 0) return this.failed("a frame longer than 2^53 bytes", 1009);
      length =
        ((src[o + 4]! << 8) | src[o + 5]!) * 0x100000000 + (((src[o + 6]! << 24) | (src[o + 7]! << 16) | (src[o + 8]! << 8) | src[o + 9]!) >>> 0);
    }
    if (opcode >= 0x8) {
      if (opcode !== OP_CLOSE && opcode !== OP_PING && opcode !== OP_PONG) return this.failed(`reserved opcode ${opcode}`);
      if (!fin || length > 125) return this.failed("a fragmented or long control frame");
    } else if (opcode === OP_CONTINUATION) {
      if (!this.fragments) return this.failed("a continuation frame with no message to continue");
    } else if (opcode === OP_TEXT || opcode === OP_BINARY) {
      if (this.fragments) return this.failed("a new message inside a fragmented one");
    } else return this.failed(`reserved opcode ${opcode}`);
    const total = opcode === OP_CONTINUATION ? this.fragmentBytes + length : length;
    if (opcode < 0x8 && total > this.options.maxPayload) return this.failed(`a message over ${this.options.maxPayload} bytes`, 1009);
    if (masked) {
      const m = o + size - 4;
      this.mask[0] = src[m]!;
      this.mask[1] = src[m + 1]!;
      this.mask[2] = src[m + 2]!;
      this.mask[3] = src[m + 3]!;
    }
    this.consume(size);
    this.opcode = opcode;
    this.fin = fin;
    this.masked = masked;
    this.length = length;
    this.state = State.Payload;
    return true;
  }

  private failed(reason: string, code = 1002): false {
    this.fail(reason, code);
    return false;
  }

  private payload(): boolean {
    const n = this.length;
    if (this.buffered < n) return false;
    let data: Uint8Array;
    const first = this.chunks[0];
    const o = this.offset;
    const inPlace = this.sink.onBinaryAt !== undefined && this.opcode === OP_BINARY && this.fin;
    if (n === 0) data = this.options.alloc(0);
    else if (this.masked) {
      const mask = this.mask;
      if (n < 512 && first!.length - o >= n) {
        // Small and in one chunk (the common case): unmasked where it lies, four bytes a turn, and delivered where
        // it lies (the chunk is the decoder's own, and these bytes are never read again).
        const key = ((mask[0]! << 24) | (mask[1]! << 16) | (mask[2]! << 8) | mask[3]!) >>> 0;
        if (this.viewed !== first) {
          this.viewed = first;
          this.view = new DataView(first!.buffer, first!.byteOffset, first!.length);
        }
        xorView(this.view!, o, n, key);
        if (inPlace) return this.deliverAt(first!, o, n);
        data = first!.subarray(o, o + n);
      } else {
        // Unmasked in a buffer of our own: a large one is gathered from several chunks, or copied so as not to keep
        // a read chunk alive for a view of part of it.
        data = this.options.alloc(n);
        this.copyOut(data, 0, n);
        maskInPlace(data, mask);
      }
    } else if (first!.length - o >= n) {
      // A server's frame inside one chunk: a view, no copy.
      if (inPlace) return this.deliverAt(first!, o, n);
      data = first!.subarray(o, o + n);
    } else {
      data = this.options.alloc(n);
      this.copyOut(data, 0, n);
    }
    if (n > 0) this.consume(n);
    this.state = State.Header;
    const opcode = this.opcode;
    if (opcode >= 0x8) {
      if (opcode === OP_PING) this.sink.onPing(data);
      else if (opcode === OP_PONG) this.sink.onPong();
      else this.sink.onClose(data.length >= 2 ? (data[0]! << 8) | data[1]! : 1005);
      return true;
    }
    if (opcode !== OP_CONTINUATION && this.fin) {
      this.deliver(opcode, data);
      return true;
    }
    if (opcode !== OP_CONTINUATION) {
      this.fragments = [];
      this.fragmentBytes = 0;
      this.fragmentOpcode = opcode;
    }
    this.fragments!.push(data);
    this.fragmentBytes += data.length;
    if (this.fin) {
      const parts = this.fragments!;
      this.fragments = undefined;
      const whole = this.options.alloc(this.fragmentBytes);
      let at = 0;
      for (const p of parts) {
        whole.set(p, at);
        at += p.length;
      }
      this.deliver(this.fragmentOpcode, whole);
    }
    return true;
  }

  /** A whole binary message in one chunk, to onBinaryAt: consumed first, so that the sink may feed the decoder again. */
  private deliverAt(chunk: Uint8Array, start: number, length: number): true {
    this.consume(length);
    this.state = State.Header;
    this.sink.onBinaryAt!(chunk, start, length);
    return true;
  }

  private deliver(opcode: number, data: Uint8Array): void {
    if (opcode === OP_TEXT) this.sink.onText();
    else this.sink.onBinary(data);
  }
}
