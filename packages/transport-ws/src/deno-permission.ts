/**
 * Deno's node:http checks net permission on a later tick of listen(), where a
 * denial is thrown uncaught (`NotCapable`) and ends the process. Asking Deno
 * first turns a missing `--allow-net` into a bind that rejects with EACCES.
 * Elsewhere a no-op. (@zmq/transport-tcp does the same for tcp and ipc.)
 */
import { ZmqError } from "@zmq/kernel";

interface NetPermission {
  name: "net";
  host: string;
}

interface DenoPermissions {
  querySync(descriptor: NetPermission): { state: string };
  requestSync?(descriptor: NetPermission): { state: string };
}

/** Under Deno, the EACCES error for a bind on ip:port that --allow-net does not cover; otherwise undefined. */
export function denoNetDenial(ip: string, port: number, url: string): ZmqError | undefined {
  const permissions = (globalThis as { Deno?: { permissions?: Partial<DenoPermissions> } }).Deno?.permissions;
  if (typeof permissions?.querySync !== "function") return undefined;
  const descriptor: NetPermission = { name: "net", host: ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}` };
  let state = permissions.querySync(descriptor).state;
  if (state === "prompt" && typeof permissions.requestSync === "function") state = permissions.requestSync(descriptor).state;
  if (state === "granted") return undefined;
  const what = `net access to ${descriptor.host}`;
  return new ZmqError(
    "EACCES",
    `Deno denied ${what}: run Deno with --allow-net to bind ${url}`,
    url,
    `Permission denied: run Deno with --allow-net (${what})`,
  );
}
