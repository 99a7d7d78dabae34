import { ZmqError, show, typeError } from "./errors.js";
import type { Endpoint, StreamTransport } from "./transport.js";

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

/** zeromq.js checks an address's type before anything else. */
export function checkAddress(address: unknown): void {
  if (typeof address !== "string")
    throw typeError("Address must be a string", `An endpoint is a string like "tcp://127.0.0.1:5555", got ${show(address)}`);
}

/** A stream transport's engine plug-in; EPROTONOSUPPORT for a transport that brings none. */
export function engineOf(transport: StreamTransport): StreamTransport["engine"] {
  const engine = (transport as Partial<StreamTransport>).engine;
  if (!engine) {
    throw new ZmqError(
      "EPROTONOSUPPORT",
      `The "${transport.scheme}" transport brings no engine: a stream transport sets engine (zmtpEngine from @zmq/engine for byte streams)`,
    );
  }
  return engine;
}
