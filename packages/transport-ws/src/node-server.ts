/**
 * The server side of ws:// and wss:// in Node: an http (or https) server
 * per address and port, shared by every endpoint bound on it under its own
 * path, upgraded here (handshake.ts) and framed by frame-codec.ts. The subprotocol is picked for the
 * socket bound at the requested path before the upgrade is answered; a
 * request that fits no binding's mechanism, or is not HTTP at all, still
 * reaches that binding's sessions as a refused stream, so the socket sees
 * accept, handshake:error:protocol and disconnect as with any bad peer.
 */
import type * as Http from "node:http";
import type { IncomingMessage, Server } from "node:http";
import type * as Https from "node:https";
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import type { SecureContextOptions } from "node:tls";
import type { ZwsStream, ZwsStreamHandlers } from "@zmq/engine/zws";
import { type ByteStream, ZmqError } from "@zmq/kernel";
import type { ProtocolSelector } from "./plugin.js";
import { acceptUpgrade, badUpgrade } from "./handshake.js";
import { denoNetDenial } from "./deno-permission.js";

const nodeRequire = createRequire(import.meta.url);

export interface PathBinding {
  readonly endpoint: string;
  readonly select: ProtocolSelector;
  readonly onConnection: (stream: ByteStream) => void;
}

/** libzmq reports an IPv4-mapped peer by its IPv4 address. */
function plainAddress(address: string | undefined): string {
  if (!address) return "";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

/** A connection turned away before the upgrade: its engine fails it, and its end() answers 400 and closes. */
class RefusedStream implements ZwsStream {
  readonly protocol = undefined;
  readonly remoteAddress: string;
  private done = false;

  constructor(
    private readonly socket: Socket,
    readonly endpoint: string,
    private readonly reason: string,
  ) {
    this.remoteAddress = plainAddress(socket.remoteAddress);
  }

  setHandlers(_handlers: ZwsStreamHandlers): void {}
  write(): boolean {
    return false;
  }
  pause(): void {}
  resume(): void {}
  end(): void {
    if (this.done) return;
    this.done = true;
    if (this.socket.writable)
      this.socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\nX-ZWS-Error: ${this.reason}\r\n\r\n`);
    this.socket.destroySoon();
  }
  destroy(): void {
    this.done = true;
    this.socket.destroy();
  }
}

/** The path of a request, without its query. */
function pathOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

export class PortServer {
  readonly paths = new Map<string, PathBinding>();
  port = 0;

  private readonly onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head);

  /**
   * @param owned true for a server made here (it answers plain requests with
   * 426 and hears of non-HTTP bytes); false for an application's own server,
   * whose other requests and upgrades are left alone.
   */
  constructor(
    readonly server: Server,
    private readonly maxPayload: number,
    readonly owned: boolean,
  ) {
    server.on("upgrade", this.onUpgrade);
    if (!owned) return;
    server.on("request", (_req, res) => {
      res.writeHead(426, { Connection: "Upgrade", Upgrade: "websocket" }).end();
    });
    server.on("clientError", (_error: Error, socket: Socket) => {
      // Not HTTP at all: the only binding on this port hears of it, as libzmq's engine would.
      const only = this.paths.size === 1 ? [...this.paths.values()][0]! : undefined;
      if (only && socket.writable) only.onConnection(new RefusedStream(socket, only.endpoint, "bad request"));
      else socket.destroy();
    });
    // Accept errors (EMFILE ...) must not crash the process.
    server.on("error", () => {});
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const binding = this.paths.get(pathOf(req));
    if (!binding) {
      // Someone else's upgrade on an application's server.
      if (!this.owned) return;
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      socket.destroySoon();
      return;
    }
    socket.on("error", () => {});
    const header = req.headers["sec-websocket-protocol"];
    const offered = header === undefined ? [] : header.split(",").map((p) => p.trim());
    const bad = badUpgrade(req);
    if (bad !== undefined) {
      binding.onConnection(new RefusedStream(socket, binding.endpoint, bad));
      return;
    }
    const protocol = binding.select(offered);
    if (protocol === undefined) {
      binding.onConnection(new RefusedStream(socket, binding.endpoint, "no acceptable subprotocol"));
      return;
    }
    const stream = acceptUpgrade(req, socket, head, protocol, {
      endpoint: binding.endpoint,
      remoteAddress: plainAddress(socket.remoteAddress),
      maxPayload: this.maxPayload,
      alloc: (size) => Buffer.allocUnsafe(size),
    });
    binding.onConnection(stream);
  }

  /** Stops listening (an application's server is only left alone). */
  close(): void {
    if (this.owned) this.server.close();
    else this.server.off("upgrade", this.onUpgrade);
  }
}

/** Listens; resolves once bound, rejects with the error libzmq would give. */
export function listenServer(tls: SecureContextOptions | undefined, host: string, port: number, backlog: number, url: string): Promise<Server> {
  // Under Deno a denied permission would be thrown uncaught from inside listen(): ask first.
  const denial = denoNetDenial(host, port, url);
  if (denial) return Promise.reject(denial);
  // node:http / node:https load when a socket first binds ws:// / wss://, not at import.
  const server: Server = tls
    ? (nodeRequire("node:https") as typeof Https).createServer(tls)
    : (nodeRequire("node:http") as typeof Http).createServer();
  return new Promise<Server>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const code = error.code === "EADDRINUSE" || error.code === "EADDRNOTAVAIL" ? error.code : error.code === "EACCES" ? "EACCES" : "EINVAL";
      reject(new ZmqError(code, undefined, url));
    };
    server.once("error", onError);
    server.listen({ host, port, backlog, ipv6Only: false }, () => {
      server.off("error", onError);
      // A listening socket nobody waits on lets the process exit, as tcp's and zeromq.js's.
      server.unref();
      resolve(server);
    });
  });
}
