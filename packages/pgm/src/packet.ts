/**
 * PGM packets (RFC 3208 section 8, options in section 9) as OpenPGM writes
 * and reads them, in network byte order:
 *
 *   header (16)  source port, destination port, type, options byte,
 *                checksum, GSI (6 bytes), TSDU length
 *   SPM          spm sqn, trail, lead, NLA (AFI, reserved, address)
 *   ODATA/RDATA  data sqn, trail, [options], payload
 *   NAK/NNAK/NCF requested sqn, source NLA, group NLA, [options]
 *   SPMR         the header alone
 *
 * Options, when the options byte has OPT_PRESENT, start with OPT_LENGTH (the
 * total length of the options) and end with the option whose type has the
 * OPT_END bit. OPT_FRAGMENT and OPT_NAK_LIST are read; others are skipped.
 * The checksum is the Internet checksum over the whole packet; a received
 * checksum of zero means none was computed.
 */
import { PgmError } from "./errors.js";

export const PGM_HEADER_SIZE = 16;

export const PgmType = {
  SPM: 0x00,
  POLL: 0x01,
  POLR: 0x02,
  ODATA: 0x04,
  RDATA: 0x05,
  NAK: 0x08,
  NNAK: 0x09,
  NCF: 0x0a,
  SPMR: 0x0c,
  ACK: 0x0d,
} as const;

/** The options byte of the header. */
export const OPT_PRESENT = 0x01;
export const OPT_NETWORK = 0x02;
export const OPT_VAR_PKTLEN = 0x40;
export const OPT_PARITY = 0x80;

/** Option types (section 9). */
export const OPT_LENGTH = 0x00;
export const OPT_FRAGMENT = 0x01;
export const OPT_NAK_LIST = 0x02;
export const OPT_END = 0x80;
const OPT_TYPE_MASK = 0x7f;

const OPT_LENGTH_SIZE = 4;
const OPT_FRAGMENT_SIZE = 16;
/** A NAK list carries at most 62 sequence numbers besides the one in the NAK (RFC 3208 9.3). */
export const MAX_NAK_LIST = 62;

/** Address family numbers of NLAs (RFC 1700). */
export const AFI_IP = 1;
export const AFI_IP6 = 2;

/** A network-layer address: an IPv4 or IPv6 address as text. */
export type Nla = string;

/** The transport session identifier: a source's GSI and its source port. */
export interface Tsi {
  readonly gsi: Uint8Array;
  readonly sport: number;
}

/** The fields every packet's header carries. */
export interface PgmHeader {
  readonly sport: number;
  readonly dport: number;
  readonly gsi: Uint8Array;
}

export interface Fragment {
  /** The sequence number of the APDU's first fragment. */
  readonly first: number;
  /** The offset of this fragment's payload within the APDU. */
  readonly offset: number;
  /** The APDU's whole length. */
  readonly length: number;
}

export interface SpmPacket extends PgmHeader {
  readonly type: "SPM";
  readonly sqn: number;
  readonly trail: number;
  readonly lead: number;
  readonly nla: Nla;
}

export interface DataPacket extends PgmHeader {
  readonly type: "ODATA" | "RDATA";
  readonly sqn: number;
  readonly trail: number;
  readonly fragment: Fragment | undefined;
  readonly payload: Uint8Array;
}

export interface NakPacket extends PgmHeader {
  readonly type: "NAK" | "NNAK" | "NCF";
  /** The first sequence number asked for, then those of OPT_NAK_LIST. */
  readonly sqns: readonly number[];
  readonly sourceNla: Nla;
  readonly groupNla: Nla;
}

export interface SpmrPacket extends PgmHeader {
  readonly type: "SPMR";
}

/** A packet this implementation reads but does not act on (POLL, POLR, ACK, ...). */
export interface OtherPacket extends PgmHeader {
  readonly type: "OTHER";
  readonly code: number;
}

export type PgmPacket = SpmPacket | DataPacket | NakPacket | SpmrPacket | OtherPacket;

