/**
 * ZeroMQ socket types: their ZMTP names, zmq.h numbers (also the ZMTP 2.0
 * greeting's socket-type byte) and which pairs may talk (RFC 23/28-31, and
 * the draft types libzmq 4.3 knows).
 */

export const SocketTypes = {
  PAIR: 0,
  PUB: 1,
  SUB: 2,
  REQ: 3,
  REP: 4,
  DEALER: 5,
  ROUTER: 6,
  PULL: 7,
  PUSH: 8,
  XPUB: 9,
  XSUB: 10,
  STREAM: 11,
  SERVER: 12,
  CLIENT: 13,
  RADIO: 14,
  DISH: 15,
  GATHER: 16,
  SCATTER: 17,
  DGRAM: 18,
  PEER: 19,
  CHANNEL: 20,
} as const;

export type SocketTypeName = keyof typeof SocketTypes;

const byNumber: readonly SocketTypeName[] = /* @__PURE__ */ (() => {
  const out: SocketTypeName[] = [];
  for (const [name, n] of Object.entries(SocketTypes)) out[n] = name as SocketTypeName;
  return out;
})();

const peers: Readonly<Record<SocketTypeName, readonly SocketTypeName[]>> = {
  PAIR: ["PAIR"],
  PUB: ["SUB", "XSUB"],
  SUB: ["PUB", "XPUB"],
  REQ: ["REP", "ROUTER"],
  REP: ["REQ", "DEALER"],
  DEALER: ["REP", "DEALER", "ROUTER"],
  ROUTER: ["REQ", "DEALER", "ROUTER"],
  PULL: ["PUSH"],
  PUSH: ["PULL"],
  XPUB: ["SUB", "XSUB"],
  XSUB: ["PUB", "XPUB"],
  STREAM: [],
  SERVER: ["CLIENT"],
  CLIENT: ["SERVER"],
  RADIO: ["DISH"],
  DISH: ["RADIO"],
  GATHER: ["SCATTER"],
  SCATTER: ["GATHER"],
  DGRAM: [],
  PEER: ["PEER"],
  CHANNEL: ["CHANNEL"],
};

/** True when `name` is a socket type name ZMTP knows ("DEALER", ...). Case-sensitive, as libzmq. */
export function isSocketTypeName(name: string): name is SocketTypeName {
  return Object.prototype.hasOwnProperty.call(SocketTypes, name);
}

/** The zmq.h number of a socket type. */
export function socketTypeNumber(name: SocketTypeName): number {
  return SocketTypes[name];
}

/** The socket type with zmq.h number `n`, or undefined. */
export function socketTypeFromNumber(n: number): SocketTypeName | undefined {
  return byNumber[n];
}

/** True when a `local` socket accepts a `peer` of that type (both sides check, as libzmq). */
export function isCompatible(local: SocketTypeName, peer: SocketTypeName): boolean {
  return peers[local].includes(peer);
}

/** The peer types a socket of type `local` accepts. */
export function compatiblePeers(local: SocketTypeName): readonly SocketTypeName[] {
  return peers[local];
}
