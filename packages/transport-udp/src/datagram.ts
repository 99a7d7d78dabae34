/**
 * libzmq's udp engine datagrams (udp_engine.cpp). RADIO/DISH: one byte of
 * group length, the group, the body; DGRAM: the body alone, the peer named
 * in a separate address frame ("ip:port" and a NUL, as libzmq writes it).
 * A datagram is at most 8192 bytes (libzmq's MAX_UDP_MSG).
 */
import { ipVersion } from "./ip.js";

/** The largest datagram libzmq sends or reads. */
export const MAX_DATAGRAM = 8192;

/** A RADIO message as a datagram, or undefined when it would exceed MAX_DATAGRAM (libzmq drops it). */
export function encodeGroupDatagram(group: Uint8Array, body: Uint8Array): Uint8Array | undefined {
  const size = 1 + group.length + body.length;
  if (size > MAX_DATAGRAM || group.length > 255) return undefined;
  const out = new Uint8Array(size);
  out[0] = group.length;
  out.set(group, 1);
  out.set(body, 1 + group.length);
  return out;
}

/**
 * Splits a RADIO datagram into group and body (views), or undefined for one
 * to drop: empty, a group length past the end, or over MAX_DATAGRAM.
 */
export function decodeGroupDatagram(datagram: Uint8Array): [Uint8Array, Uint8Array] | undefined {
  if (datagram.length === 0 || datagram.length > MAX_DATAGRAM) return undefined;
  const groupLength = datagram[0]!;
  if (1 + groupLength > datagram.length) return undefined;
  return [datagram.subarray(1, 1 + groupLength), datagram.subarray(1 + groupLength)];
}

/** A DGRAM peer address as libzmq's sockaddr_to_msg forms it: "ip:port" and a terminating NUL. */
export function formatPeerAddress(ip: string, port: number): string {
  return `${ipVersion(ip) === 6 ? `[${ip}]` : ip}:${port}\0`;
}

/**
 * The destination a DGRAM address frame names ("ip:port", a trailing NUL
 * allowed), or undefined when it names none (libzmq drops the message).
 */
export function parsePeerAddress(frame: Uint8Array): { host: string; port: number } | undefined {
  let end = frame.indexOf(0);
  if (end < 0) end = frame.length;
  const text = new TextDecoder().decode(frame.subarray(0, end));
  const colon = text.lastIndexOf(":");
  if (colon <= 0) return undefined;
  let host = text.slice(0, colon);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const portText = text.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port === 0 || port > 65535 || ipVersion(host) === 0) return undefined;
  return { host, port };
}
