/**
 * ws:// and wss:// in Node: servers on node:http / node:https, clients on
 * node:net / node:tls, the upgrade and RFC 6455 framing done here (faster
 * than `ws`, and able to name RFC 45's subprotocols, which are not HTTP
 * tokens), ZWS 2.0 engines behind the shared sessions.
 */
import type * as Dns from "node:dns/promises";
import { createRequire } from "node:module";
import type { Server } from "node:http";
import type { SecureContextOptions } from "node:tls";
import { type ByteStream, type ConnectOptions, type Endpoint, type ListenOptions, type Listener, TRANSPORT_API_VERSION, ZmqError } from "@zmq/kernel";
import { formatWsEndpoint, parseWsAddress } from "./endpoint.js";
import { connectClient } from "./handshake.js";
import { type PathBinding, PortServer, listenServer } from "./node-server.js";
import { type ProtocolSelector, type ZwsTransport, zwsEngine } from "./plugin.js";
import { zwsOffer, zwsSelect } from "@zmq/engine/zws";

// node:dns loads when a hostname first needs resolving, not at import.
const nodeRequire = createRequire(import.meta.url);

export interface WsOptions {
  /**
   * NULL sockets offer bare "ZWS2.0" before "ZWS2.0/NULL" when connecting,
   * for servers that take the first offer whatever it is (jszmq's).
   * Default false: libzmq's order, "ZWS2.0/NULL,ZWS2.0".
   */
  bareFirst?: boolean;
  /**
   * An application's own http or https server to mount on: every bind of
   * this transport serves its path on that server (started or not) instead
   * of listening on a port of its own, so a web app serves its pages and its
   * sockets on one port. The endpoint's host and port then only name the
   * endpoint (a wildcard port shows the server's port once it listens).
   */
  server?: Server;
  /** Largest WebSocket message accepted, in bytes (a ZWS frame plus its flags byte); larger ones drop the connection. Default 100 MiB. */
  maxPayload?: number;
}

export interface WssOptions extends WsOptions {
  /** TLS for both sides: `cert` and `key` for servers, `ca` to trust a private authority, as node:tls takes them. */
  tls?: SecureContextOptions & { rejectUnauthorized?: boolean; servername?: string };
}

export interface WsTransport extends ZwsTransport {
  readonly scheme: "ws" | "wss";
}

const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;

function makeTransport(scheme: "ws" | "wss", options: WssOptions): WsTransport {
  const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  const tls = scheme === "wss" ? (options.tls ?? {}) : undefined;
  /** Servers by "ip:port", so that endpoints on one port share it under their own paths. */
  const servers = new Map<string, PortServer>();

  async function listen(
    endpoint: Endpoint,
    lo: ListenOptions,
    onConnection: (stream: ByteStream) => void,
    select?: ProtocolSelector,
  ): Promise<Listener> {
    const a = parseWsAddress(endpoint.url, scheme, endpoint.address, true);
    if (tls && !options.server && tls.cert === undefined && tls.pfx === undefined) {
      throw new ZmqError(
        "EINVAL",
        "wss:// binds need a certificate: wss({ tls: { cert, key } }) (or mount on an https server with wss({ server }))",
        endpoint.url,
      );
    }
    let ip: string;
    if (a.host === "*") ip = lo.ipv6 ? "::" : "0.0.0.0";
    else {
      try {
        ip = (await (nodeRequire("node:dns/promises") as typeof Dns).lookup(a.host, { family: lo.ipv6 ? 0 : 4 })).address;
      } catch {
        throw new ZmqError("ENODEV", undefined, endpoint.url);
      }
    }
    let port: PortServer | undefined;
    if (options.server) {
      port = servers.get("mounted");
      if (!port) {
        port = new PortServer(options.server, maxPayload, false);
        servers.set("mounted", port);
      }
      const bound = options.server.address();
      port.port = typeof bound === "object" && bound !== null ? bound.port : a.port;
    } else port = a.port > 0 ? servers.get(`${ip}:${a.port}`) : undefined;
    if (port?.paths.has(a.path)) throw new ZmqError("EADDRINUSE", undefined, endpoint.url);
    if (!port) {
      const server = await listenServer(tls, ip, a.port, lo.backlog, endpoint.url);
      port = new PortServer(server, maxPayload, true);
      const bound = server.address();
      port.port = typeof bound === "object" && bound !== null ? bound.port : a.port;
      servers.set(`${ip}:${port.port}`, port);
    }
    const shown = a.host === "*" ? ip : a.host;
    const binding: PathBinding = {
      endpoint: formatWsEndpoint(scheme, shown, port.port, a.path),
      select: select ?? ((offered) => zwsSelect("NULL", offered)),
      onConnection,
    };
    port.paths.set(a.path, binding);
    const owner = port;
    return {
      endpoint: binding.endpoint,
      close: () => {
        if (owner.paths.get(a.path) !== binding) return;
        owner.paths.delete(a.path);
        if (owner.paths.size === 0) {
          servers.delete(owner.owned ? `${ip}:${owner.port}` : "mounted");
          owner.close();
        }
      },
    };
  }

  function connect(endpoint: Endpoint, co: ConnectOptions, protocols?: readonly string[]): ByteStream {
    const a = parseWsAddress(endpoint.url, scheme, endpoint.address, false);
    return connectClient(a, protocols ?? zwsOffer("NULL"), {
      endpoint: endpoint.url,
      maxPayload,
      alloc: (size) => Buffer.allocUnsafe(size),
      timeout: co.connectTimeout,
      tls,
      ipv6: co.ipv6,
    });
  }

  return {
    apiVersion: TRANSPORT_API_VERSION,
    kind: "stream",
    scheme,
    engine: zwsEngine(options.bareFirst ?? false),
    validate: (endpoint) => void parseWsAddress(endpoint.url, scheme, endpoint.address, false),
    listen,
    connect,
    defer: (fn) => {
      setImmediate(fn);
    },
  };
}

/** The ws:// transport, to pass to a Context: `new Context({ transports: [tcp(), ws()] })`. */
export function ws(options: WsOptions = {}): WsTransport {
  return makeTransport("ws", options);
}

/** The wss:// transport (TLS): servers need `tls.cert` and `tls.key`; clients trust the system's authorities, or `tls.ca`. */
export function wss(options: WssOptions = {}): WsTransport {
  return makeTransport("wss", options);
}
