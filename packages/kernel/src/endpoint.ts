import { ZmqError } from "./errors.js";
import type { Endpoint } from "./transport.js";

/** Splits `scheme://address`; EINVAL when there is no scheme or no address. */
export function parseEndpoint(url: unknown): Endpoint {
  if (typeof url !== "string") {
    throw new ZmqError("EINVAL", `Endpoint must be a string like "tcp://127.0.0.1:5555", got ${typeof url}`, String(url));
  }
  const i = url.indexOf("://");
  if (i <= 0 || i + 3 >= url.length) {
    throw new ZmqError("EINVAL", `Invalid endpoint ${JSON.stringify(url)}: expected "scheme://address"`, url);
  }
  return { scheme: url.slice(0, i), address: url.slice(i + 3), url };
}
