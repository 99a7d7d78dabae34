/**
 * zeromq.js's `version` and `capability`: the libzmq version this
 * implementation is wire-compatible with, and what it has — honestly.
 */

/** The libzmq release whose behaviour and wire format zmq-ts follows (npm zeromq 6.8.0 bundles the same). */
export const version = "4.3.5";

/** What this build can do, in zeromq.js's shape. */
export const capability: {
  readonly ipc: boolean;
  readonly pgm: boolean;
  readonly tipc: boolean;
  readonly norm: boolean;
  readonly curve: boolean;
  readonly gssapi: boolean;
  readonly draft: boolean;
} = Object.freeze({
  ipc: true,
  /**
   * PGM, as libzmq's zmq_has("pgm") means it: epgm:// (PGM in UDP, interoperable with
   * OpenPGM) works; pgm:// (straight over IP) needs raw sockets and is refused with EPROTONOSUPPORT.
   */
  pgm: true,
  tipc: false,
  norm: false,
  curve: true,
  gssapi: false,
  /** Server, Client, Radio, Dish, Scatter, Gather, Datagram, Peer and Channel from "@zmq/zeromq/draft". */
  draft: true,
});