/** The ones' complement sum (RFC 1071) of bytes as 16-bit big-endian words, folded to 16 bits. */
function sum16(bytes: Uint8Array): number {
  let sum = 0;
  const even = bytes.length & ~1;
  for (let i = 0; i < even; i += 2) {
    sum += (bytes[i]! << 8) | bytes[i + 1]!;
    // Fold now and then so that the sum stays a small integer.
    if (sum > 0x7fffffff) sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (even !== bytes.length) sum += bytes[even]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The Internet checksum of bytes (their checksum field zero): the complemented sum, 0 sent as 0xffff. */
export function checksum(bytes: Uint8Array): number {
  const result = ~sum16(bytes) & 0xffff;
  return result === 0 ? 0xffff : result;
}

function ipv4Bytes(address: string): Uint8Array | undefined {
  const parts = address.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    out[i] = Number(part);
  }
  return out;
}

function ipv6Bytes(address: string): Uint8Array | undefined {
  let text = address;
  let tail: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    tail = ipv4Bytes(text.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const words = (s: string) => (s === "" ? [] : s.split(":"));
  const head = words(halves[0]!);
  const rest = halves.length === 2 ? words(halves[1]!) : [];
  const fill = 8 - head.length - rest.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return undefined;
  const all = [...head, ...new Array<string>(halves.length === 2 ? fill : 0).fill("0"), ...rest];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const word = all[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(word)) return undefined;
    const value = parseInt(word, 16);
    out[2 * i] = value >> 8;
    out[2 * i + 1] = value & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

/** An NLA's AFI and address bytes; throws PgmError EINVAL for what is not an IP literal. */
export function nlaBytes(nla: Nla): { afi: number; bytes: Uint8Array } {
  const v4 = ipv4Bytes(nla);
  if (v4) return { afi: AFI_IP, bytes: v4 };
  const v6 = nla.includes(":") ? ipv6Bytes(nla) : undefined;
  if (v6) return { afi: AFI_IP6, bytes: v6 };
  throw new PgmError("EINVAL", `Not an IP address: ${JSON.stringify(nla)}`);
}

function nlaText(afi: number, bytes: Uint8Array): Nla {
  if (afi === AFI_IP) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return words.join(":");
}

/** The size of an NLA field (AFI, reserved, address) for an AFI. */
function nlaFieldSize(afi: number): number {
  return afi === AFI_IP6 ? 20 : 8;
}

class Writer {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  pos = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(v: number): void {
    this.bytes[this.pos++] = v;
  }
  u16(v: number): void {
    this.view.setUint16(this.pos, v);
    this.pos += 2;
  }
  u32(v: number): void {
    this.view.setUint32(this.pos, v >>> 0);
    this.pos += 4;
  }
  put(b: Uint8Array): void {
    this.bytes.set(b, this.pos);
    this.pos += b.length;
  }
  nla(nla: Nla): void {
    const { afi, bytes } = nlaBytes(nla);
    this.u16(afi);
    this.u16(0);
    this.put(bytes);
  }
}

function header(w: Writer, h: PgmHeader, type: number, options: number, tsduLength: number): void {
  if (h.gsi.length !== 6) throw new PgmError("EINVAL", "A GSI is 6 bytes");
  w.u16(h.sport);
  w.u16(h.dport);
  w.u8(type);
  w.u8(options);
  w.u16(0); // checksum, filled in last
  w.put(h.gsi);
  w.u16(tsduLength);
}

function sealed(w: Writer): Uint8Array {
  const sum = checksum(w.bytes);
  w.bytes[6] = sum >> 8;
  w.bytes[7] = sum & 0xff;
  return w.bytes;
}

export function encodeSpm(p: Omit<SpmPacket, "type">): Uint8Array {
  const w = new Writer(PGM_HEADER_SIZE + 12 + nlaFieldSize(nlaBytes(p.nla).afi));
  header(w, p, PgmType.SPM, 0, 0);
  w.u32(p.sqn);
  w.u32(p.trail);
  w.u32(p.lead);
  w.nla(p.nla);
  return sealed(w);
}

export function encodeData(p: Omit<DataPacket, "type"> & { readonly type: "ODATA" | "RDATA" }): Uint8Array {
  const optionsSize = p.fragment ? OPT_LENGTH_SIZE + OPT_FRAGMENT_SIZE : 0;
  const w = new Writer(PGM_HEADER_SIZE + 8 + optionsSize + p.payload.length);
  // OPT_FRAGMENT is not network-significant: OpenPGM's send_apdu sets OPT_PRESENT alone.
  header(w, p, p.type === "ODATA" ? PgmType.ODATA : PgmType.RDATA, p.fragment ? OPT_PRESENT : 0, p.payload.length);
  w.u32(p.sqn);
  w.u32(p.trail);
  if (p.fragment) {
    w.u8(OPT_LENGTH);
    w.u8(OPT_LENGTH_SIZE);
    w.u16(optionsSize);
    w.u8(OPT_FRAGMENT | OPT_END);
    w.u8(OPT_FRAGMENT_SIZE);
    w.u8(0);
    w.u8(0);
    w.u32(p.fragment.first);
    w.u32(p.fragment.offset);
    w.u32(p.fragment.length);
  }
  w.put(p.payload);
  return sealed(w);
}

const nakCodes = { NAK: PgmType.NAK, NNAK: PgmType.NNAK, NCF: PgmType.NCF } as const;

export function encodeNak(p: Omit<NakPacket, "type"> & { readonly type: "NAK" | "NNAK" | "NCF" }): Uint8Array {
  const list = p.sqns.slice(1);
  if (p.sqns.length === 0 || list.length > MAX_NAK_LIST) throw new PgmError("EINVAL", `A NAK names 1 to ${MAX_NAK_LIST + 1} sequence numbers`);
  const optionsSize = list.length > 0 ? OPT_LENGTH_SIZE + 4 + 4 * list.length : 0;
  const source = nlaBytes(p.sourceNla);
  const group = nlaBytes(p.groupNla);
  const w = new Writer(PGM_HEADER_SIZE + 4 + nlaFieldSize(source.afi) + nlaFieldSize(group.afi) + optionsSize);
  header(w, p, nakCodes[p.type], list.length > 0 ? OPT_PRESENT | OPT_NETWORK : 0, 0);
  w.u32(p.sqns[0]!);
  w.nla(p.sourceNla);
  w.nla(p.groupNla);
  if (list.length > 0) {
    w.u8(OPT_LENGTH);
    w.u8(OPT_LENGTH_SIZE);
    w.u16(optionsSize);
    w.u8(OPT_NAK_LIST | OPT_END);
    w.u8(4 + 4 * list.length);
    w.u8(0);
    w.u8(0);
    for (const sqn of list) w.u32(sqn);
  }
  return sealed(w);
}

export function encodeSpmr(p: PgmHeader): Uint8Array {
  const w = new Writer(PGM_HEADER_SIZE);
  header(w, p, PgmType.SPMR, 0, 0);
  return sealed(w);
}

interface Options {
  fragment: Fragment | undefined;
  nakList: number[];
}

function bad(why: string): PgmError {
  return new PgmError("EPROTO", why);
}

/** Reads the options area at `pos`; returns the options and where they end. */
function readOptions(bytes: Uint8Array, view: DataView, pos: number): [Options, number] {
  const found: Options = { fragment: undefined, nakList: [] };
  if (pos + OPT_LENGTH_SIZE > bytes.length) throw bad("options truncated");
  if ((bytes[pos]! & OPT_TYPE_MASK) !== OPT_LENGTH || bytes[pos + 1] !== OPT_LENGTH_SIZE) throw bad("options do not start with OPT_LENGTH");
  const total = view.getUint16(pos + 2);
  const end = pos + total;
  if (total < OPT_LENGTH_SIZE + 3 || end > bytes.length) throw bad("OPT_LENGTH out of range");
  let at = pos + OPT_LENGTH_SIZE;
  let count = 0;
  for (;;) {
    if (at + 3 > end) throw bad("option truncated");
    const type = bytes[at]!;
    const length = bytes[at + 1]!;
    if (length < 3 || at + length > end) throw bad("option length out of range");
    if (++count > 16) throw bad("more than 16 options");
    switch (type & OPT_TYPE_MASK) {
      case OPT_FRAGMENT:
        if (length !== OPT_FRAGMENT_SIZE) throw bad("OPT_FRAGMENT of the wrong size");
        found.fragment = { first: view.getUint32(at + 4), offset: view.getUint32(at + 8), length: view.getUint32(at + 12) };
        break;
      case OPT_NAK_LIST:
        if (length < 8 || (length - 4) % 4 !== 0 || (length - 4) / 4 > MAX_NAK_LIST) throw bad("OPT_NAK_LIST of a wrong size");
        for (let i = at + 4; i < at + length; i += 4) found.nakList.push(view.getUint32(i));
        break;
      default:
        break;
    }
    at += length;
    if ((type & OPT_END) !== 0) break;
  }
  if (at !== end) throw bad("options end before OPT_LENGTH says");
  return [found, end];
}

function readNla(bytes: Uint8Array, view: DataView, pos: number): [Nla, number] {
  if (pos + 4 > bytes.length) throw bad("NLA truncated");
  const afi = view.getUint16(pos);
  if (afi !== AFI_IP && afi !== AFI_IP6) throw bad(`unknown NLA AFI ${afi}`);
  const size = afi === AFI_IP ? 4 : 16;
  if (pos + 4 + size > bytes.length) throw bad("NLA truncated");
  return [nlaText(afi, bytes.subarray(pos + 4, pos + 4 + size)), pos + 4 + size];
}

/**
 * Parses one PGM packet (a UDP payload, for epgm). The payload of data
 * packets is a view of `bytes`. Throws PgmError EPROTO for a packet to drop:
 * truncated, a bad checksum, a TSDU length that does not match, malformed
 * options.
 */
export function decodePacket(bytes: Uint8Array): PgmPacket {
  if (bytes.length < PGM_HEADER_SIZE) throw bad("shorter than a PGM header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sent = view.getUint16(6);
  if (sent !== 0) {
    // Summed with its checksum in place, a sound packet folds to all ones.
    if (sum16(bytes) !== 0xffff) throw bad("bad checksum");
  }
  const h: PgmHeader = { sport: view.getUint16(0), dport: view.getUint16(2), gsi: bytes.slice(8, 14) };
  const code = bytes[4]!;
  const flags = bytes[5]!;
  const tsduLength = view.getUint16(14);
  let pos = PGM_HEADER_SIZE;
  switch (code) {
    case PgmType.SPM: {
      if (pos + 12 > bytes.length) throw bad("SPM truncated");
      const sqn = view.getUint32(pos);
      const trail = view.getUint32(pos + 4);
      const lead = view.getUint32(pos + 8);
      const [nla, after] = readNla(bytes, view, pos + 12);
      if ((flags & OPT_PRESENT) !== 0) readOptions(bytes, view, after);
      return { ...h, type: "SPM", sqn, trail, lead, nla };
    }
    case PgmType.ODATA:
    case PgmType.RDATA: {
      if (pos + 8 > bytes.length) throw bad("data packet truncated");
      const sqn = view.getUint32(pos);
      const trail = view.getUint32(pos + 4);
      pos += 8;
      let fragment: Fragment | undefined;
      if ((flags & OPT_PRESENT) !== 0) {
        const [options, end] = readOptions(bytes, view, pos);
        fragment = options.fragment;
        pos = end;
      }
      if (pos + tsduLength !== bytes.length) throw bad("TSDU length does not match the packet");
      if ((flags & OPT_PARITY) !== 0) return { ...h, type: "OTHER", code };
      if (fragment && (fragment.offset + tsduLength > fragment.length || fragment.length === 0)) throw bad("fragment outside its APDU");
      return { ...h, type: code === PgmType.ODATA ? "ODATA" : "RDATA", sqn, trail, fragment, payload: bytes.subarray(pos) };
    }
    case PgmType.NAK:
    case PgmType.NNAK:
    case PgmType.NCF: {
      if (pos + 4 > bytes.length) throw bad("NAK truncated");
      const sqn = view.getUint32(pos);
      const [sourceNla, afterSource] = readNla(bytes, view, pos + 4);
      const [groupNla, afterGroup] = readNla(bytes, view, afterSource);
      let list: number[] = [];
      if ((flags & OPT_PRESENT) !== 0) list = readOptions(bytes, view, afterGroup)[0].nakList;
      const type = code === PgmType.NAK ? "NAK" : code === PgmType.NNAK ? "NNAK" : "NCF";
      return { ...h, type, sqns: [sqn, ...list], sourceNla, groupNla };
    }
    case PgmType.SPMR:
      return { ...h, type: "SPMR" };
    default:
      return { ...h, type: "OTHER", code };
  }
}

/** A TSI as a string key: the GSI in hex, a dot, the source port. */
export function tsiKey(gsi: Uint8Array, sport: number): string {
  let s = "";
  for (const b of gsi) s += (b < 16 ? "0" : "") + b.toString(16);
  return `${s}.${sport}`;
}
