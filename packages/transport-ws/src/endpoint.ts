/**
 * ws:// and wss:// endpoints as libzmq reads them: `host:port/path`, where
 * host is an IPv4 address, `[IPv6]`, a hostname or `*` (bind only), port a
 * number or `*` / 0 (bind only: an ephemeral port), and path optional
 * (default "/"). Runtime-agnostic.
 */
import { ZmqError } from "@zmq/kernel";

export interface WsAddress {
  readonly secure: boolean;
  /** Host as given, without brackets; "*" for any. */
  readonly host: string;
  /** 0 for an ephemeral port. */
  readonly port: number;
  /** The resource, starting with "/". */
  readonly path: string;
}

export function parseWsAddress(url: string, scheme: string, address: string, bind: boolean): WsAddress {
  const invalid = (why: string) => new ZmqError("EINVAL", `Invalid ${scheme} endpoint ${JSON.stringify(url)}: ${why}`, url);
  const slash = address.indexOf("/", address.startsWith("[") ? address.indexOf("]") : 0);
  const authority = slash < 0 ? address : address.slice(0, slash);
  const path = slash < 0 ? "/" : address.slice(slash);
  if (/[\s#]/.test(path)) throw invalid("the path may not hold spaces or '#'");
  const colon = authority.lastIndexOf(":");
  if (colon <= 0) throw invalid("expected host:port");
  let host = authority.slice(0, colon);
  const portText = authority.slice(colon + 1);
  if (host.startsWith("[")) {
    if (!host.endsWith("]")) throw invalid("unclosed [ in IPv6 address");
    host = host.slice(1, -1);
    if (!/^[0-9a-fA-F:.%\w]+$/.test(host) || !host.includes(":")) throw invalid(`${JSON.stringify(host)} is not an IPv6 address`);
  } else if (host.includes(":")) {
    throw invalid("IPv6 addresses go in brackets: ws://[::1]:5555");
  } else if (!/^(\*|[\w.-]+)$/.test(host)) {
    throw invalid(`${JSON.stringify(host)} is not a host name or address`);
  }
  let port: number;
  if (portText === "*") port = 0;
  else if (/^\d{1,5}$/.test(portText) && Number(portText) <= 65535) port = Number(portText);
  else throw invalid(`port ${JSON.stringify(portText)} is not 0..65535 or *`);
  if (!bind) {
    if (host === "*") throw invalid("cannot connect to *");
    if (port === 0) throw invalid("cannot connect to port 0 or *");
  }
  return { secure: scheme === "wss", host, port, path };
}

/** The endpoint as libzmq names it: scheme, host, port and path (IPv6 in brackets). */
export function formatWsEndpoint(scheme: string, host: string, port: number, path: string): string {
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}${path}`;
}

/** The URL a WebSocket client opens. */
export function clientUrl(a: WsAddress): string {
  return formatWsEndpoint(a.secure ? "wss" : "ws", a.host, a.port, a.path);
}
