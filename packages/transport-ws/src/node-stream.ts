/**
 * A ZwsStream over a `ws` WebSocket (Node): each binary message is one
 * chunk, each write one binary message. Text messages and the protocol
 * errors `ws` detects (bad frames, unmasked client frames, messages over
 * maxPayload) reach the engine as onBadFrame, so the connection drops as a
 * protocol error with a monitor event.
 */
import type { ZwsStream, ZwsStreamHandlers } from "@zmq/engine";
import type { StreamError } from "@zmq/kernel";
import type { RawData, WebSocket } from "ws";

const noHandlers: ZwsStreamHandlers = { onData: () => {}, onDrain: () => {}, onClose: () => {} };

/** Stop the writer once this many bytes wait to be sent. */
const HIGH_WATER = 1024 * 1024;

export interface NodeWsStreamOptions {
  endpoint: string;
  remoteAddress: string;
  /** The agreed subprotocol (server side); a client's is set when the upgrade answer arrives. */
  protocol?: string;
}

export class NodeWsStream implements ZwsStream {
  private handlers: ZwsStreamHandlers = noHandlers;
  private early: (() => void)[] = [];
  private error: StreamError | undefined;
  private closed = false;
  private draining = false;
  protocol: string | undefined;
  readonly endpoint: string;
  readonly remoteAddress: string;

  constructor(
    private readonly ws: WebSocket,
    options: NodeWsStreamOptions,
  ) {
    this.endpoint = options.endpoint;
    this.remoteAddress = options.remoteAddress;
    this.protocol = options.protocol;
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (!isBinary) this.badFrame("a text message (ZWS frames are binary)");
      else this.handlers.onData(data as Buffer);
    });
    ws.on("pong", () => this.handlers.onPong?.());
    ws.on("error", (error: Error & { code?: string }) => {
      const code = error.code ?? "EIO";
      if (code.startsWith("WS_ERR_")) this.badFrame(error.message);
      else this.error ??= { code, message: error.message };
    });
    ws.on("close", () => {
      if (this.closed) return;
      this.closed = true;
      const error = this.error;
      this.deliver(() => this.handlers.onClose(error));
    });
    if (ws.readyState === ws.CONNECTING) {
      ws.once("open", () => {
        this.deliver(() => this.handlers.onConnect?.());
      });
    }
  }

  private badFrame(reason: string): void {
    this.deliver(() => this.handlers.onBadFrame?.(reason));
  }

  /** Events before setHandlers() wait for it. */
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

  write(chunk: Uint8Array): boolean {
    const ws = this.ws;
    if (this.closed || ws.readyState !== ws.OPEN) return false;
    if (ws.bufferedAmount + chunk.length < HIGH_WATER) {
      ws.send(chunk);
      return ws.bufferedAmount < HIGH_WATER || this.waitForDrain();
    }
    ws.send(chunk);
    return this.waitForDrain();
  }

  writev(chunks: readonly Uint8Array[]): boolean {
    const socket = (this.ws as unknown as { _socket?: { cork?(): void; uncork?(): void } })._socket;
    socket?.cork?.();
    let ok = true;
    for (const c of chunks) ok = this.write(c);
    socket?.uncork?.();
    return ok;
  }

  /** Calls onDrain once what is queued now has reached the socket. */
  private waitForDrain(): false {
    if (!this.draining) {
      this.draining = true;
      // An empty ping-less marker: the callback of a zero-length write fires after everything before it.
      const socket = (this.ws as unknown as { _socket?: { write(data: Uint8Array, cb: () => void): boolean } })._socket;
      const done = () => {
        this.draining = false;
        if (!this.closed) this.handlers.onDrain();
      };
      if (socket) socket.write(new Uint8Array(0), done);
      else queueMicrotask(done);
    }
    return false;
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  end(): void {
    if (this.ws.readyState === this.ws.CONNECTING) this.ws.terminate();
    else this.ws.close(1000);
  }

  destroy(): void {
    this.ws.terminate();
  }

  ping(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
  }
}
