import { Context as KernelContext, type ContextOptions, type FrameCodec } from "@zmq/kernel";
import { curve } from "@zmq/curve";
import { plain } from "@zmq/plain";
import { inproc } from "@zmq/transport-inproc";
import { ipc } from "@zmq/transport-ipc";
import { tcp } from "@zmq/transport-tcp";

/** Frames as Node Buffers, as zeromq.js gives them; views, never copies. */
export const bufferFrames: FrameCodec = {
  fromString: (text) => Buffer.from(text, "utf8"),
  fromBytes: (buffer, byteOffset, byteLength) => Buffer.from(buffer as ArrayBuffer, byteOffset, byteLength),
  isNative: (frame) => Buffer.isBuffer(frame),
  alloc: (size) => Buffer.allocUnsafe(size),
};

/**
 * A Context with tcp, ipc and inproc, the PLAIN and CURVE security mechanisms, and
 * sockets that send and receive Buffers. Pass `transports` or
 * `mechanisms` to choose others.
 */
export class Context extends KernelContext {
  constructor(options: ContextOptions = {}) {
    super({
      transports: options.transports ?? [tcp(), ipc(), inproc()],
      frames: options.frames ?? bufferFrames,
      mechanisms: options.mechanisms ?? [plain, curve],
    });
  }
}

let shared: Context | undefined;

/** The Context sockets use when none is given (made on first use). */
export function defaultContext(): Context {
  return (shared ??= new Context());
}
