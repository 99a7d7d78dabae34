/**
 * The Node modules udp:// runs on, loaded on first use: the package imports
 * in any runtime, and a runtime without node:dgram gets a clear error at
 * bind() / connect() time instead of a failed import.
 */
import type * as Dgram from "node:dgram";
import type * as Dns from "node:dns";
import type * as Os from "node:os";
import { ZmqError } from "@zmq/kernel";

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

export function nodeApi(): Promise<NodeApi> {
  return (loading ??= (async () => {
    if (!hasNodeDgram()) throw unsupported();
    try {
      const [dgram, dns, os] = await Promise.all([import("node:dgram"), import("node:dns"), import("node:os")]);
      return { dgram, dns, os };
    } catch (error) {
      loading = undefined;
      throw unsupported(error);
    }
  })());
}

export function unsupported(cause?: unknown): ZmqError {
  const why = cause instanceof Error ? ` (${cause.message})` : "";
  return new ZmqError("EPROTONOSUPPORT", `udp:// needs node:dgram (Node.js, or a runtime with Node's dgram module); this runtime has none${why}`);
}
