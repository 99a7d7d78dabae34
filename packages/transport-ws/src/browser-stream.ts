/**
 * A ZwsStream over the runtime's own WebSocket (browsers, Deno, Bun, Node
 * 22+): each binary message is one chunk, each write one binary message.
 * Browsers take only HTTP tokens as subprotocols, and RFC 45's
 * "ZWS2.0/NULL", "ZWS2.0/PLAIN" and "ZWS2.0/CURVE" are not (the "/"), so
 * such a client offers what it can: bare "ZWS2.0" for NULL sockets; a
 * socket with another mechanism fails to connect with EPROTONOSUPPORT.
 * There is no ping and no pause: heartbeats go as ZMTP PING commands, and
 * input waits in the engine when the socket's queue is full.
 * Runtime-agnostic.
 */
import type { ZwsStream, ZwsStreamHandlers } from "@zmq/engine/zws";
import type { StreamError } from "@zmq/kernel";

/** What is used of a WHATWG WebSocket. */
export interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly protocol: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

const noHandlers: ZwsStreamHandlers = { onData: () => {}, onDrain: () => {}, onClose: () => {} };
const HIGH_WATER = 1024 * 1024;
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`|a-z~]+$/;

export class BrowserWsStream implements ZwsStream {
  private handlers: ZwsStreamHandlers = noHandlers;
  private early: (() => void)[] = [];
  private socket: WebSocketLike | undefined;
  private error: StreamError | undefined;
  private closed = false;
  private draining = false;
  protocol: string | undefined;
  readonly remoteAddress = "";

  constructor(
    url: string,
    offer: readonly string[],
    readonly endpoint: string,
    Ctor: WebSocketConstructor | undefined,
  ) {
    const usable = offer.filter((p) => TOKEN.test(p));
    if (!Ctor || usable.length === 0) {
      const message = !Ctor
        ? "this runtime has no global WebSocket"
        : `this runtime's WebSocket cannot offer subprotocol ${offer.join(", ")} (not an HTTP token); only NULL sockets (bare ZWS2.0) can connect`;
      this.fail({ code: "EPROTONOSUPPORT", message });
      return;
    }
    let socket: WebSocketLike;
    try {
      socket = new Ctor(url, usable);
    } catch (error) {
      this.fail({ code: "EINVAL", message: String(error) });
      return;
    }
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      this.protocol = usable.includes(socket.protocol) ? socket.protocol : undefined;
      this.deliver(() => this.handlers.onConnect?.());
    };
    socket.onmessage = (event) => {
      const data = event.data;
      if (typeof data === "string") this.deliver(() => this.handlers.onBadFrame?.("a text message (ZWS frames are binary)"));
      else this.handlers.onData(new Uint8Array(data as ArrayBuffer));
    };
    socket.onerror = () => {
      this.error ??= { code: "ECONNREFUSED", message: "WebSocket error" };
    };
    socket.onclose = (event) => {
      const error = event.wasClean ? undefined : (this.error ?? { code: "ECONNRESET", message: `WebSocket closed (${event.code} ${event.reason})` });
      this.finish(error);
    };
  }

  private fail(error: StreamError): void {
    queueMicrotask(() => this.finish(error));
  }

  private finish(error: StreamError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.deliver(() => this.handlers.onClose(error));
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

  write(chunk: Uint8Array): boolean {
    const socket = this.socket;
    if (this.closed || !socket) return false;
    socket.send(chunk);
    if (socket.bufferedAmount < HIGH_WATER) return true;
    if (!this.draining) {
      // No drain event in the WHATWG API: look again until half of it has gone.
      this.draining = true;
      const check = () => {
        if (this.closed) return;
        if (socket.bufferedAmount >= HIGH_WATER / 2) {
          setTimeout(check, 1);
          return;
        }
        this.draining = false;
        this.handlers.onDrain();
      };
      setTimeout(check, 1);
    }
    return false;
  }

  pause(): void {}
  resume(): void {}

  end(): void {
    this.socket?.close(1000);
  }

  destroy(): void {
    this.socket?.close();
    this.finish(undefined);
  }
}
