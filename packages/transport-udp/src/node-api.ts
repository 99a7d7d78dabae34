/**
 * The Node modules udp:// runs on, loaded on first use: the package imports
 * in any runtime, and a runtime without node:dgram gets a clear error at
 * bind() / connect() time instead of a failed import.
 */
import type * as Dgram from "node:dgram";
import type * as Dns from "node:dns";
import type * as Os from "node:os";
import { type ErrorCode, ZmqError } from "@zmq/kernel";
import type { UdpAddress } from "./address.js";
import { ipVersion } from "./ip.js";

export interface NodeApi {
  readonly dgram: typeof Dgram;
  readonly dns: typeof Dns;
  readonly os: typeof Os;
}

let loading: Promise<NodeApi> | undefined;

/** True where node:dgram can be expected (Node, and Bun and Deno through their Node compatibility). */
export function hasNodeDgram(): boolean {
  const versions = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions;
  return typeof versions?.node === "string";
}

/** node:dgram, node:dns and node:os; rejects with EPROTONOSUPPORT naming `scheme` where the runtime has none. */
export function nodeApi(scheme = "udp"): Promise<NodeApi> {
  return (loading ??= (async () => {
    if (!hasNodeDgram()) throw unsupported(undefined, scheme);
    try {
      const [dgram, dns, os] = await Promise.all([import("node:dgram"), import("node:dns"), import("node:os")]);
      return { dgram, dns, os };
    } catch (error) {
      loading = undefined;
      throw unsupported(error, scheme);
    }
  })());
}

export function unsupported(cause?: unknown, scheme = "udp"): ZmqError {
  const why = cause instanceof Error ? ` (${cause.message})` : "";
  return new ZmqError(
    "EPROTONOSUPPORT",
    `${scheme}:// needs node:dgram (Node.js, or a runtime with Node's dgram module); this runtime has none${why}`,
  );
}

/** The ZmqError code for a node:dgram / dns error. */
export function zmqCode(code: string | undefined): ErrorCode {
  switch (code) {
    case "EADDRINUSE":
    case "EADDRNOTAVAIL":
    case "EACCES":
    case "ENODEV":
      return code;
    case "EPERM":
      return "EACCES";
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return "ENODEV";
    default:
      return "EINVAL";
  }
}

export function asZmqError(error: unknown, url: string): ZmqError {
  if (error instanceof ZmqError) return error;
  const e = error as { code?: string; message?: string };
  return new ZmqError(zmqCode(e.code), `${url}: ${e.message ?? String(error)}`, url);
}

/** The address of a network interface by name, or undefined. */
export function nicAddress(api: NodeApi, name: string, family: "udp4" | "udp6"): string | undefined {
  return api.os.networkInterfaces()[name]?.find((a) => a.family === (family === "udp6" ? "IPv6" : "IPv4"))?.address;
}

/** An IP literal for a host: itself, a NIC's address (`nic`), or a DNS answer. */
export async function resolveHost(api: NodeApi, host: string, family: "udp4" | "udp6", nic: boolean): Promise<string> {
  if (host === "*") return family === "udp6" ? "::" : "0.0.0.0";
  if (ipVersion(host) !== 0) return host;
  if (nic) {
    const address = nicAddress(api, host, family);
    if (address !== undefined) return address;
  }
  const { address } = await api.dns.promises.lookup(host, { family: family === "udp6" ? 6 : 4 });
  return address;
}

/** The interface address of `interface;group:port`, or undefined for the system's choice. */
export function interfaceAddress(api: NodeApi, address: Pick<UdpAddress, "interface" | "family">, url: string): string | undefined {
  const name = address.interface;
  if (name === undefined || name === "*") return undefined;
  if (ipVersion(name) !== 0) return name;
  const found = nicAddress(api, name, address.family);
  if (found === undefined) throw new ZmqError("ENODEV", `${url}: no network interface ${JSON.stringify(name)}`, url);
  return found;
}
