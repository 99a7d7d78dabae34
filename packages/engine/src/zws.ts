/**
 * @zmq/engine/zws: the ZWS 2.0 engine (ZMTP over WebSocket messages, RFC 45)
 * on its own, for WebSocket transports. The main entry re-exports it; this
 * entry lets a bundle that loads its WebSocket transport lazily leave the
 * ZWS engine out of the code it loads at once.
 */
export { ZwsEngine, type ZwsStream, type ZwsStreamHandlers, zwsEngineFactory } from "./zws-engine.js";
export { ZWS_BARE, ZWS_COMMAND, ZWS_MORE, ZwsConnection, mechanismName, zwsOffer, zwsProtocol, zwsSelect } from "./zws-connection.js";
