/**
 * The ZMTP frame encoder: whole messages into as few buffers as possible,
 * one at a time as they come or many at once (framings as in frames.ts).
 */
import { type Allocator, defaultAlloc } from "./bytes.js";
import { WireError } from "./errors.js";
import { FLAG_COMMAND, FLAG_MORE, type Framing, writeHeader } from "./frames.js";

/** Bodies at least this large are passed through by reference instead of copied. */
const DEFAULT_COPY_THRESHOLD = 8192;

export interface FrameEncoderOptions {
  /** Default "zmtp3". */
  framing?: Framing;
  /** Allocates output buffers; Node callers may pass `Buffer.allocUnsafe`. */
  alloc?: Allocator;
  /** Bodies of at least this many bytes are emitted as their own chunk, not copied. Default 8192. */
  copyThreshold?: number;
}

function headerSize(framing: Framing, size: number): number {
  if (framing === "zmtp1") return size + 1 < 255 ? 2 : 10;
  return size > 255 ? 9 : 2;
}

/** The first output buffer of a batch holds at least this much; later ones grow to what the last batch used. */
const MIN_OUTPUT = 256;
/** ...but no more than this, so that a busy connection's batches come in buffers of this size. */
const MAX_OUTPUT = 64 * 1024;

/**
 * Encodes messages (arrays of frames) and commands. Output is a list of
 * chunks to write in order (or join): buffers holding every header and
 * every small body, interleaved with large bodies passed by reference.
 *
 * Messages can be encoded one at a time as they come (`append`, which copies
 * the small bodies at once, so their buffers are free again when it returns)
 * and taken as one batch of chunks (`take`), or many at once
 * (`encodeMessages`).
 */
export class FrameEncoder {
  readonly framing: Framing;
  private readonly alloc: Allocator;
  private readonly copyThreshold: number;
  /** The buffer that appended headers and small bodies go into, from `pos`; chunks already hold it up to `runStart`. */
  private out: Uint8Array | undefined = undefined;
  private pos = 0;
  private runStart = 0;
  private chunks: Uint8Array[] = [];
  /** Bytes copied into output buffers since the last take (sizes the next batch's first buffer). */
  private batchCopied = 0;
  private nextSize = MIN_OUTPUT;

  constructor(options: FrameEncoderOptions = {}) {
    this.framing = options.framing ?? "zmtp3";
    this.alloc = options.alloc ?? defaultAlloc;
    this.copyThreshold = options.copyThreshold ?? DEFAULT_COPY_THRESHOLD;
  }

  /** Encodes one multipart message. */
  encodeMessage(frames: readonly Uint8Array[]): Uint8Array[] {
    return this.encodeMessages([frames]);
  }

  /** Encodes many messages into as few chunks as possible (after anything `append` left untaken). */
  encodeMessages(messages: readonly (readonly Uint8Array[])[]): Uint8Array[] {
    let copied = 0;
    for (let m = 0; m < messages.length; m++) copied += this.copiedSize(messages[m]!);
    this.reserve(copied);
    for (let m = 0; m < messages.length; m++) this.put(messages[m]!);
    return this.take();
  }

  /**
   * Encodes a message after what is pending: headers and bodies under the
   * copy threshold are copied now, larger bodies stay referenced until
   * written. Returns the message's encoded size.
   */
  append(frames: readonly Uint8Array[]): number {
    this.reserve(this.copiedSize(frames));
    return this.put(frames);
  }

  /** Adds already encoded bytes (a command frame) after what is pending. */
  appendEncoded(chunk: Uint8Array): void {
    this.closeRun();
    this.chunks.push(chunk);
  }

  /** The chunks appended since the last take, in order. The encoder never writes into them again. */
  take(): Uint8Array[] {
    this.closeRun();
    this.out = undefined;
    this.nextSize = Math.min(MAX_OUTPUT, Math.max(MIN_OUTPUT, this.batchCopied));
    this.batchCopied = 0;
    const chunks = this.chunks;
    this.chunks = [];
    return chunks;
  }

  /** Bytes a message puts into output buffers: every header, and the bodies that are copied. */
  private copiedSize(frames: readonly Uint8Array[]): number {
    if (frames.length === 0) {
      throw new WireError("EINVAL", "A message needs at least one frame, got 0", { field: "frames", value: 0 });
    }
    const framing = this.framing;
    const threshold = this.copyThreshold;
    const legacy = framing === "zmtp1";
    let copied = 0;
    for (let i = 0; i < frames.length; i++) {
      const size = frames[i]!.length;
      copied += legacy ? headerSize(framing, size) : size > 255 ? 9 : 2;
      if (size < threshold) copied += size;
    }
    return copied;
  }

  /** Makes room for `size` more bytes in the output buffer. */
  private reserve(size: number): void {
    if (this.out !== undefined && this.out.length - this.pos >= size) return;
    this.closeRun();
    const length = Math.max(size, this.nextSize);
    this.nextSize = Math.min(MAX_OUTPUT, length * 2);
    this.out = this.alloc(length);
    this.pos = this.runStart = 0;
  }

  /** Ends the chunk being filled in the output buffer. */
  private closeRun(): void {
    if (this.pos > this.runStart) {
      this.chunks.push(this.out!.subarray(this.runStart, this.pos));
      this.batchCopied += this.pos - this.runStart;
      this.runStart = this.pos;
    }
  }

  /** Encodes a message into the output buffer (reserved): returns its encoded size. */
  private put(frames: readonly Uint8Array[]): number {
    const framing = this.framing;
    const threshold = this.copyThreshold;
    const legacy = framing === "zmtp1";
    const out = this.out!;
    let pos = this.pos;
    const start = pos;
    let referenced = 0;
    const last = frames.length - 1;
    for (let i = 0; i <= last; i++) {
      const body = frames[i]!;
      const size = body.length;
      const more = i < last ? FLAG_MORE : 0;
      if (!legacy && size <= 255) {
        out[pos++] = more;
        out[pos++] = size;
      } else {
        pos = writeHeader(out, pos, framing, size, more);
      }
      if (size < threshold) {
        // Tiny bodies: a plain loop beats set()'s call overhead.
        if (size <= 16) {
          for (let j = 0; j < size; j++) out[pos + j] = body[j]!;
        } else {
          out.set(body, pos);
        }
        pos += size;
      } else {
        this.pos = pos;
        this.closeRun();
        this.chunks.push(body);
        referenced += size;
      }
    }
    this.pos = pos;
    return pos - start + referenced;
  }

  /** Encodes a command frame from its body (see encodeCommandBody). Not available in ZMTP 1.0/2.0. */
  encodeCommand(body: Uint8Array): Uint8Array {
    if (this.framing !== "zmtp3") {
      throw new WireError("EINVAL", `Commands cannot be sent with ${this.framing} framing`, {
        field: "framing",
        value: this.framing,
      });
    }
    return this.encodeFrame(body, FLAG_COMMAND);
  }

  /** Encodes one frame into a buffer of its own, apart from what is pending. */
  encodeFrame(body: Uint8Array, flags: number): Uint8Array {
    const out = this.alloc(headerSize(this.framing, body.length) + body.length);
    const pos = writeHeader(out, 0, this.framing, body.length, flags);
    out.set(body, pos);
    return out;
  }
}
