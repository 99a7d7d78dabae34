/**
 * udp:// addresses as libzmq's udp_address_t reads them:
 *
 *   udp://host:port                 unicast: the address to bind (DISH, DGRAM) or send to (RADIO)
 *   udp://*:port                    bind to every interface
 *   udp://group:port                multicast: bind to any address and join the group; or send to it
 *   udp://interface;group:port      multicast on one interface (an IP address, a NIC name or *)
 *
 * A port is a number, or `*` / 0 (bind only: an ephemeral port). An IPv6
 * address goes in brackets and needs the ipv6 option. Hostnames (and, to
 * bind, NIC names) are resolved when the socket opens.
 */
import { type Endpoint, type SessionHost, ZmqError } from "@zmq/kernel";
import { ipVersion, isMulticast } from "./ip.js";

export interface UdpAddress {
  /** "udp4" or "udp6". */
  readonly family: "udp4" | "udp6";
  /** The host as given (unbracketed): an IP literal, a hostname, a NIC name (bind) or "*" (bind). */
  readonly host: string;
  /** The port (0 for an ephemeral one when binding). */
  readonly port: number;
  /** True when host is a multicast address. */
  readonly multicast: boolean;
  /** For `interface;group:port`: the interface as given (an IP literal, a NIC name or "*"). */
  readonly interface: string | undefined;
}

function unbracket(host: string): string {
  return host.length >= 2 && host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/**
 * Parses a udp:// address: `bind` for receivers (DISH, DGRAM), else for a
 * sender (RADIO). Throws ZmqError EINVAL for what libzmq refuses.
 */
export function parseUdpAddress(url: string, address: string, bind: boolean, ipv6: boolean): UdpAddress {
  const scheme = url.slice(0, Math.max(0, url.indexOf("://"))) || "udp";
  const invalid = (why: string) => new ZmqError("EINVAL", `Invalid ${scheme} endpoint ${JSON.stringify(url)}: ${why}`, url);
  let rest = address;
  let source: string | undefined;
  const semicolon = address.lastIndexOf(";");
  if (semicolon >= 0) {
    source = unbracket(address.slice(0, semicolon));
    rest = address.slice(semicolon + 1);
  }
  const colon = rest.lastIndexOf(":");
  if (colon < 0) throw invalid("expected host:port");
  const host = unbracket(rest.slice(0, colon));
  const portText = rest.slice(colon + 1);
  let port: number;
  if (portText === "*") {
    if (!bind) throw invalid("port * is for bind only");
    port = 0;
  } else if (/^\d{1,5}$/.test(portText) && Number(portText) <= 65535) {
    port = Number(portText);
    if (port === 0 && !bind) throw invalid("cannot send to port 0");
  } else {
    throw invalid(`port ${JSON.stringify(portText)} is not 1..65535 or *`);
  }
  if (host.length === 0) throw invalid("missing host");
  if (host.includes("%")) throw invalid("IPv6 zone ids are not supported");
  if (host === "*" && !bind) throw invalid("cannot send to *");
  const literal = ipVersion(host);
  if (literal === 6 && !ipv6) throw invalid("an IPv6 address needs the ipv6 option");
  const family = literal === 6 || (literal === 0 && ipv6) ? "udp6" : "udp4";
  const multicast = isMulticast(host);
  if (source !== undefined) {
    if (!multicast) throw invalid("an interface (interface;address:port) goes with a multicast address only");
    if (source.length === 0) throw invalid("missing interface before ;");
    if (isMulticast(source)) throw invalid("the interface cannot be a multicast address");
    const sourceVersion = ipVersion(source);
    if (sourceVersion !== 0 && (sourceVersion === 6) !== (family === "udp6")) throw invalid("the interface and the address differ in family");
  }
  return { family, host, port, multicast, interface: source };
}

/** The endpoint as bound: the address as given, with the port the system chose. */
export function boundEndpoint(url: string, port: number): string {
  return `${url.slice(0, url.lastIndexOf(":"))}:${port}`;
}

/**
 * What a socket may do over udp://, as libzmq allows it: RADIO connects, DISH
 * and DGRAM bind; anything else is ENOCOMPATPROTO. Returns the parsed
 * address (EINVAL for a malformed one).
 */
export function admitUdp(host: SessionHost, endpoint: Endpoint, op: "bind" | "connect"): UdpAddress {
  const type = host.socketType;
  const allowed = op === "bind" ? type === "DISH" || type === "DGRAM" : type === "RADIO";
  if (!allowed) {
    const who = op === "bind" ? "DISH and DGRAM" : "RADIO";
    throw new ZmqError(
      "ENOCOMPATPROTO",
      `A ${type} socket cannot ${op === "bind" ? "bind to" : "connect to"} udp://; only ${who} can (as in libzmq)`,
    );
  }
  return parseUdpAddress(endpoint.url, endpoint.address, op === "bind", host.options.ipv6);
}
