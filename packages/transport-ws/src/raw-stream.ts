/**
 * A ZwsStream over a raw node:net / node:tls socket after the HTTP upgrade,
 * framed by frame-codec.ts: a flush of many ZWS frames leaves as one write
 * (one buffer, or headers and large payloads by reference), and what
 * arrives is cut into messages without copying unless it was masked. Pings
 * are answered, pongs reported, a close is echoed, and RFC 6455 violations
 * reach the engine as onBadFrame after a close frame with the reason's code.
 */
import type { Socket } from "node:net";
import type { ZwsStream, ZwsStreamHandlers } from "@zmq/engine/zws";
import type { StreamError } from "@zmq/kernel";
import { encodeZwsFrames } from "./zws-frames.js";
import {
  OP_BINARY,
  OP_CLOSE,
  OP_PING,
  OP_PONG,
  WsFrameDecoder,
  encodeFrameList,
  encodeFrames,
  headerSize,
  writeFrame,
  writeHeader,
} from "./frame-codec.js";

const noHandlers: ZwsStreamHandlers = { onData: () => {}, onDrain: () => {}, onClose: () => {} };

/**
 * Buffers that client connections masked large bodies into, free again (the
 * write that used them went to the kernel whole): lent to the next large
 * frames of any connection. One pool for the process, of at most
 * SPARE_BYTES, so that idle connections hold none.
 */
const spares: Uint8Array[] = [];
let spareBytes = 0;
const SPARE_BYTES = 512 * 1024;

/** A buffer of at least `size` bytes from the pool, or undefined. */
function spareOf(size: number): Uint8Array | undefined {
  for (let i = 0; i < spares.length; i++) {
    const buffer = spares[i]!;
    if (buffer.length < size) continue;
    spares.splice(i, 1);
    spareBytes -= buffer.length;
    return buffer;
  }
  return undefined;
}

/** Buffers free again, into the pool as far as it has room. */
function giveBack(buffers: readonly Uint8Array[]): void {
  for (const buffer of buffers) {
    if (spareBytes + buffer.length > SPARE_BYTES) continue;
    spares.push(buffer);
    spareBytes += buffer.length;
  }
}

/** Payloads at least this large go by reference after their own header, when unmasked. */
const BY_REFERENCE = 16 * 1024;

export interface RawWsStreamOptions {
  endpoint: string;
  remoteAddress: string;
  /** True when we are the client: our frames are masked, the peer's must not be. */
  client: boolean;
  maxPayload: number;
  alloc: (size: number) => Uint8Array;
  /** The agreed subprotocol, when known now (server side). */
  protocol?: string;
}

export class RawWsStream implements ZwsStream {
  private handlers: ZwsStreamHandlers = noHandlers;
  private early: (() => void)[] = [];
  private readonly decoder: WsFrameDecoder;
  private error: StreamError | undefined;
  private closed = false;
  private closeSent = false;
  private opened: boolean;
  protocol: string | undefined;
  readonly endpoint: string;
  readonly remoteAddress: string;
  private readonly masked: boolean;
  private readonly alloc: (size: number) => Uint8Array;
  /** The pool's buffers (or new ones) that the write under way masked large bodies into. */
  private lent: Uint8Array[] = [];

  constructor(
    private readonly socket: Socket,
    options: RawWsStreamOptions,
  ) {
    this.endpoint = options.endpoint;
    this.remoteAddress = options.remoteAddress;
    this.protocol = options.protocol;
    this.masked = options.client;
    this.alloc = options.alloc;
    this.opened = !options.client;
    socket.setNoDelay(true);
    // A connection alone does not keep a process alive (as tcp's, as zeromq.js's): the kernel holds
    // the event loop while a send or receive waits, or queued messages linger.
    socket.unref();
    this.decoder = new WsFrameDecoder(
      { expectMasked: !options.client, maxPayload: options.maxPayload, alloc: options.alloc },
      {
        onBinary: (payload) => this.handlers.onData(payload),
        onBinaryAt: (chunk, start, length) => {
          const handlers = this.handlers;
          if (handlers.onFrameAt !== undefined) handlers.onFrameAt(chunk, start, length);
          else handlers.onData(chunk.subarray(start, start + length));
        },
        onText: () => this.bad("a text message (ZWS frames are binary)", 1003),
        onPing: (payload) => this.control(OP_PONG, payload),
        onPong: () => this.handlers.onPong?.(),
        onClose: (code) => {
          // Echo the close, then hang up (RFC 6455 §5.5.1).
          this.sendClose(code === 1005 ? 1000 : code);
          this.socket.end();
        },
        onError: (reason, code) => this.bad(reason, code),
      },
    );
    socket.on("drain", () => this.handlers.onDrain());
    socket.on("error", (error: NodeJS.ErrnoException) => {
      this.error ??= { code: error.code ?? "EIO", message: error.message };
    });
    socket.on("close", () => {
      if (this.closed) return;
      this.closed = true;
      const error = this.error;
      this.deliver(() => this.handlers.onClose(error));
    });
  }

