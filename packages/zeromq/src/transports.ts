/**
 * The transports of the default Context that most programs never use (ws,
 * wss, udp, epgm), as deferred transports: their address and socket-type
 * checks are here, and their code loads with the first bind or connect
 * that names them. `import("@zmq/zeromq")` then compiles tcp, ipc and
 * inproc alone; compiling is most of a cold import in Node.
 *
 * Each takes the same options as the package's own factory, and is a
 * complete transport once loaded (`await transport.load()` loads it ahead).
 * The checks come from the packages' `address` / `endpoint` entries, never
 * from their main entries: a bundler that splits code keeps a package whose
 * main entry is imported at once in the chunks loaded at once.
 */
import { type DeferredTransport, deferredTransport } from "@zmq/kernel";
import type { EpgmTransport } from "@zmq/transport-epgm";
import { admitEpgm, parseEpgmAddress } from "@zmq/transport-epgm/address";
import type { UdpTransport } from "@zmq/transport-udp";
import { admitUdp, parseUdpAddress } from "@zmq/transport-udp/address";
import type { WsOptions, WsTransport, WssOptions } from "@zmq/transport-ws";
import { parseWsAddress } from "@zmq/transport-ws/endpoint";

function deferredWs(scheme: "ws" | "wss", options: WssOptions): WsTransport & DeferredTransport<WsTransport> {
  const transport = deferredTransport({ scheme, validate: (endpoint) => void parseWsAddress(endpoint.url, scheme, endpoint.address, false) }, () =>
    import("@zmq/transport-ws").then((m) => m[scheme](options)),
  );
  return transport as WsTransport & DeferredTransport<WsTransport>;
}

/** ws:// (ZWS 2.0 over WebSocket), as @zmq/transport-ws's `ws()`, loaded on first use. */
export function ws(options: WsOptions = {}): WsTransport & DeferredTransport<WsTransport> {
  return deferredWs("ws", options);
}

/** wss:// (WebSocket over TLS), as @zmq/transport-ws's `wss()`, loaded on first use. */
export function wss(options: WssOptions = {}): WsTransport & DeferredTransport<WsTransport> {
  return deferredWs("wss", options);
}

/** udp:// for RADIO, DISH and DGRAM, as @zmq/transport-udp's `udp()`, loaded on first use. */
export function udp(): UdpTransport & DeferredTransport<UdpTransport> {
  const transport = deferredTransport(
    {
      scheme: "udp",
      validate: (endpoint) => void parseUdpAddress(endpoint.url, endpoint.address, false, true),
      admit: (host, endpoint, op) => void admitUdp(host, endpoint, op),
    },
    () => import("@zmq/transport-udp").then((m) => m.udp()),
  );
  return transport as UdpTransport & DeferredTransport<UdpTransport>;
}

/** epgm:// (PGM in UDP multicast) for PUB, XPUB, SUB and XSUB, as @zmq/transport-epgm's `epgm()`, loaded on first use. */
export function epgm(): EpgmTransport & DeferredTransport<EpgmTransport> {
  const transport = deferredTransport(
    {
      scheme: "epgm",
      validate: (endpoint) => void parseEpgmAddress(endpoint.url, endpoint.address, true),
      admit: (host, endpoint) => void admitEpgm(host, endpoint),
    },
    () => import("@zmq/transport-epgm").then((m) => m.epgm()),
  );
  return transport as EpgmTransport & DeferredTransport<EpgmTransport>;
}
