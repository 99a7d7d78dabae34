/**
 * Deno's node:net checks its permissions on a later tick of listen(), where a
 * denial is thrown uncaught (`NotCapable`) and ends the process. Asking Deno
 * first turns a missing `--allow-net` (or `--allow-read`/`--allow-write` for
 * a unix socket) into a bind that rejects with EACCES. Elsewhere a no-op.
 */
import { ZmqError } from "@zmq/kernel";

/** A Deno permission to ask for: network access to host:port, or a file path. */
export type DenoPermission = { name: "net"; host: string } | { name: "read" | "write"; path: string };

interface DenoPermissions {
  querySync(descriptor: DenoPermission): { state: string };
  requestSync?(descriptor: DenoPermission): { state: string };
}

function denoPermissions(): DenoPermissions | undefined {
  const deno = (globalThis as { Deno?: { permissions?: Partial<DenoPermissions> } }).Deno;
  const permissions = deno?.permissions;
  return typeof permissions?.querySync === "function" ? (permissions as DenoPermissions) : undefined;
}

function denied(descriptor: DenoPermission, url: string): ZmqError {
  const flag = `--allow-${descriptor.name}`;
  const what = descriptor.name === "net" ? `net access to ${descriptor.host}` : `${descriptor.name} access to ${descriptor.path}`;
  return new ZmqError(
    "EACCES",
    `Deno denied ${what}: run Deno with ${flag} to bind ${url}`,
    url,
    `Permission denied: run Deno with ${flag} (${what})`,
  );
}

/**
 * Under Deno, the EACCES error to reject with when one of `descriptors` is
 * not granted (a prompt is shown where Deno can show one); otherwise undefined.
 */
export function denoPermissionError(descriptors: readonly DenoPermission[], url: string): ZmqError | undefined {
  const permissions = denoPermissions();
  if (!permissions) return undefined;
  for (const descriptor of descriptors) {
    let state = permissions.querySync(descriptor).state;
    if (state === "prompt" && permissions.requestSync) state = permissions.requestSync(descriptor).state;
    if (state !== "granted") return denied(descriptor, url);
  }
  return undefined;
}

/** Deno's `host` for a permission on ip:port ("[::1]:5555" for IPv6). */
export function denoNetHost(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** A Deno `NotCapable` error thrown from inside node:* as EACCES; any other error as it is. */
export function fromDenoDenial(error: unknown, url: string): unknown {
  if (error instanceof Error && error.name === "NotCapable") {
    return new ZmqError("EACCES", `${error.message} (binding ${url})`, url, `Permission denied: ${error.message}`);
  }
  return error;
}
