/**
 * The engine plug-in of the ws and wss transports: @zmq/engine's shared
 * sessions around ZWS engines, plus what only the socket knows and a
 * WebSocket handshake needs: the subprotocols a connecting socket offers
 * and the one a listening socket picks, from the socket's security
 * mechanism (NULL, PLAIN, CURVE or any other) at each connection.
 */
import {
  type ByteStream,
  type ConnectOptions,
  type Endpoint,
  type EnginePlugin,
  type ListenOptions,
  type Listener,
  type SessionHost,
  type StreamTransport,
} from "@zmq/kernel";
import { sessionEngine } from "@zmq/engine";
import { zwsEngineFactory, zwsOffer, zwsSelect } from "@zmq/engine/zws";

/** Picks a subprotocol from a client's offer, or undefined when none fits. */
export type ProtocolSelector = (offered: readonly string[]) => string | undefined;

/** A stream transport whose handshake carries subprotocols (ws, wss). */
export interface ZwsTransport extends StreamTransport {
  listen(endpoint: Endpoint, options: ListenOptions, onConnection: (stream: ByteStream) => void, select?: ProtocolSelector): Promise<Listener>;
  connect(endpoint: Endpoint, options: ConnectOptions, protocols?: readonly string[]): ByteStream;
}

const sessions = /* @__PURE__ */ sessionEngine(zwsEngineFactory);

function mechanismOf(host: SessionHost): string {
  return host.security?.mechanism.name ?? "NULL";
}

/** The same transport, with the socket's subprotocols filled in. */
function forHost(transport: ZwsTransport, host: SessionHost, bareFirst: boolean): StreamTransport {
  return {
    apiVersion: transport.apiVersion,
    kind: "stream",
    scheme: transport.scheme,
    engine: transport.engine,
    defer: transport.defer ? (fn) => transport.defer!(fn) : undefined,
    validate: transport.validate ? (endpoint) => transport.validate!(endpoint) : undefined,
    listen: (endpoint, options, onConnection) =>
      transport.listen(endpoint, options, onConnection, (offered) => zwsSelect(mechanismOf(host), offered)),
    connect: (endpoint, options) => transport.connect(endpoint, options, zwsOffer(mechanismOf(host), bareFirst)),
  };
}

/**
 * The ZWS engine plug-in. `bareFirst`: NULL sockets offer bare "ZWS2.0"
 * before "ZWS2.0/NULL" (for servers that take the first offer whatever it
 * is, as jszmq's does); libzmq's order otherwise.
 */
export function zwsEngine(bareFirst = false): EnginePlugin {
  return {
    listen: (host, transport, endpoint) => sessions.listen(host, forHost(transport, host, bareFirst), endpoint),
    connect: (host, transport, endpoint, fixedRoutingId) => sessions.connect(host, forHost(transport, host, bareFirst), endpoint, fixedRoutingId),
  };
}
