import type { Command } from "@zmq/wire";
import { ZmqError } from "./errors.js";

/**
 * A message is a whole multipart message: an array of frames. Pipes,
 * strategies and sessions only ever see whole messages, so there is no
 * partial-message rollback anywhere in the kernel.
 */
export type Msg = Uint8Array[];

/** What `send()` accepts for one frame (as zeromq.js's MessageLike). */
export type MessageLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer | string | number | null;

/**
 * Turns user frames into Uint8Arrays. The default makes plain Uint8Arrays;
 * @zmq/zeromq installs one that makes Node Buffers (as zeromq.js does), so
 * frames received in Node are Buffers whatever the sender passed.
 */
export interface FrameCodec {
  /** Bytes of a string. */
  fromString(text: string): Uint8Array;
  /** A view of the given bytes of the runtime's preferred type (no copy). */
  fromBytes(buffer: ArrayBufferLike, byteOffset: number, byteLength: number): Uint8Array;
  /** True when a Uint8Array is already of the preferred type. */
  isNative(frame: Uint8Array): boolean;
  /** Allocates a frame of the preferred type. */
  alloc(size: number): Uint8Array;
}

const textEncoder = /* @__PURE__ */ new TextEncoder();

/**
 * Frames given as bytes of up to this many are the caller's to refill as
 * soon as send() returns, as with zeromq.js (and libzmq's zmq_send): send()
 * copies them wherever the message waits (OutgoingFrames). Larger ones go
 * without a copy, as zeromq.js's zero-copy sends do, and must not change
 * until sent.
 */
export const COPY_THRESHOLD = 128;

/** A copy of `bytes`, of the codec's preferred type. */
function copyOf(frames: FrameCodec, bytes: Uint8Array): Uint8Array {
  const frame = frames.alloc(bytes.byteLength);
  frame.set(bytes);
  return frame;
}

/** One frame of what send() was given, as the codec's preferred type (a Buffer in Node's zeromq); bytes are viewed, not copied. */
export function toFrame(frames: FrameCodec, value: MessageLike): Uint8Array {
  if (value instanceof Uint8Array) {
    return frames.isNative(value) ? value : frames.fromBytes(value.buffer, value.byteOffset, value.byteLength);
  }
  if (typeof value === "string") return frames.fromString(value);
  if (ArrayBuffer.isView(value)) return frames.fromBytes(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)) {
    return frames.fromBytes(value, 0, value.byteLength);
  }
  if (value === null) return frames.alloc(0);
  if (value === undefined || typeof value === "symbol") {
    throw new ZmqError("EINVAL", `A frame must be a string, Buffer, typed array, ArrayBuffer, number or null; got ${typeof value}`);
  }
  // Anything else is sent as its string form, as zeromq.js does (42 -> "42", true -> "true").
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- zeromq.js sends String(value) for any other value
  return frames.fromString(String(value));
}

/** What a pipe's writing end holds to make the caller's small frames of a message its own (Pipe.keeper). */
export interface FrameKeeper {
  /** Copies, in place, the caller's small frames of `msg` not copied yet. */
  keep(msg: Msg): void;
  /** `msg` goes to many pipes: its small frames are copied now, once for all (see `fanned`). */
  fanOut(msg: Msg): void;
  /** True for a message given to `fanOut` during this send(): a reader gains nothing by taking it early, and batches it. */
  fanned(msg: Msg): boolean;
}

/**
 * The frames of what a socket's send() was given, and the copies of the
 * caller's own small frames (COPY_THRESHOLD) that let the caller refill them
 * at once. The copy is made only where the message waits while send()
 * returns: in a pipe's queue (Pipe.keeper), or in the socket when it cannot
 * be written yet. A message a ZMTP engine encodes at once, which copies its
 * bytes into the engine's output, needs none.
 */
export class OutgoingFrames implements FrameKeeper {
  /** The message send() is writing has small frames of the caller's bytes, not copied yet. */
  private borrowed = false;
  /** The message array whose frames were copied last, while the same send() runs. */
  private kept: Msg | undefined = undefined;
  /** The message array given to fanOut, while the same send() runs. */
  private fannedOut: Msg | undefined = undefined;

  constructor(private readonly frames: FrameCodec) {}

