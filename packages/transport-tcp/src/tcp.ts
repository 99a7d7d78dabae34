/**
 * tcp:// for zmq-ts over node:net: IPv4, IPv6 (`tcp://[::1]:5555`),
 * hostnames, `tcp://*:port`, ephemeral ports (`tcp://127.0.0.1:*` or :0,
 * the real port reported as the bound endpoint), Nagle off, keepalive.
 */
import type * as Dns from "node:dns/promises";
import { createRequire } from "node:module";
import type { Server, Socket } from "node:net";
import {
  type ByteStream,
  type ConnectOptions,
  type Endpoint,
  type ListenOptions,
  type Listener,
  type StreamTransport,
  TRANSPORT_API_VERSION,
  ZmqError,
  ipVersion,
} from "@zmq/kernel";
import { zmtpEngine } from "@zmq/engine";
import { formatTcpEndpoint, parseTcpAddress } from "./address.js";
import { nodeByteStream, zmqCode } from "./node-stream.js";
import { denoNetHost, denoPermissionError } from "./deno-permission.js";
import { nodeNet } from "./node-net.js";
import { SocksClient, parseProxy } from "./socks.js";

// node:dns is loaded when a hostname first needs resolving, not at import: a cold start pays only for what it uses.
let required: NodeJS.Require | undefined;
/** Node's require, made on first use (createRequire costs at import). */
const nodeRequire = (id: string): unknown => (required ??= createRequire(import.meta.url))(id);
let dnsModule: typeof Dns | undefined;
const dns = (): typeof Dns => (dnsModule ??= nodeRequire("node:dns/promises") as typeof Dns);

export interface TcpTransport extends StreamTransport {
  readonly scheme: "tcp";
}

/** Starts listening; resolves once bound, rejects with the error libzmq would give. */
export function listenOn(server: Server, options: Parameters<Server["listen"]>[0], url: string): Promise<void> {
  // Under Deno a denied permission would be thrown uncaught from inside listen(): ask first.
  const { host, port, path } = (options ?? {}) as { host?: string; port?: number; path?: string };
  const denial = denoPermissionError(
    path !== undefined
      ? path.startsWith("\0")
        ? []
        : [
            { name: "read", path },
            { name: "write", path },
          ]
      : [{ name: "net", host: denoNetHost(host ?? "0.0.0.0", port ?? 0) }],
    url,
  );
  if (denial) return Promise.reject(denial);
  return new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const code = zmqCode(error.code);
      reject(new ZmqError(code, undefined, url));
    };
    server.once("error", onError);
    server.listen(options, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

function applyKeepalive(socket: Socket, options: ConnectOptions | undefined): void {
  if (!options || options.tcpKeepalive < 0) return;
  socket.setKeepAlive(options.tcpKeepalive === 1, options.tcpKeepaliveIdle > 0 ? options.tcpKeepaliveIdle * 1000 : 0);
}

/** The tcp transport, to pass to a Context. */
export function tcp(): TcpTransport {
  return {
    apiVersion: TRANSPORT_API_VERSION,
    kind: "stream",
    engine: zmtpEngine,
    scheme: "tcp",

    validate(endpoint: Endpoint): void {
      parseTcpAddress(endpoint.url, endpoint.address, false);
    },

    async listen(endpoint: Endpoint, options: ListenOptions, onConnection: (stream: ByteStream) => void): Promise<Listener> {
      const { host, port } = parseTcpAddress(endpoint.url, endpoint.address, true);
      let ip: string;
      if (host === "*") {
        ip = options.ipv6 ? "::" : "0.0.0.0";
      } else if (ipVersion(host) !== 0) {
        // An address is its own lookup's answer (as dns.lookup gives it): no node:dns to load on a cold process's first bind.
        ip = host;
      } else {
        try {
          ip = (await dns().lookup(host, { family: options.ipv6 ? 0 : 4 })).address;
        } catch {
          throw new ZmqError("ENODEV", undefined, endpoint.url);
        }
      }
      const server = nodeNet().createServer({ noDelay: true, pauseOnConnect: false });
      await listenOn(server, { host: ip, port, backlog: options.backlog, ipv6Only: false }, endpoint.url);
      // A listening socket nobody waits on does not keep a process alive (as zeromq.js).
      server.unref();
      const bound = server.address();
      const actualPort = typeof bound === "object" && bound !== null ? bound.port : port;
      const url = formatTcpEndpoint(ip, actualPort);
      server.on("connection", (socket: Socket) => onConnection(nodeByteStream(socket, { endpoint: url })));
      // Accept errors (EMFILE ...) must not crash the process; libzmq keeps listening.
      server.on("error", () => {});
      return {
        endpoint: url,
        close: () => {
          server.close();
        },
      };
    },

    connect(endpoint: Endpoint, options: ConnectOptions): ByteStream {
      const { host, port } = parseTcpAddress(endpoint.url, endpoint.address, false);
      // Through a SOCKS5 proxy, as libzmq: the proxy resolves and reaches the endpoint's host.
      const proxy = options.socksProxy ? parseProxy(options.socksProxy) : undefined;
      if (options.socksProxy && !proxy)
        throw new ZmqError("EINVAL", `socksProxy ${JSON.stringify(options.socksProxy)} is not host:port`, endpoint.url);
      const socks = proxy ? new SocksClient(host, port) : undefined;
      const to = proxy ?? { host, port };
      const socket = nodeNet().connect({ ...to, family: options.ipv6 ? 0 : to.host.includes(":") ? 6 : 0, noDelay: true });
      applyKeepalive(socket, options);
      return nodeByteStream(socket, { endpoint: endpoint.url, connectTimeout: options.connectTimeout, ...(socks ? { socks } : {}) });
    },

    defer: (fn: () => void) => {
      setImmediate(fn);
    },
  };
}