  /** Starts reading frames: `rest` is what came after the upgrade's head. */
  open(rest: Uint8Array): void {
    this.socket.on("data", (chunk: Buffer) => this.feed(chunk));
    if (this.opened) {
      if (rest.length > 0) this.feed(rest);
      return;
    }
    this.opened = true;
    this.deliver(() => {
      this.handlers.onConnect?.();
      if (rest.length > 0) this.feed(rest);
    });
  }

  private feed(chunk: Uint8Array): void {
    try {
      this.decoder.feed(chunk);
    } catch (error) {
      // Never into the event loop: a failure here is this connection's alone.
      this.bad(`internal error: ${String(error)}`, 1011);
    }
  }

  /** Fails a connection before it opened (a refused upgrade), as a connection error. */
  failOpen(error: StreamError): void {
    this.error = error;
    this.socket.destroy();
  }

  private bad(reason: string, code: number): void {
    this.sendClose(code);
    this.deliver(() => this.handlers.onBadFrame?.(reason));
  }

  private control(opcode: number, payload: Uint8Array): void {
    if (this.closed || this.closeSent || this.socket.destroyed) return;
    const out = this.alloc(headerSize(payload.length, this.masked) + payload.length);
    writeFrame(out, 0, opcode, payload, this.masked);
    this.socket.write(out);
  }

  private sendClose(code: number): void {
    if (this.closeSent) return;
    this.control(OP_CLOSE, new Uint8Array([code >>> 8, code & 0xff]));
    this.closeSent = true;
  }

  private deliver(fn: () => void): void {
    if (this.handlers === noHandlers) this.early.push(fn);
    else fn();
  }

  setHandlers(handlers: ZwsStreamHandlers): void {
    this.handlers = handlers;
    const early = this.early;
    this.early = [];
    for (const fn of early) fn();
  }

  write(payload: Uint8Array): boolean {
    return this.writev([payload]);
  }

  writeFrames(messages: readonly (readonly Uint8Array[])[]): boolean {
    const socket = this.socket;
    if (this.closed || this.closeSent || socket.destroyed) return false;
    if (!this.masked) return this.writeChunks(encodeZwsFrames(messages, false, this.alloc));
    const ok = this.writeChunks(encodeZwsFrames(messages, true, this.alloc, this.lend));
    const lent = this.lent;
    if (lent.length === 0) return ok;
    this.lent = [];
    // Written whole into the kernel (nothing buffered in Node): the masked copies are free for the next frames.
    if (socket.writableLength === 0) giveBack(lent);
    return ok;
  }

  /** A buffer of at least `size` bytes for a large masked body: a spare one when there is, else a new one. */
  private readonly lend = (size: number): Uint8Array => {
    const buffer = spareOf(size) ?? this.alloc(size);
    this.lent.push(buffer);
    return buffer.length === size ? buffer : buffer.subarray(0, size);
  };

  /** Writes chunks as one write where Node can (corked); false when the socket wants the writer to wait. */
  private writeChunks(chunks: readonly Uint8Array[]): boolean {
    const socket = this.socket;
    if (chunks.length === 1) return socket.write(chunks[0]!);
    let ok = true;
    socket.cork();
    for (const c of chunks) ok = socket.write(c);
    socket.uncork();
    return ok;
  }

  writev(payloads: readonly Uint8Array[]): boolean {
    const socket = this.socket;
    if (this.closed || this.closeSent || socket.destroyed) return false;
    if (this.masked) {
      // The engine's payloads are fresh and handed over: large ones are masked in place.
      return this.writeChunks(encodeFrameList(OP_BINARY, payloads, true, this.alloc, true));
    }
    let small: Uint8Array[] = [];
    let ok = true;
    socket.cork();
    for (const p of payloads) {
      if (p.length < BY_REFERENCE) {
        small.push(p);
        continue;
      }
      if (small.length > 0) ok = socket.write(encodeFrames(OP_BINARY, small, false, this.alloc));
      small = [];
      const header = this.alloc(headerSize(p.length, false));
      writeHeader(header, OP_BINARY, p.length, undefined);
      socket.write(header);
      ok = socket.write(p);
    }
    if (small.length > 0) ok = socket.write(encodeFrames(OP_BINARY, small, false, this.alloc));
    socket.uncork();
    return ok;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    if (!this.opened) {
      this.socket.destroy();
      return;
    }
    this.sendClose(1000);
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  ping(): void {
    this.control(OP_PING, new Uint8Array(0));
  }
}