  /** send()'s message as frames. */
  toMsg(message: MessageLike | readonly MessageLike[]): Msg {
    const frames = this.frames;
    if (!Array.isArray(message)) return [this.frame(frames, message as MessageLike)];
    const msg: Msg = new Array<Uint8Array>(message.length);
    for (let i = 0; i < message.length; i++) msg[i] = this.frame(frames, message[i] as MessageLike);
    return msg;
  }

  /** The message (an array a pipe or the socket holds) waits: its small frames become copies, once per array. */
  keep(msg: Msg): void {
    if (!this.borrowed || msg === this.kept) return;
    this.kept = msg;
    for (let i = 0; i < msg.length; i++) {
      const frame = msg[i]!;
      if (frame.byteLength <= COPY_THRESHOLD) msg[i] = copyOf(this.frames, frame);
    }
  }

  fanOut(msg: Msg): void {
    this.keep(msg);
    this.fannedOut = msg;
  }

  fanned(msg: Msg): boolean {
    return msg === this.fannedOut;
  }

  /** send() returns: its frames are settled. */
  done(): void {
    this.borrowed = false;
    this.kept = this.fannedOut = undefined;
  }

  private frame(frames: FrameCodec, value: MessageLike): Uint8Array {
    const frame = toFrame(frames, value);
    if (typeof value === "object" && value !== null && frame.byteLength <= COPY_THRESHOLD) this.borrowed = true;
    return frame;
  }
}

export const plainFrames: FrameCodec = {
  fromString: (text) => textEncoder.encode(text),
  fromBytes: (buffer, byteOffset, byteLength) => new Uint8Array(buffer, byteOffset, byteLength),
  isNative: (frame) => frame.constructor === Uint8Array,
  alloc: (size) => new Uint8Array(size),
};

/**
 * A subscription message (`01 topic`) or cancel (`00 topic`) made by
 * SUB/XSUB itself. An engine sends it as a SUBSCRIBE / CANCEL command to a
 * ZMTP 3.1 peer and as the data frame it is to older peers; one the
 * application sends through an XSUB stays a data frame, as in libzmq.
 */
export interface SubscriptionMsg extends Array<Uint8Array> {
  readonly asCommand: true;
}

/** Marks a one-frame `01 topic` / `00 topic` message as a subscription command. */
export function subscriptionMsg(frame: Uint8Array): Msg {
  const msg = [frame] as Msg & { asCommand?: true };
  msg.asCommand = true;
  return msg;
}

/** True for a message made by subscriptionMsg() (not for other command messages). */
export function isSubscriptionMsg(msg: Msg): msg is SubscriptionMsg {
  const m = msg as { asCommand?: boolean; command?: Command };
  return m.asCommand === true && m.command === undefined;
}

/**
 * A message that a socket hands its engine to send as a ZMTP command (a
 * DISH's JOIN / LEAVE), marked like a subscription message. Over inproc it
 * reaches the peer socket as is, and the peer reads `command`; its one
 * frame holds the command's main argument (the group) for anything that
 * only looks at frames.
 */
export interface CommandMsg extends Array<Uint8Array> {
  readonly asCommand: true;
  readonly command: Command;
}

/** Marks a one-frame message as `command`, for engines to send as that ZMTP command. */
export function commandMsg(command: Command, frame: Uint8Array): Msg {
  const msg = [frame] as Msg & { asCommand?: true; command?: Command };
  msg.asCommand = true;
  msg.command = command;
  return msg;
}

/** True for any message an engine sends as a command: subscriptions and commandMsg() messages. */
export function isCommandMsg(msg: Msg): msg is SubscriptionMsg | CommandMsg {
  return (msg as { asCommand?: boolean }).asCommand === true;
}

/**
 * The command a marked message stands for: its own for a commandMsg(),
 * SUBSCRIBE / CANCEL for a subscriptionMsg(); undefined for a data message.
 */
export function commandOf(msg: Msg): Command | undefined {
  const m = msg as { asCommand?: boolean; command?: Command };
  if (m.asCommand !== true) return undefined;
  if (m.command !== undefined) return m.command;
  const frame = msg[0]!;
  const topic = frame.subarray(1);
  return frame[0] === 1 ? { name: "SUBSCRIBE", topic } : { name: "CANCEL", topic };
}
