/**
 * An engine's settings for one connection, read from the socket's options
 * when the connection starts; and the security mechanism they select, with
 * ZAP wired in for servers.
 */
import type { EngineOptions, SessionHost } from "@zmq/kernel";
import { type MechanismOptions, wireBuffers } from "@zmq/wire";
import { hasZapHandler, zapRequest } from "./zap.js";

export function engineOptions(host: SessionHost, peerAddress: string, defer: (fn: () => void) => void): EngineOptions {
  const o = host.options;
  const frames = host.context.frames;
  // Wire-only buffers: from wireBuffers, lent again once written (the engine recycles them); small ones from `frames`.
  const small = (size: number) => frames.alloc(size);
  const wireAlloc = (size: number) => wireBuffers.alloc(size, small);
  return {
    socketType: host.socketType,
    routingId: host.routingIdBytes,
    mechanism: mechanismOptions(host, peerAddress, wireAlloc),
    // A ZAP domain refuses ZMTP 1.0/2.0 peers (no handshake to authenticate in), handler or not, as libzmq's.
    legacy: (o.zapDomain ?? "") === "",
    maxMessageSize: o.maxMessageSize,
    peerAddress,
    alloc: (size) => frames.alloc(size),
    wireAlloc,
    // Received frames as the codec's type, made over the read's memory (cheaper than a Buffer's subarray).
    view: (buffer, byteOffset, byteLength) => frames.fromBytes(buffer, byteOffset, byteLength),
    heartbeatInterval: o.heartbeatInterval,
    heartbeatTimeToLive: o.heartbeatTimeToLive,
    heartbeatTimeout: o.heartbeatTimeout,
    handshakeInterval: o.handshakeInterval,
    validate: host.validate,
    defer,
  };
}

/**
 * NULL, or the selected mechanism's state machine, whose server asks the ZAP
 * handler. NULL asks it too when the socket has a ZAP domain and the Context
 * a handler, as libzmq's (no handler: no authentication, as there).
 */
function mechanismOptions(host: SessionHost, peerAddress: string, wireAlloc: (size: number) => Uint8Array): MechanismOptions {
  const security = host.security;
  const context = host.context;
  if (!security) {
    const domain = host.options.zapDomain ?? "";
    if (domain === "" || !hasZapHandler(context)) return { type: "NULL" };
    const identity = host.routingIdBytes ?? context.frames.alloc(0);
    return { type: "NULL", authenticate: () => zapRequest(context, { domain, address: peerAddress, identity, mechanism: "NULL", credentials: [] }) };
  }
  const { mechanism, values } = security;
  return {
    type: "custom",
    name: mechanism.name,
    create: (properties) =>
      mechanism.create(values, {
        properties,
        peerAddress,
        alloc: (size) => context.frames.alloc(size),
        wireAlloc,
        authenticate: (credentials) =>
          !hasZapHandler(context)
            ? Promise.resolve(undefined)
            : zapRequest(context, {
                domain: host.options.zapDomain ?? "",
                address: peerAddress,
                identity: host.routingIdBytes ?? context.frames.alloc(0),
                mechanism: mechanism.name,
                credentials,
              }),
      }),
  };
}
