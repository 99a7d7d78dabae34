/**
 * @zmq/transport-ws for browsers (and any runtime with a global WebSocket):
 * ws:// and wss:// clients only, on the runtime's WebSocket; no `ws`, no
 * node:*, no server. Chosen by the "browser" export condition, or import
 * "@zmq/transport-ws/browser". Runtime-agnostic.
 */
import { type ByteStream, type ConnectOptions, type Endpoint, TRANSPORT_API_VERSION, ZmqError } from "@zmq/kernel";
import { zwsOffer } from "@zmq/engine/zws";
import { BrowserWsStream, type WebSocketConstructor } from "./browser-stream.js";
import { clientUrl, parseWsAddress } from "./endpoint.js";
import { type ZwsTransport, zwsEngine } from "./plugin.js";

export interface BrowserWsOptions {
  /** The WebSocket class; default the runtime's global one. */
  WebSocket?: WebSocketConstructor;
}

export interface BrowserWsTransport extends ZwsTransport {
  readonly scheme: "ws" | "wss";
}

function makeTransport(scheme: "ws" | "wss", options: BrowserWsOptions): BrowserWsTransport {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  return {
    apiVersion: TRANSPORT_API_VERSION,
    kind: "stream",
    scheme,
    // Bare "ZWS2.0" first: the only NULL subprotocol a browser can offer.
    engine: zwsEngine(true),
    validate: (endpoint) => void parseWsAddress(endpoint.url, scheme, endpoint.address, false),
    listen: (endpoint) =>
      Promise.reject(
        new ZmqError("EPROTONOSUPPORT", `${scheme}:// servers need the Node entry of @zmq/transport-ws; here sockets can only connect`, endpoint.url),
      ),
    connect: (endpoint: Endpoint, _options: ConnectOptions, protocols?: readonly string[]): ByteStream => {
      const a = parseWsAddress(endpoint.url, scheme, endpoint.address, false);
      return new BrowserWsStream(clientUrl(a), protocols ?? zwsOffer("NULL", true), endpoint.url, Ctor);
    },
  };
}

/** The ws:// client transport, to pass to a Context. */
export function ws(options: BrowserWsOptions = {}): BrowserWsTransport {
  return makeTransport("ws", options);
}

/** The wss:// client transport (TLS by the runtime: the page's trusted authorities). */
export function wss(options: BrowserWsOptions = {}): BrowserWsTransport {
  return makeTransport("wss", options);
}

export { type WebSocketConstructor, type WebSocketLike } from "./browser-stream.js";
export { type ProtocolSelector, type ZwsTransport, zwsEngine } from "./plugin.js";
export { type WsAddress, formatWsEndpoint, parseWsAddress } from "./endpoint.js";
