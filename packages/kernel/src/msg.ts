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

const textEncoder = new TextEncoder();

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

export function isSubscriptionMsg(msg: Msg): msg is SubscriptionMsg {
  return (msg as { asCommand?: boolean }).asCommand === true;
}
