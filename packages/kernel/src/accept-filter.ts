/**
 * ZMQ_TCP_ACCEPT_FILTER: address/prefix-length filters (`10.0.0.0/8`,
 * `::1`, `192.168.1.7`) that a tcp listener checks each accepted peer
 * against, as libzmq's. Each value set adds a filter, null clears them; a
 * listener keeps the filters it was bound with. A peer matches when its
 * address shares the filter's leading bits; IPv4 peers and filters also
 * match in their IPv4-mapped IPv6 form (`::ffff:10.1.2.3`), so one filter
 * serves a dual-stack listener. Unlike libzmq's, an IPv4 filter keeps its
 * IPv4 prefix length when `ipv6` is on (libzmq applies `/8` to the mapped
 * 128-bit address there, which admits every IPv4 peer), and zone ids
 * (`%eth0`) are ignored.
 */
import { ipBytes, ipVersion } from "./ip.js";

/** The filters as the option stores them: each set value, in order, joined by this (never part of an address). */
export const FILTER_SEPARATOR = ",";

/** One filter: as stored (`address/bits`), its address as 16 bytes (IPv4 mapped), and how many leading bits must match. */
interface Prefix {
  readonly text: string;
  readonly bytes: Uint8Array;
  readonly bits: number;
}

/**
 * Parses one filter as libzmq does (a numeric address, `/bits` optional: the
 * whole address when absent, 0 for any address of that family); an IPv6
 * filter needs `ipv6`. Returns the prefix, or what a filter should have been.
 */
function parseFilter(text: string, ipv6: boolean): Prefix | string {
  const slash = text.lastIndexOf("/");
  const address = plainAddress(slash < 0 ? text : text.slice(0, slash));
  const version = ipVersion(address);
  const bytes = ipBytes(address);
  if (bytes === undefined) return "an IPv4 or IPv6 address, optionally with a prefix length (10.0.0.0/8)";
  if (version === 6 && !ipv6) return "an IPv4 address (set ipv6 first for an IPv6 filter)";
  const full = version === 4 ? 32 : 128;
  let bits = full;
  if (slash >= 0) {
    const mask = text.slice(slash + 1);
    // strtol's reading, as libzmq's: leading digits count ("8x" is 8), "0" alone is any address.
    bits = mask === "0" ? 0 : parseInt(mask, 10);
    if (!(bits >= 1 && bits <= full) && mask !== "0") return `a prefix length from 0 to ${full} after the "/"`;
  }
  return { text: `${address}/${bits}`, bytes, bits: version === 4 ? bits + 96 : bits };
}

/** An address without brackets ("[::1]") or a zone id ("fe80::1%eth0"). */
function plainAddress(text: string): string {
  const unbracketed = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const zone = unbracketed.indexOf("%");
  return zone < 0 ? unbracketed : unbracketed.slice(0, zone);
}

/** Why `value` cannot be a ZMQ_TCP_ACCEPT_FILTER value (with `ipv6` as set), or undefined when it can. null clears. */
export function acceptFilterProblem(value: unknown, ipv6: boolean): string | undefined {
  if (value === null) return undefined;
  if (typeof value !== "string" || value === "") return "an address with an optional prefix length (10.0.0.0/8), or null to clear";
  const parsed = parseFilter(value, ipv6);
  return typeof parsed === "string" ? parsed : undefined;
}

/** The stored filters after setting `value` (a valid one): added to `previous` as `address/bits`, or none for null. */
export function addAcceptFilter(previous: string | null, value: string | null): string | null {
  if (value === null) return null;
  const parsed = parseFilter(value, true);
  if (typeof parsed === "string") return previous;
  return previous === null ? parsed.text : previous + FILTER_SEPARATOR + parsed.text;
}

/**
 * A test of peer addresses against stored filters (as the option keeps
 * them): undefined when there are none (every peer is accepted).
 */
export function acceptFilter(stored: string | null): ((peerAddress: string) => boolean) | undefined {
  if (stored === null || stored === "") return undefined;
  const prefixes = stored
    .split(FILTER_SEPARATOR)
    .map((text) => parseFilter(text, true))
    .filter((p): p is Prefix => typeof p !== "string");
  return (peerAddress) => {
    const peer = ipBytes(plainAddress(peerAddress));
    return peer !== undefined && prefixes.some((p) => sharesPrefix(peer, p));
  };
}

function sharesPrefix(peer: Uint8Array, { bytes, bits }: Prefix): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (peer[i] !== bytes[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (peer[whole]! & mask) === (bytes[whole]! & mask);
}
