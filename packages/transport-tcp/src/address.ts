/**
 * tcp:// addresses as libzmq reads them: `host:port` where host is an IPv4
 * address, `[IPv6]`, a hostname, or `*` (bind only), and port a number or
 * `*` / 0 (bind only: an ephemeral port).
 */
import { ZmqError, ipVersion } from "@zmq/kernel";

export interface TcpAddress {
  /** Host as given, without brackets; "*" for any. */
  readonly host: string;
  /** 0 for an ephemeral port. */
  readonly port: number;
}

export function parseTcpAddress(url: string, address: string, bind: boolean): TcpAddress {
  const invalid = (why: string) => new ZmqError("EINVAL", `Invalid tcp endpoint ${JSON.stringify(url)}: ${why}`, url);
  // libzmq's "source;destination" connect form: use the destination.
  const target = !bind && address.includes(";") ? address.slice(address.lastIndexOf(";") + 1) : address;
  const colon = target.lastIndexOf(":");
  if (colon <= 0) throw invalid("expected host:port");
  let host = target.slice(0, colon);
  const portText = target.slice(colon + 1);
  if (host.startsWith("[")) {
    if (!host.endsWith("]")) throw invalid("unclosed [ in IPv6 address");
    host = host.slice(1, -1);
    if (ipVersion(host.split("%")[0]!) !== 6) throw invalid(`${JSON.stringify(host)} is not an IPv6 address`);
  } else if (host.includes(":")) {
    throw invalid("IPv6 addresses go in brackets: tcp://[::1]:5555");
  }
  if (host.length === 0) throw invalid("missing host");
  let port: number;
  if (portText === "*") {
    port = 0;
  } else if (/^\d{1,5}$/.test(portText) && Number(portText) <= 65535) {
    port = Number(portText);
  } else {
    throw invalid(`port ${JSON.stringify(portText)} is not 0..65535 or *`);
  }
  if (!bind) {
    if (host === "*") throw invalid("cannot connect to *");
    if (port === 0) throw invalid("cannot connect to port 0 or *");
  }
  return { host, port };
}

/** Formats host and port as a tcp:// endpoint (IPv6 in brackets). */
export function formatTcpEndpoint(host: string, port: number): string {
  return ipVersion(host) === 6 ? `tcp://[${host}]:${port}` : `tcp://${host}:${port}`;
}
