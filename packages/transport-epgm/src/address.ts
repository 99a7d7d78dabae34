/**
 * epgm:// addresses as libzmq reads them (pgm_socket.cpp, with OpenPGM's
 * pgm_getaddrinfo): `epgm://interface;group:port`, the interface an IP
 * address or a NIC name (or left out: the system's choice), the group a
 * multicast address, the port the data-destination port, which is also the
 * UDP port of the encapsulation, for multicast and for unicast NAKs alike.
 */
import { type Endpoint, type SessionHost, ZmqError } from "@zmq/kernel";
import { type UdpAddress, parseUdpAddress } from "@zmq/transport-udp/address";

export type EpgmAddress = UdpAddress;

export function parseEpgmAddress(url: string, address: string, ipv6: boolean): EpgmAddress {
  const parsed = parseUdpAddress(url, address, false, ipv6);
  if (!parsed.multicast) {
    throw new ZmqError("EINVAL", `Invalid epgm endpoint ${JSON.stringify(url)}: ${JSON.stringify(parsed.host)} is not a multicast group`, url);
  }
  return parsed;
}

/** The window in packets for a rate (kbit/s), a recovery interval (ms) and a TPDU size, as libzmq's compute_sqns. */
export function windowSqns(rate: number, recoveryInterval: number, maxTpdu: number): number {
  const bytesPerMs = Math.floor(rate / 8);
  return Math.max(1, Math.floor((recoveryInterval * bytesPerMs) / maxTpdu));
}

/** IP and UDP headers in front of each PGM packet, as OpenPGM counts them. */
export function encapsulationOverhead(family: "udp4" | "udp6"): number {
  return (family === "udp6" ? 40 : 20) + 8;
}

/** PGM header and data header: what an ODATA packet adds to its payload. */
export const DATA_HEADERS = 16 + 8;

/** True for the socket types that send over PGM (the others that may use it receive). */
export function isPgmSender(type: string): boolean {
  return type === "PUB" || type === "XPUB";
}

/**
 * What a socket may do over epgm://, as libzmq allows it: PUB and XPUB send,
 * SUB and XSUB receive, by bind() or connect() alike; anything else is
 * ENOCOMPATPROTO. Returns the parsed address (EINVAL for a malformed one).
 */
export function admitEpgm(host: SessionHost, endpoint: Endpoint): EpgmAddress {
  const type = host.socketType;
  if (!isPgmSender(type) && type !== "SUB" && type !== "XSUB") {
    throw new ZmqError("ENOCOMPATPROTO", `A ${type} socket cannot use epgm://; only PUB, XPUB, SUB and XSUB can (as in libzmq)`);
  }
  return parseEpgmAddress(endpoint.url, endpoint.address, host.options.ipv6);
}
