/**
 * @zmq/transport-ws: ZWS 2.0 (RFC 45) over ws:// and wss:// for zmq-ts. This
 * is the Node entry (servers and clients); browsers get `./browser`
 * (clients on the global WebSocket) through the "browser" export condition.
 */
export { type WsOptions, type WssOptions, type WsTransport, ws, wss } from "./node.js";
export { type ProtocolSelector, type ZwsTransport, zwsEngine } from "./plugin.js";
export { type WsAddress, formatWsEndpoint, parseWsAddress } from "./endpoint.js";
