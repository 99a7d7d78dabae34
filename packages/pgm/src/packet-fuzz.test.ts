// Fuzz test of decodePacket: PGM_FUZZ_ITERATIONS (default 200,000) seeded
// random mutations of valid packets of every kind. Most get their checksum
// recomputed or zeroed afterwards, so that the structural checks, not the
// checksum, have to catch them.
//
// Invariants: decodePacket returns or throws a PgmError with code EPROTO,
// nothing else; what it returns is self-consistent (a data packet's payload
// fits its fragment, a NAK names 1..63 sqns) and survives re-encoding.
// PGM_FUZZ_SEED picks another seed.
import { describe, expect, it } from "vitest";
import { PgmError } from "./errors.js";
import { type PgmPacket, checksum, decodePacket, encodeData, encodeNak, encodeSpm, encodeSpmr } from "./packet.js";
import { prng } from "./test-support/sim.js";

const TOTAL = Number(process.env.PGM_FUZZ_ITERATIONS ?? 200_000);
const SEED = Number(process.env.PGM_FUZZ_SEED ?? 0x9e3779b9) >>> 0;

const gsi = Uint8Array.of(9, 8, 7, 6, 5, 4);
const h = { sport: 4000, dport: 5555, gsi };
const payload = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + 1) & 0xff);

const CORPUS: readonly Uint8Array[] = [
  encodeSpm({ ...h, sqn: 1, trail: 2, lead: 3, nla: "10.1.2.3" }),
  encodeSpm({ ...h, sqn: 0xffffffff, trail: 0, lead: 0xffffffff, nla: "2001:db8::42" }),
  encodeData({ ...h, type: "ODATA", sqn: 10, trail: 3, fragment: undefined, payload: payload(40) }),
  encodeData({ ...h, type: "RDATA", sqn: 11, trail: 3, fragment: undefined, payload: payload(1) }),
  encodeData({ ...h, type: "ODATA", sqn: 12, trail: 3, fragment: { first: 12, offset: 0, length: 90 }, payload: payload(30) }),
  encodeData({ ...h, type: "RDATA", sqn: 14, trail: 3, fragment: { first: 12, offset: 60, length: 90 }, payload: payload(30) }),
  encodeNak({ ...h, type: "NAK", sqns: [5], sourceNla: "10.0.0.1", groupNla: "239.1.1.1" }),
  encodeNak({ ...h, type: "NCF", sqns: [5, 6, 9, 0xffffffff], sourceNla: "10.0.0.1", groupNla: "239.1.1.1" }),
  encodeNak({ ...h, type: "NNAK", sqns: Array.from({ length: 63 }, (_, i) => i), sourceNla: "fe80::1", groupNla: "ff0e::1" }),
  encodeSpmr(h),
];

const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x0c, 0x10, 0x14, 0x40, 0x7f, 0x80, 0x81, 0x82, 0xff];

function mutate(base: Uint8Array, rnd: () => number): Uint8Array {
  let bytes = base.slice();
  const int = (n: number) => Math.floor(rnd() * n);
  const count = 1 + int(4);
  for (let m = 0; m < count; m++) {
    const at = int(Math.max(1, bytes.length));
    switch (int(7)) {
      case 0: // flip a bit
        if (bytes.length) bytes[at] = bytes[at]! ^ (1 << int(8));
        break;
      case 1: // an interesting byte, often in the header or the first options
        if (bytes.length) bytes[rnd() < 0.5 ? int(Math.min(bytes.length, 48)) : at] = INTERESTING[int(INTERESTING.length)]!;
        break;
      case 2: // a random byte
        if (bytes.length) bytes[at] = int(256);
        break;
      case 3: // truncate
        bytes = bytes.slice(0, int(bytes.length + 1));
        break;
      case 4: {
        // append random bytes
        const more = Uint8Array.from({ length: 1 + int(24) }, () => int(256));
        const out = new Uint8Array(bytes.length + more.length);
        out.set(bytes);
        out.set(more, bytes.length);
        bytes = out;
        break;
      }
      case 5: {
        // a 16-bit field (TSDU length, OPT_LENGTH total, AFI...) set to something near the packet's size
        if (bytes.length >= 2) {
          const v = rnd() < 0.5 ? int(0x10000) : bytes.length + int(9) - 4;
          const pos = Math.min(at, bytes.length - 2);
          bytes[pos] = (v >> 8) & 0xff;
          bytes[pos + 1] = v & 0xff;
        }
        break;
      }
      default: {
        // cut a piece out of the middle
        const len = 1 + int(8);
        const out = new Uint8Array(Math.max(at, bytes.length - len));
        out.set(bytes.subarray(0, at));
        out.set(bytes.subarray(at + len), at);
        bytes = out;
      }
    }
  }
  const seal = rnd();
  if (bytes.length >= 8 && seal < 0.9) {
    bytes[6] = 0;
    bytes[7] = 0;
    if (seal < 0.45) {
      const c = checksum(bytes);
      bytes[6] = c >> 8;
      bytes[7] = c & 0xff;
    }
  }
  return bytes;
}

