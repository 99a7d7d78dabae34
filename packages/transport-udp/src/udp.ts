import {
  type EnginePlugin,
  type Endpoint,
  type MessageBinding,
  type MessageConnection,
  type SessionHost,
  type StreamTransport,
  TRANSPORT_API_VERSION,
  ZmqError,
} from "@zmq/kernel";
import { admitUdp, parseUdpAddress } from "./address.js";
import { UdpEndpoint } from "./udp-endpoint.js";

/**
 * The udp transport. UDP has no byte streams, so it is a stream transport
 * in name only: its `engine` plug-in, which is what sockets call for bind()
 * and connect(), opens a node:dgram socket per endpoint and joins it to the
 * socket with a pipe (an async bind, so that bind() reports errors and the
 * port bound). `listen` and `connect` of streams are refused (ENOCOMPATPROTO).
 */
export interface UdpTransport extends StreamTransport {
  readonly scheme: "udp";
}

function noStreams(): ZmqError {
  return new ZmqError("ENOCOMPATPROTO", "udp:// has no streams: it serves RADIO, DISH and DGRAM sockets only, through its own engine plug-in");
}

const engine: EnginePlugin = {
  async listen(host: SessionHost, _transport: StreamTransport, endpoint: Endpoint): Promise<MessageBinding> {
    const address = admitUdp(host, endpoint, "bind");
    return UdpEndpoint.bind(host, host.socketType as "DISH" | "DGRAM", address, endpoint.url);
  },
  connect(host: SessionHost, _transport: StreamTransport, endpoint: Endpoint): MessageConnection {
    return UdpEndpoint.connect(host, admitUdp(host, endpoint, "connect"), endpoint.url);
  },
};

/**
 * udp:// for RADIO (connect: sends every message to the address), DISH
 * (bind: receives, joins a multicast group) and DGRAM (bind: both). Pass it
 * to a Context: `new Context({ transports: [tcp(), udp()] })`. Node only:
 * in a runtime without node:dgram, bind() and connect() fail with
 * EPROTONOSUPPORT.
 */
export function udp(): UdpTransport {
  return {
    apiVersion: TRANSPORT_API_VERSION,
    kind: "stream",
    scheme: "udp",
    // Only a socket type with an engine of its own (STREAM's raw bytes) asks for streams: libzmq says ENOCOMPATPROTO.
    listen: () => Promise.reject(noStreams()),
    connect: () => {
      throw noStreams();
    },
    validate(endpoint: Endpoint): void {
      parseUdpAddress(endpoint.url, endpoint.address, false, true);
    },
    engine,
  };
}
