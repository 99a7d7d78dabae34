/**
 * ZMQ_SOCKS_PROXY: a tcp connect through a SOCKS5 proxy (RFC 1928), as
 * libzmq makes it: offer "no authentication" only, CONNECT to the endpoint's
 * host (4 bytes for an IPv4 address, 16 for IPv6, otherwise the name, which
 * the proxy resolves) and port, and start ZMTP once the proxy answers 0
 * (succeeded). Any other answer fails the attempt; the socket reconnects.
 */
import { ipBytes, ipVersion } from "@zmq/kernel";

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
  const port = Number(text.slice(colon + 1));
  return Number.isInteger(port) && port > 0 && port <= 65535 && host !== "" ? { host, port } : undefined;
}

/** The CONNECT request for `host:port`. */
function connectRequest(host: string, port: number): Uint8Array {
  const version = ipVersion(host);
  let address: number[];
  if (version === 4) address = [ATYP_IPV4, ...host.split(".").map(Number)];
  else if (version === 6) address = [ATYP_IPV6, ...ipBytes(host)!];
  else {
    const name = new TextEncoder().encode(host);
    address = [ATYP_NAME, name.length, ...name];
  }
  return Uint8Array.from([VERSION, CONNECT, 0, ...address, port >> 8, port & 0xff]);
}

/**
 * The client side of the SOCKS5 exchange, sans-I/O: `start()` gives the
 * greeting to write; `feed()` takes the proxy's bytes and answers with bytes
 * to write, the error that ends the attempt, or, once connected, what
 * followed the proxy's reply (the target's first bytes).
 */
export class SocksClient {
  private state: "choice" | "reply" | "done" = "choice";
  private buffered: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  start(): Uint8Array {
    return Uint8Array.of(VERSION, 1, NO_AUTHENTICATION);
  }

  feed(chunk: Uint8Array): { write: Uint8Array } | { error: string } | { connected: Uint8Array } | undefined {
    const data = this.buffered.length === 0 ? chunk : concat(this.buffered, chunk);
    if (this.state === "choice") {
      if (data.length < 2) return this.keep(data);
      if (data[0] !== VERSION) return { error: `the proxy does not speak SOCKS5 (version byte ${data[0]})` };
      if (data[1] !== NO_AUTHENTICATION) return { error: "the proxy wants an authentication method other than none" };
      this.state = "reply";
      this.buffered = data.subarray(2);
      return { write: connectRequest(this.host, this.port) };
    }
    if (this.state !== "reply") return undefined;
    if (data.length < 5) return this.keep(data);
    if (data[0] !== VERSION) return { error: `the proxy does not speak SOCKS5 (version byte ${data[0]})` };
    if (data[1] !== 0) return { error: `the proxy refused the connection: ${REPLIES[data[1]!] ?? `reply ${data[1]}`}` };
    const atyp = data[3];
    const length = atyp === ATYP_IPV4 ? 10 : atyp === ATYP_IPV6 ? 22 : atyp === ATYP_NAME ? 7 + data[4]! : -1;
    if (length < 0) return { error: `the proxy's reply has an unknown address type ${atyp}` };
    if (data.length < length) return this.keep(data);
    this.state = "done";
    this.buffered = new Uint8Array(0);
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
