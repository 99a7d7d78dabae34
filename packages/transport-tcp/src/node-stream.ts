/**
 * A kernel ByteStream over a node:net Socket (TCP or unix). Shared by the
 * tcp and ipc transports, and usable by any transport built on node:net.
 */
import type { Socket } from "node:net";
import type { ByteStream, ByteStreamHandlers, StreamError } from "@zmq/kernel";
import type { SocksClient } from "./socks.js";

const noHandlers: ByteStreamHandlers = { onData: () => {}, onDrain: () => {}, onClose: () => {} };

export interface NodeStreamOptions {
  /** The endpoint monitor events name. */
  endpoint: string;
  /** The peer address for ZAP ("" for unix sockets). */
  remoteAddress?: string;
  /** Milliseconds a connect may take before it fails with ETIMEDOUT; 0 for the system's limit. */
  connectTimeout?: number;
  /** A SOCKS5 exchange with the proxy the socket connects to, before the stream is connected (ZMQ_SOCKS_PROXY). */
  socks?: SocksClient;
}

/** libzmq reports an IPv4-mapped peer by its IPv4 address. */
function plainAddress(address: string | undefined): string {
  if (!address) return "";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

class NodeByteStream implements ByteStream {
  private handlers: ByteStreamHandlers = noHandlers;
  private error: StreamError | undefined;
  private closed = false;
  private connecting: boolean;
  private early: (() => void)[] = [];
  readonly endpoint: string;
  readonly remoteAddress: string;

  constructor(
    private readonly socket: Socket,
    options: NodeStreamOptions,
  ) {
    this.endpoint = options.endpoint;
    this.connecting = socket.connecting;
    this.remoteAddress = options.remoteAddress ?? plainAddress(socket.remoteAddress);
    socket.setNoDelay(true);
    // A connection alone does not keep a process alive (zeromq.js's do not): the kernel holds
    // the event loop while a send or receive waits, or queued messages linger.
    socket.unref();
    const socks = options.socks;
    if (socks) socket.on("data", (chunk: Buffer) => (this.connecting ? this.proxied(socks, chunk) : this.handlers.onData(chunk)));
    else socket.on("data", (chunk: Buffer) => this.handlers.onData(chunk));
    socket.on("drain", () => this.handlers.onDrain());
    socket.on("error", (error: NodeJS.ErrnoException) => {
      this.error = { code: error.code ?? "EIO", message: error.message };
    });
    socket.on("close", () => {
      if (this.closed) return;
      this.closed = true;
      const error = this.error;
      this.deliver(() => this.handlers.onClose(error));
    });
    if (this.connecting) {
      const timeout = options.connectTimeout ?? 0;
      if (timeout > 0) {
        socket.setTimeout(timeout, () => {
          if (!this.connecting) return;
          this.error = { code: "ETIMEDOUT", message: `connect timed out after ${timeout} ms` };
          socket.destroy();
        });
      }
      socket.once("connect", () => {
        if (socks) socket.write(socks.start());
        else this.connected();
      });
    }
  }

  private connected(): void {
    this.connecting = false;
    this.socket.setTimeout(0);
    this.deliver(() => this.handlers.onConnect?.());
  }

  /** The proxy's bytes during the SOCKS exchange: answer, fail the attempt, or connect and pass on what followed. */
  private proxied(socks: SocksClient, chunk: Buffer): void {
    const step = socks.feed(chunk);
    if (step === undefined) return;
    if ("error" in step) {
      this.error = { code: "ECONNREFUSED", message: `SOCKS proxy: ${step.error}` };
      this.socket.destroy();
      return;
    }
    if ("write" in step) this.socket.write(step.write);
    if ("connected" in step) {
      this.connected();
      const rest = step.connected;
      if (rest.length > 0) this.deliver(() => this.handlers.onData(rest));
    }
  }

  /** Events before setHandlers() wait for it. */
  private deliver(fn: () => void): void {
    if (this.handlers === noHandlers) this.early.push(fn);
    else fn();
  }

  setHandlers(handlers: ByteStreamHandlers): void {
    this.handlers = handlers;
    const early = this.early;
    this.early = [];
    for (const fn of early) fn();
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed || this.socket.destroyed) return false;
    return this.socket.write(chunk);
  }

  writev(chunks: readonly Uint8Array[]): boolean {
    if (this.closed || this.socket.destroyed) return false;
    const socket = this.socket;
    socket.cork();
    let ok = true;
    for (const c of chunks) ok = socket.write(c);
    socket.uncork();
    return ok;
  }

  flushed(): boolean {
    return this.socket.writableLength === 0;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Wraps a connecting or accepted node:net Socket as a ByteStream. */
export function nodeByteStream(socket: Socket, options: NodeStreamOptions): ByteStream {
  return new NodeByteStream(socket, options);
}

/** Maps a node:net error to the ZeroMQ error code libzmq would report. */
export function zmqCode(code: string | undefined): "EADDRINUSE" | "EADDRNOTAVAIL" | "EINVAL" | "EACCES" | "ENODEV" {
  switch (code) {
    case "EADDRINUSE":
    case "EADDRNOTAVAIL":
      return code;
    case "EACCES":
    case "EPERM":
      return "EACCES";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "ENODEV";
    default:
      return "EINVAL";
  }
}
