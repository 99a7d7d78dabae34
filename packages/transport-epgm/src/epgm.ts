import {
  type EnginePlugin,
  type Endpoint,
  Errno,
  type MessageBinding,
  type MessageConnection,
  type SessionHost,
  type StreamTransport,
  TRANSPORT_API_VERSION,
  ZmqError,
} from "@zmq/kernel";
import { admitEpgm, isPgmSender, parseEpgmAddress } from "./address.js";
import { EpgmReceiver } from "./receiver.js";
import { EpgmSender } from "./sender.js";

/**
 * The epgm transport: like udp, a stream transport in name only, whose
 * engine plug-in opens UDP sockets per endpoint and joins them to the socket
 * with a pipe.
 */
export interface EpgmTransport extends StreamTransport {
  readonly scheme: "epgm" | "pgm";
}

function endpointFor(host: SessionHost, endpoint: Endpoint): EpgmSender | EpgmReceiver {
  const address = admitEpgm(host, endpoint);
  return isPgmSender(host.socketType) ? new EpgmSender(host, address, endpoint.url) : new EpgmReceiver(host, address, endpoint.url);
}

function noStreams(scheme: string): ZmqError {
  return new ZmqError("ENOCOMPATPROTO", `${scheme}:// has no streams: it serves PUB, XPUB, SUB and XSUB sockets through its own engine plug-in`);
}

const engine: EnginePlugin = {
  // For PGM, bind() is connect() (libzmq: "bind can be used interchangeably with connect"): both join the group.
  async listen(host: SessionHost, _transport: StreamTransport, endpoint: Endpoint): Promise<MessageBinding> {
    const ep = endpointFor(host, endpoint);
    try {
      await ep.start();
    } catch (error) {
      const e = error as ZmqError;
      host.emit({ type: "bind:error", address: endpoint.url, error: { code: e.code, errno: Errno[e.code], message: e.message } });
      throw error;
    }
    host.emit({ type: "bind", address: endpoint.url });
    return { endpoint: endpoint.url, close: () => ep.close() };
  },
  connect(host: SessionHost, _transport: StreamTransport, endpoint: Endpoint): MessageConnection {
    const ep = endpointFor(host, endpoint);
    // A failure to open is reported as a close:error event; the socket then neither sends nor receives there.
    ep.start().catch(() => {});
    return { close: () => ep.close() };
  },
};

/**
 * epgm:// (PGM in UDP, RFC 3208 over node:dgram) for PUB / XPUB (send) and
 * SUB / XSUB (receive), interoperable with libzmq built with OpenPGM:
 * `sub.connect("epgm://eth0;239.192.1.1:5555")`. Options: `rate` (kbit/s),
 * `recoveryInterval`, `multicastHops`, `multicastMaxTransportDataUnit`,
 * `maxMessageSize`. Node only (and runtimes with Node's dgram): elsewhere
 * bind() and connect() fail with EPROTONOSUPPORT.
 */
export function epgm(): EpgmTransport {
  return {
    apiVersion: TRANSPORT_API_VERSION,
    kind: "stream",
    scheme: "epgm",
    listen: () => Promise.reject(noStreams("epgm")),
    connect: () => {
      throw noStreams("epgm");
    },
    validate(endpoint: Endpoint): void {
      parseEpgmAddress(endpoint.url, endpoint.address, true);
    },
    engine,
  };
}