/** Structural equality of decoded packets (plain objects, arrays, Uint8Arrays, numbers, strings). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** What a decoded packet must satisfy (plain checks, not expect(), to keep 200,000 rounds fast); a message when it does not. */
function violation(p: PgmPacket, bytes: Uint8Array): string | undefined {
  if (p.gsi.length !== 6) return "GSI not 6 bytes";
  switch (p.type) {
    case "ODATA":
    case "RDATA":
      if (p.payload.length !== ((bytes[14]! << 8) | bytes[15]!)) return "payload length is not the TSDU length";
      if (p.fragment && (p.fragment.length === 0 || p.fragment.offset + p.payload.length > p.fragment.length)) return "fragment outside its APDU";
      return same(decodePacket(encodeData(p)), p) ? undefined : "data does not survive re-encoding";
    case "NAK":
    case "NCF":
    case "NNAK":
      if (p.sqns.length < 1 || p.sqns.length > 63) return `NAK with ${p.sqns.length} sqns`;
      return same(decodePacket(encodeNak(p)), p) ? undefined : "NAK does not survive re-encoding";
    case "SPM":
      return same(decodePacket(encodeSpm(p)), p) ? undefined : "SPM does not survive re-encoding";
    case "SPMR":
      return same(decodePacket(encodeSpmr(p)), p) ? undefined : "SPMR does not survive re-encoding";
    default:
      return p.code === bytes[4] ? undefined : "OTHER with the wrong code";
  }
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

describe("decodePacket fuzz", () => {
  it(`${TOTAL} mutations of valid packets: returns or throws PgmError EPROTO, nothing else`, () => {
    const rnd = prng(SEED);
    const decoded = new Map<string, number>();
    let rejected = 0;
    // Most inputs are rejected: capturing a stack for each PgmError would take half the time.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      for (let i = 0; i < TOTAL; i++) {
        const bytes = mutate(CORPUS[i % CORPUS.length]!, rnd);
        let p: PgmPacket;
        try {
          p = decodePacket(bytes);
        } catch (e) {
          if (!(e instanceof PgmError) || e.code !== "EPROTO") throw new Error(`iteration ${i}: ${String(e)} for ${hex(bytes)}`);
          rejected++;
          continue;
        }
        const wrong = violation(p, bytes);
        if (wrong !== undefined) throw new Error(`iteration ${i}: ${wrong} for ${hex(bytes)}`);
        decoded.set(p.type, (decoded.get(p.type) ?? 0) + 1);
      }
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    // Not vacuous: many inputs got past the checksum and the parsers, of every kind, and many did not.
    expect(rejected).toBeGreaterThan(TOTAL / 10);
    for (const type of ["SPM", "ODATA", "RDATA", "NAK", "NCF", "NNAK", "SPMR", "OTHER"]) {
      expect(decoded.get(type) ?? 0, type).toBeGreaterThan(TOTAL / 1000);
    }
  });

  it("random bytes of every length up to 80: returns or throws PgmError EPROTO", () => {
    const rnd = prng(SEED ^ 0x5555);
    for (let i = 0; i < 20_000; i++) {
      const bytes = Uint8Array.from({ length: i % 81 }, () => Math.floor(rnd() * 256));
      if (bytes.length >= 8 && i % 2 === 0) {
        bytes[6] = 0;
        bytes[7] = 0;
      }
      let p: PgmPacket;
      try {
        p = decodePacket(bytes);
      } catch (e) {
        if (!(e instanceof PgmError) || e.code !== "EPROTO") throw new Error(`${String(e)} for ${hex(bytes)}`);
        continue;
      }
      const wrong = violation(p, bytes);
      if (wrong !== undefined) throw new Error(`${wrong} for ${hex(bytes)}`);
    }
  });
});
