/**
 * ZMQ_SOCKS_PROXY: a tcp connect through a SOCKS5 proxy (RFC 1928), as
 * libzmq makes it: offer "no authentication" only, CONNECT to the endpoint's
 * host (4 bytes for an IPv4 address, 16 for IPv6, otherwise the name, which
 * the proxy resolves) and port, and start ZMTP once the proxy answers 0
 * (succeeded). Any other answer fails the attempt; the socket reconnects.
 */
import { ZmqError, ipBytes, ipVersion } from "@zmq/kernel";

const VERSION = 5;
const NO_AUTHENTICATION = 0;
const CONNECT = 1;
const ATYP_IPV4 = 1;
const ATYP_NAME = 3;
const ATYP_IPV6 = 4;

/** What RFC 1928's reply codes mean, for the error a refused attempt reports. */
const REPLIES: Record<number, string> = {
  1: "general SOCKS server failure",
  2: "connection not allowed by ruleset",
  3: "network unreachable",
  4: "host unreachable",
  5: "connection refused",
  6: "TTL expired",
  7: "command not supported",
  8: "address type not supported",
};

/** The proxy's `host:port` (`[v6]:port` for IPv6), as ZMQ_SOCKS_PROXY names it. */
export function parseProxy(text: string): { host: string; port: number } | undefined {
  const colon = text.lastIndexOf(":");
  if (colon <= 0) return undefined;
  let host = text.slice(0, colon);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  else if (host.includes(":")) return undefined; // an IPv6 address goes in brackets
  const port = Number(text.slice(colon + 1));
  return Number.isInteger(port) && port > 0 && port <= 65535 && host !== "" ? { host, port } : undefined;
}

/** The CONNECT request for `host:port`; EINVAL for a name longer than SOCKS5 can carry (255 bytes). */
function connectRequest(host: string, port: number): Uint8Array {
  const version = ipVersion(host);
  let address: number[];
  if (version === 4) address = [ATYP_IPV4, ...host.split(".").map(Number)];
  else if (version === 6) address = [ATYP_IPV6, ...ipBytes(host)!];
  else {
    const name = new TextEncoder().encode(host);
    if (name.length > 255) throw new ZmqError("EINVAL", `A SOCKS5 proxy takes host names of up to 255 bytes, not ${name.length}`);
    address = [ATYP_NAME, name.length, ...name];
  }
  return Uint8Array.from([VERSION, CONNECT, 0, ...address, port >> 8, port & 0xff]);
}

/** What one read from the proxy leads to: bytes to write, the end of the attempt, or the connection made. */
export type SocksStep = { write: Uint8Array } | { error: string } | { connected: Uint8Array } | { write: Uint8Array; connected: Uint8Array };

/**
 * The client side of the SOCKS5 exchange, sans-I/O: `start()` gives the
 * greeting to write; `feed()` takes the proxy's bytes and answers with bytes
 * to write, the error that ends the attempt, or, once connected, what
 * followed the proxy's reply (the target's first bytes). The CONNECT
 * request is made at once, so that a name too long fails before any I/O.
 */
export class SocksClient {
  private state: "choice" | "reply" | "done" = "choice";
  private buffered: Uint8Array = new Uint8Array(0);
  private readonly request: Uint8Array;

  constructor(host: string, port: number) {
    this.request = connectRequest(host, port);
  }

  start(): Uint8Array {
    return Uint8Array.of(VERSION, 1, NO_AUTHENTICATION);
  }

  feed(chunk: Uint8Array): SocksStep | undefined {
    const data = this.buffered.length === 0 ? chunk : concat(this.buffered, chunk);
    this.buffered = new Uint8Array(0);
    if (this.state === "choice") {
      if (data.length < 2) return this.keep(data);
      if (data[0] !== VERSION) return { error: `the proxy does not speak SOCKS5 (version byte ${data[0]})` };
      if (data[1] !== NO_AUTHENTICATION) return { error: "the proxy wants an authentication method other than none" };
      this.state = "reply";
      const write = this.request;
      // A reply already here (a proxy ahead of itself) is read now: no read may come for it.
      if (data.length === 2) return { write };
      const then = this.feed(data.subarray(2));
      if (then === undefined) return { write };
      return "error" in then ? then : { write, ...then };
    }
    if (this.state !== "reply") return undefined;
    if (data.length < 5) return this.keep(data);
    if (data[0] !== VERSION) return { error: `the proxy does not speak SOCKS5 (version byte ${data[0]})` };
    if (data[1] !== 0) return { error: `the proxy refused the connection: ${REPLIES[data[1]!] ?? `reply ${data[1]}`}` };
    if (data[2] !== 0) return { error: `the proxy's reply has a reserved byte of ${data[2]}, not 0` };
    const atyp = data[3];
    const length = atyp === ATYP_IPV4 ? 10 : atyp === ATYP_IPV6 ? 22 : atyp === ATYP_NAME ? 7 + data[4]! : -1;
    if (length < 0) return { error: `the proxy's reply has an unknown address type ${atyp}` };
    if (data.length < length) return this.keep(data);
    this.state = "done";
    return { connected: data.subarray(length) };
  }

  private keep(data: Uint8Array): undefined {
    this.buffered = data.slice();
    return undefined;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
