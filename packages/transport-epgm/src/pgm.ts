/**
 * pgm:// refused with a clear error, on its own so that a Context can offer
 * it without loading the epgm transport.
 */
import { TRANSPORT_API_VERSION, ZmqError } from "@zmq/kernel";
import type { EpgmTransport } from "./epgm.js";

function rawRefused(): ZmqError {
  return new ZmqError(
    "EPROTONOSUPPORT",
    "pgm:// needs raw IP sockets (IP protocol 113), which JavaScript runtimes cannot open; use epgm://, the same protocol in UDP, which libzmq speaks too",
  );
}

/**
 * pgm:// refused with a clear error: PGM straight over IP needs raw
 * sockets, which no JavaScript runtime opens. epgm:// is the same protocol
 * inside UDP.
 */
export function pgm(): EpgmTransport {
  return {
    apiVersion: TRANSPORT_API_VERSION,
    kind: "stream",
    scheme: "pgm",
    listen: () => Promise.reject(rawRefused()),
    connect: () => {
      throw rawRefused();
    },
    validate: () => {
      throw rawRefused();
    },
    engine: {
      listen: () => Promise.reject(rawRefused()),
      connect: () => {
        throw rawRefused();
      },
    },
  };
}
