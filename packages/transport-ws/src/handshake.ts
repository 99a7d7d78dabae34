/**
 * The HTTP/1.1 upgrade of RFC 6455 on raw node:net / node:tls sockets, both
 * sides, as libzmq's ws engine makes it: the client sends GET with its key
 * and offered subprotocols and wants exactly "101", Upgrade: websocket,
 * Connection: upgrade and the right Sec-WebSocket-Accept; the server answers
 * 101 with the accept key and the subprotocol it picked. RFC 45's names
 * ("ZWS2.0/NULL") are not HTTP tokens, so they are written and read as
 * they are, which generic WebSocket libraries refuse to do.
 */
import type * as Crypto from "node:crypto";
import type { IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import type * as Net from "node:net";
import type { Socket } from "node:net";
import type * as Tls from "node:tls";
import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import type { WsAddress } from "./endpoint.js";
import { RawWsStream } from "./raw-stream.js";

// node:crypto, node:net and node:tls load on first use, not at import: a cold start pays only for what it uses.
const nodeRequire = createRequire(import.meta.url);
let cryptoModule: typeof Crypto | undefined;
let tlsModule: typeof Tls | undefined;
let netModule: typeof Net | undefined;
const crypto = (): typeof Crypto => (cryptoModule ??= nodeRequire("node:crypto") as typeof Crypto);
const tls = (): typeof Tls => (tlsModule ??= nodeRequire("node:tls") as typeof Tls);
const net = (): typeof Net => (netModule ??= nodeRequire("node:net") as typeof Net);

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** A response head longer than this is not a WebSocket server's. */
const MAX_HEAD = 16 * 1024;

export function acceptKey(key: string): string {
  return crypto()
    .createHash("sha1")
    .update(key + GUID)
    .digest("base64");
}

/** What is wrong with an upgrade request, or undefined when it is a WebSocket one. */
export function badUpgrade(req: IncomingMessage): string | undefined {
  const h = req.headers;
  if (req.method !== "GET") return `method ${req.method}`;
  if ((h.upgrade ?? "").toLowerCase() !== "websocket") return "no Upgrade: websocket";
  if (!(h.connection ?? "").split(",").some((t) => t.trim().toLowerCase() === "upgrade")) return "no Connection: upgrade";
  if (!/^[A-Za-z0-9+/]{22}==$/.test(h["sec-websocket-key"] ?? "")) return "no valid Sec-WebSocket-Key";
  if (h["sec-websocket-version"] !== "13") return "Sec-WebSocket-Version is not 13";
  return undefined;
}

export interface UpgradeOptions {
  endpoint: string;
  remoteAddress: string;
  maxPayload: number;
  alloc: (size: number) => Uint8Array;
}

/** Answers a checked upgrade request with 101 and the chosen subprotocol; the stream starts reading at once. */
export function acceptUpgrade(req: IncomingMessage, socket: Socket, head: Uint8Array, protocol: string, options: UpgradeOptions): RawWsStream {
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${acceptKey(req.headers["sec-websocket-key"]!)}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
  );
  const stream = new RawWsStream(socket, { ...options, client: false, protocol });
  stream.open(head);
  return stream;
}

export interface ClientOptions {
  endpoint: string;
  maxPayload: number;
  alloc: (size: number) => Uint8Array;
  /** Milliseconds the TCP connect, TLS and upgrade may take; 0 for no limit. */
  timeout: number;
  /** TLS settings for wss://. */
  tls: TlsConnectionOptions | undefined;
  ipv6: boolean;
}

/** Connects and upgrades; the stream reports onConnect once the server said 101 with an offered subprotocol. */
export function connectClient(a: WsAddress, offer: readonly string[], options: ClientOptions): RawWsStream {
  const host = a.host;
  const family = options.ipv6 ? 0 : host.includes(":") ? 6 : 0;
  const socket = a.secure
    ? tls().connect({ ...options.tls, host, port: a.port, servername: options.tls?.servername ?? (/^[\d.:]+$/.test(host) ? undefined : host) })
    : net().connect({ host, port: a.port, family });
  const stream = new RawWsStream(socket, {
    endpoint: options.endpoint,
    remoteAddress: "",
    client: true,
    maxPayload: options.maxPayload,
    alloc: options.alloc,
  });
  const key = crypto().randomBytes(16).toString("base64");
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (options.timeout > 0) {
    timer = setTimeout(() => stream.failOpen({ code: "ETIMEDOUT", message: `connect timed out after ${options.timeout} ms` }), options.timeout);
    (timer as { unref?: () => void }).unref?.();
  }
  const done = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  socket.once("close", done);
  socket.once(a.secure ? "secureConnect" : "connect", () => {
    const hostHeader = host.includes(":") ? `[${host}]:${a.port}` : `${host}:${a.port}`;
    socket.write(
      `GET ${a.path} HTTP/1.1\r\nHost: ${hostHeader}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Protocol: ${offer.join(",")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) {
      if (head.length > MAX_HEAD) refuse("an HTTP answer head over 16 KiB");
      return;
    }
    socket.off("data", onData);
    done();
    const lines = head.subarray(0, end).toString("latin1").split("\r\n");
    const rest = head.subarray(end + 4);
    const status = lines[0]!;
    if (!/^HTTP\/1\.1 101( |$)/.test(status)) return refuse(`the server answered ${JSON.stringify(status)}`);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    if ((headers.get("upgrade") ?? "").toLowerCase() !== "websocket") return refuse("no Upgrade: websocket in the answer");
    if ((headers.get("connection") ?? "").toLowerCase() !== "upgrade") return refuse("no Connection: upgrade in the answer");
    if (headers.get("sec-websocket-accept") !== acceptKey(key)) return refuse("a wrong Sec-WebSocket-Accept");
    const chosen = headers.get("sec-websocket-protocol");
    // One we did not offer: the engine refuses the connection (a protocol error).
    stream.protocol = chosen !== undefined && offer.includes(chosen) ? chosen : undefined;
    stream.open(rest);
  };
  const refuse = (why: string) => {
    socket.off("data", onData);
    stream.failOpen({ code: "ECONNREFUSED", message: `WebSocket upgrade refused: ${why}` });
  };
  socket.on("data", onData);
  return stream;
}
