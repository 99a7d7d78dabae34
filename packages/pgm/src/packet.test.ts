// Packet codec: hand-built fixtures (bytes written from RFC 3208 section 8/9
// and OpenPGM's source.c/receiver.c, checksum computed here independently),
// round trips, checksum verification, malformed options and truncation.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PgmError } from "./errors.js";
import { type NakPacket, type PgmPacket, checksum, decodePacket, encodeData, encodeNak, encodeSpm, encodeSpmr, nlaBytes, tsiKey } from "./packet.js";

const GSI = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06];
const gsi = Uint8Array.from(GSI);

/** RFC 1071 written out independently: 16-bit big-endian words, odd byte padded, carries folded, complemented; 0 goes out as 0xffff. */
function refChecksum(bytes: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += bytes[i]! * 256 + (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = Math.floor(sum / 0x10000) + (sum % 0x10000);
  const c = 0xffff - sum;
  return c === 0 ? 0xffff : c;
}

/** The fixture with its checksum field (bytes 6-7, zero as written) filled in. */
function sealed(bytes: readonly number[]): Uint8Array {
  expect(bytes[6]).toBe(0);
  expect(bytes[7]).toBe(0);
  const c = refChecksum(bytes);
  const out = Uint8Array.from(bytes);
  out[6] = c >> 8;
  out[7] = c & 0xff;
  return out;
}

function expectEproto(f: () => unknown): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(PgmError);
  expect((caught as PgmError).code).toBe("EPROTO");
}

function expectCode(f: () => unknown, code: string): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(PgmError);
  expect((caught as PgmError).code).toBe(code);
}

/** Recomputes a packet's checksum (e.g. after truncating it) so the structural checks are reached. */
function reseal(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  if (out.length < 8) return out;
  out[6] = 0;
  out[7] = 0;
  const c = refChecksum(Array.from(out));
  out[6] = c >> 8;
  out[7] = c & 0xff;
  return out;
}

// Header: source port 4000 (0x0fa0), destination port 5555 (0x15b3), type, options, checksum, GSI, TSDU length.
// prettier-ignore
const SPM_V4 = [
  0x0f, 0xa0, 0x15, 0xb3, 0x00, 0x00, 0x00, 0x00, ...GSI, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x07, // spm_sqn
  0x00, 0x00, 0x00, 0x03, // spm_trail
  0x00, 0x00, 0x00, 0x09, // spm_lead
  0x00, 0x01, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, // NLA: AFI 1 (IPv4), reserved, 10.0.0.1
];
// prettier-ignore
const SPM_V6 = [
  0x0f, 0xa0, 0x15, 0xb3, 0x00, 0x00, 0x00, 0x00, ...GSI, 0x00, 0x00,
  0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
  0x00, 0x02, 0x00, 0x00, // AFI 2 (IPv6), reserved
  0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01, // 2001:db8::1
];
// prettier-ignore
const ODATA = [
  0x0f, 0xa0, 0x15, 0xb3, 0x04, 0x00, 0x00, 0x00, ...GSI, 0x00, 0x05, // TSDU length 5
  0x01, 0x02, 0x03, 0x04, // data_sqn
  0xff, 0xff, 0xff, 0xfe, // data_trail
  0x68, 0x65, 0x6c, 0x6c, 0x6f, // "hello": odd length, the checksum pads it
];
// prettier-ignore
const RDATA_FRAGMENT = [
  0x0f, 0xa0, 0x15, 0xb3, 0x05, 0x01, 0x00, 0x00, ...GSI, 0x00, 0x03, // RDATA, OPT_PRESENT (as OpenPGM's send_apdu)
  0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0x10,
  0x00, 0x04, 0x00, 0x14, // OPT_LENGTH: type 0, length 4, total 20
  0x81, 0x10, 0x00, 0x00, // OPT_FRAGMENT | OPT_END, length 16, reserved
  0x00, 0x00, 0x00, 0x10, // first sqn
  0x00, 0x00, 0x00, 0x64, // offset 100
  0x00, 0x00, 0x00, 0xfa, // APDU length 250
  0x61, 0x62, 0x63,
];
// A NAK goes upstream: ports swap (sport = the data's dport, dport = the source's sport).
// prettier-ignore
const NAK = [
  0x15, 0xb3, 0x0f, 0xa0, 0x08, 0x00, 0x00, 0x00, ...GSI, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x2a, // requested sqn 42
  0x00, 0x01, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, // source NLA 10.0.0.1
  0x00, 0x01, 0x00, 0x00, 0xef, 0xc0, 0x01, 0x01, // group NLA 239.192.1.1
];
// prettier-ignore
const NCF_LIST = [
  0x0f, 0xa0, 0x15, 0xb3, 0x0a, 0x03, 0x00, 0x00, ...GSI, 0x00, 0x00, // NCF, OPT_PRESENT | OPT_NETWORK
  0x00, 0x00, 0x00, 0x2a,
  0x00, 0x01, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01,
  0x00, 0x01, 0x00, 0x00, 0xef, 0xc0, 0x01, 0x01,
  0x00, 0x04, 0x00, 0x10, // OPT_LENGTH total 16
  0x82, 0x0c, 0x00, 0x00, // OPT_NAK_LIST | OPT_END, length 4 + 2*4
  0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x2d,
];
// prettier-ignore
const NNAK_V6 = [
  0x15, 0xb3, 0x0f, 0xa0, 0x09, 0x00, 0x00, 0x00, ...GSI, 0x00, 0x00,
  0x80, 0x00, 0x00, 0x00,
  0x00, 0x02, 0x00, 0x00, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01, // fe80::1
  0x00, 0x02, 0x00, 0x00, 0xff, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01, // ff0e::1
];
const SPMR = [0x15, 0xb3, 0x0f, 0xa0, 0x0c, 0x00, 0x00, 0x00, ...GSI, 0x00, 0x00];

const ports = { sport: 4000, dport: 5555, gsi } as const;
const up = { sport: 5555, dport: 4000, gsi } as const;

describe("fixtures: exact bytes both ways", () => {
  it("the reference checksum agrees with one done by hand (SPMR)", () => {
    // 0x15b3 + 0x0fa0 + 0x0c00 + 0x0000 + 0x0102 + 0x0304 + 0x0506 + 0x0000 = 0x3a5f; ~0x3a5f = 0xc5a0
    expect(refChecksum(SPMR)).toBe(0xc5a0);
    expect(Array.from(encodeSpmr(up))).toEqual([...SPMR.slice(0, 6), 0xc5, 0xa0, ...SPMR.slice(8)]);
  });

  it("SPM with an IPv4 NLA", () => {
    const bytes = sealed(SPM_V4);
    expect(encodeSpm({ ...ports, sqn: 7, trail: 3, lead: 9, nla: "10.0.0.1" })).toEqual(bytes);
    expect(decodePacket(bytes)).toEqual({ ...ports, type: "SPM", sqn: 7, trail: 3, lead: 9, nla: "10.0.0.1" });
  });

  it("SPM with an IPv6 NLA (lead 0 after a trail at 2^32-1: an empty window across the wrap)", () => {
    const bytes = sealed(SPM_V6);
    expect(encodeSpm({ ...ports, sqn: 0xffffffff, trail: 0, lead: 0xffffffff, nla: "2001:db8::1" })).toEqual(bytes);
    const p = decodePacket(bytes);
    expect(p).toMatchObject({ type: "SPM", sqn: 0xffffffff, trail: 0, lead: 0xffffffff });
    expect(nlaBytes((p as { nla: string }).nla).bytes).toEqual(Uint8Array.from(SPM_V6.slice(32)));
  });

  it("ODATA without options", () => {
    const bytes = sealed(ODATA);
    const enc = encodeData({
      ...ports,
      type: "ODATA",
      sqn: 0x01020304,
      trail: 0xfffffffe,
      fragment: undefined,
      payload: new TextEncoder().encode("hello"),
    });
    expect(enc).toEqual(bytes);
    expect(decodePacket(bytes)).toEqual({
      ...ports,
      type: "ODATA",
      sqn: 0x01020304,
      trail: 0xfffffffe,
      fragment: undefined,
      payload: Uint8Array.from([0x68, 0x65, 0x6c, 0x6c, 0x6f]),
    });
  });

  it("RDATA with OPT_LENGTH and OPT_FRAGMENT", () => {
    const bytes = sealed(RDATA_FRAGMENT);
    const fragment = { first: 0x10, offset: 100, length: 250 };
    expect(encodeData({ ...ports, type: "RDATA", sqn: 0x11, trail: 0x10, fragment, payload: Uint8Array.of(0x61, 0x62, 0x63) })).toEqual(bytes);
    expect(decodePacket(bytes)).toEqual({ ...ports, type: "RDATA", sqn: 0x11, trail: 0x10, fragment, payload: Uint8Array.of(0x61, 0x62, 0x63) });
  });

  it("NAK with one sequence number (no options)", () => {
    const bytes = sealed(NAK);
    expect(encodeNak({ ...up, type: "NAK", sqns: [42], sourceNla: "10.0.0.1", groupNla: "239.192.1.1" })).toEqual(bytes);
    expect(decodePacket(bytes)).toEqual({ ...up, type: "NAK", sqns: [42], sourceNla: "10.0.0.1", groupNla: "239.192.1.1" });
  });

  it("NCF with OPT_NAK_LIST", () => {
    const bytes = sealed(NCF_LIST);
    expect(encodeNak({ ...ports, type: "NCF", sqns: [42, 43, 45], sourceNla: "10.0.0.1", groupNla: "239.192.1.1" })).toEqual(bytes);
    expect(decodePacket(bytes)).toEqual({ ...ports, type: "NCF", sqns: [42, 43, 45], sourceNla: "10.0.0.1", groupNla: "239.192.1.1" });
  });

  it("NNAK with IPv6 NLAs", () => {
    const bytes = sealed(NNAK_V6);
    expect(encodeNak({ ...up, type: "NNAK", sqns: [0x80000000], sourceNla: "fe80::1", groupNla: "ff0e::1" })).toEqual(bytes);
    const p = decodePacket(bytes) as NakPacket;
    expect(p).toMatchObject({ ...up, type: "NNAK", sqns: [0x80000000] });
    expect(nlaBytes(p.sourceNla).bytes).toEqual(nlaBytes("fe80::1").bytes);
    expect(nlaBytes(p.groupNla).bytes).toEqual(nlaBytes("ff0e::1").bytes);
  });

  it("SPM with OPT_FIN, as OpenPGM sends on close (44 bytes): read as an SPM, the option skipped", () => {
    const fin = [...SPM_V4, 0x00, 0x04, 0x00, 0x08, 0x8e, 0x04, 0x00, 0x00];
    fin[5] = 0x01;
    expect(decodePacket(sealed(fin))).toEqual({ ...ports, type: "SPM", sqn: 7, trail: 3, lead: 9, nla: "10.0.0.1" });
  });

  it("ignores the OPX/U byte of options, which OpenPGM leaves uninitialised", () => {
    const ncf = [...NCF_LIST];
    ncf[42] = 0xa5; // OPT_NAK_LIST: type, length, OPX/U, reserved
    ncf[43] = 0x5a;
    expect(decodePacket(sealed(ncf))).toMatchObject({ type: "NCF", sqns: [42, 43, 45] });
    const rdata = [...RDATA_FRAGMENT];
    rdata[30] = 0xff;
    expect(decodePacket(sealed(rdata))).toMatchObject({ type: "RDATA", fragment: { first: 0x10, offset: 100, length: 250 } });
  });

  it("SPMR: the header alone", () => {
    expect(decodePacket(sealed(SPMR))).toEqual({ ...up, type: "SPMR" });
  });

  it("types it does not act on decode as OTHER with their code; parity data too", () => {
    for (const code of [0x01, 0x02, 0x0d, 0x0e, 0x3f]) {
      expect(decodePacket(sealed([...SPMR.slice(0, 4), code, ...SPMR.slice(5)]))).toEqual({ ...up, type: "OTHER", code });
    }
    const parity = [...ODATA];
    parity[5] = 0x80; // OPT_PARITY
    expect(decodePacket(sealed(parity))).toEqual({ ...ports, type: "OTHER", code: 0x04 });
  });

  it("tsiKey: the GSI in hex, a dot, the port", () => {
    expect(tsiKey(Uint8Array.of(0, 0x0a, 0xff, 1, 2, 3), 4000)).toBe("000aff010203.4000");
  });
});

const u32 = fc.nat({ max: 0xffffffff });
const port = fc.nat({ max: 0xffff });
const gsiArb = fc.uint8Array({ minLength: 6, maxLength: 6 });
const nlaArb = fc.oneof(fc.ipV4(), fc.ipV6());
/** NLAs come back as text of the same address, not always the same text. */
const sameNla = (a: string, b: string) => expect(nlaBytes(a)).toEqual(nlaBytes(b));

describe("round trips", () => {
  it("SPM (IPv4 and IPv6 NLAs)", () => {
    fc.assert(
      fc.property(port, port, gsiArb, u32, u32, u32, nlaArb, (sport, dport, g, sqn, trail, lead, nla) => {
        const bytes = encodeSpm({ sport, dport, gsi: g, sqn, trail, lead, nla });
        expect(bytes.length).toBe(16 + 12 + (nla.includes(":") ? 20 : 8));
        const p = decodePacket(bytes);
        if (p.type !== "SPM") throw new Error(p.type);
        expect({ ...p, nla: "" }).toEqual({ type: "SPM", sport, dport, gsi: g, sqn, trail, lead, nla: "" });
        sameNla(p.nla, nla);
      }),
      { numRuns: 500 },
    );
  });

  it("ODATA and RDATA, with and without OPT_FRAGMENT", () => {
    const fragmentArb = fc.option(fc.record({ first: u32, offset: fc.nat({ max: 60000 }), extra: fc.nat({ max: 5000 }) }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.constantFrom("ODATA" as const, "RDATA" as const),
        port,
        port,
        gsiArb,
        u32,
        u32,
        fc.uint8Array({ maxLength: 300 }),
        fragmentArb,
        (type, sport, dport, g, sqn, trail, payload, f) => {
          const fragment = f && { first: f.first, offset: f.offset, length: f.offset + payload.length + f.extra || 1 };
          const bytes = encodeData({ type, sport, dport, gsi: g, sqn, trail, fragment, payload });
          expect(bytes.length).toBe(16 + 8 + (fragment ? 20 : 0) + payload.length);
          expect(decodePacket(bytes)).toEqual({ type, sport, dport, gsi: g, sqn, trail, fragment, payload });
        },
      ),
      { numRuns: 500 },
    );
  });

  it("NAK, NCF and NNAK with 1 to 63 sequence numbers", () => {
    for (const type of ["NAK", "NCF", "NNAK"] as const) {
      for (let n = 1; n <= 63; n++) {
        const sqns = Array.from({ length: n }, (_, i) => (0xfffffff0 + i * 3) >>> 0);
        const bytes = encodeNak({ ...up, type, sqns, sourceNla: "10.0.0.1", groupNla: "239.192.1.1" });
        expect(bytes.length).toBe(36 + (n > 1 ? 8 + 4 * (n - 1) : 0));
        expect(bytes[5]).toBe(n > 1 ? 0x03 : 0x00);
        expect(decodePacket(bytes)).toEqual({ ...up, type, sqns, sourceNla: "10.0.0.1", groupNla: "239.192.1.1" });
      }
    }
    fc.assert(
      fc.property(
        fc.constantFrom("NAK" as const, "NCF" as const, "NNAK" as const),
        gsiArb,
        fc.array(u32, { minLength: 1, maxLength: 63 }),
        nlaArb,
        nlaArb,
        (type, g, sqns, src, grp) => {
          const p = decodePacket(encodeNak({ sport: 1, dport: 2, gsi: g, type, sqns, sourceNla: src, groupNla: grp })) as NakPacket;
          expect(p.type).toBe(type);
          expect(p.sqns).toEqual(sqns);
          sameNla(p.sourceNla, src);
          sameNla(p.groupNla, grp);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a NAK names 1 to 63 sequence numbers; a GSI is 6 bytes; an NLA is an IP literal", () => {
    const nak = { ...up, type: "NAK" as const, sourceNla: "10.0.0.1", groupNla: "239.192.1.1" };
    expectCode(() => encodeNak({ ...nak, sqns: [] }), "EINVAL");
    expectCode(() => encodeNak({ ...nak, sqns: Array.from({ length: 64 }, (_, i) => i) }), "EINVAL");
    expectCode(() => encodeSpmr({ ...up, gsi: new Uint8Array(5) }), "EINVAL");
    expectCode(() => encodeSpm({ ...ports, sqn: 0, trail: 0, lead: 0, nla: "example.com" }), "EINVAL");
  });

  it("nlaBytes: IPv4 and the IPv6 text forms", () => {
    expect(nlaBytes("192.168.0.255")).toEqual({ afi: 1, bytes: Uint8Array.of(192, 168, 0, 255) });
    const v6 = (s: string) => Array.from(nlaBytes(s).bytes);
    expect(nlaBytes("::").afi).toBe(2);
    expect(v6("::")).toEqual(new Array(16).fill(0));
    expect(v6("::1")).toEqual([...new Array(15).fill(0), 1]);
    expect(v6("1:2:3:4:5:6:7:8")).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect(v6("fe80::1:2")).toEqual([0xfe, 0x80, ...new Array(10).fill(0), 0, 1, 0, 2]);
    expect(v6("::ffff:10.0.0.1")).toEqual([...new Array(10).fill(0), 0xff, 0xff, 10, 0, 0, 1]);
    for (const bad of ["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1:2:3:4:5:6:7:8:9", "1::2::3", "1:2:3", "::g", "hello", "::1.2.3"]) {
      expectCode(() => nlaBytes(bad), "EINVAL");
    }
  });
});

/** Valid packets of every kind, for the checksum and truncation tests. */
function corpus(): Uint8Array[] {
  const payload = Uint8Array.from({ length: 37 }, (_, i) => i * 7);
  return [
    sealed(SPM_V4),
    sealed(SPM_V6),
    sealed(ODATA),
    sealed(RDATA_FRAGMENT),
    sealed(NAK),
    sealed(NCF_LIST),
    sealed(NNAK_V6),
    sealed(SPMR),
    encodeData({ ...ports, type: "ODATA", sqn: 5, trail: 1, fragment: { first: 4, offset: 37, length: 100 }, payload }),
    encodeData({ ...ports, type: "ODATA", sqn: 5, trail: 1, fragment: undefined, payload: new Uint8Array(0) }),
    encodeNak({ ...up, type: "NAK", sqns: Array.from({ length: 63 }, (_, i) => i), sourceNla: "2001:db8::7", groupNla: "ff0e::9" }),
  ];
}

describe("checksum", () => {
  it("every single flipped bit is rejected with EPROTO (unless it zeroes the checksum field)", () => {
    for (const packet of corpus()) {
      for (let bit = 0; bit < packet.length * 8; bit++) {
        const bad = packet.slice();
        bad[bit >> 3]! ^= 0x80 >> (bit & 7);
        if (bad[6] === 0 && bad[7] === 0) continue;
        expectEproto(() => decodePacket(bad));
      }
    }
  });

  it("a zero checksum field means none was computed: the packet is taken unverified", () => {
    const bytes = sealed(ODATA);
    bytes[6] = 0;
    bytes[7] = 0;
    bytes[24] = 0x4a; // "hello" -> "Jello": would fail any checksum
    expect(decodePacket(bytes)).toMatchObject({ type: "ODATA", payload: new TextEncoder().encode("Jello") });
  });

  it("a checksum that computes to 0 is sent as 0xffff, and verifies", () => {
    // An SPMR from port 0xdb53: 0xdb53 + 0x0fa0 + 0x0c00 + 0x0102 + 0x0304 + 0x0506 = 0xffff, whose complement is 0.
    const bytes = encodeSpmr({ sport: 0xdb53, dport: 4000, gsi });
    expect(refChecksum([0xdb, 0x53, 0x0f, 0xa0, 0x0c, 0, 0, 0, ...GSI, 0, 0])).toBe(0xffff);
    expect([bytes[6], bytes[7]]).toEqual([0xff, 0xff]);
    expect(decodePacket(bytes)).toEqual({ sport: 0xdb53, dport: 4000, gsi, type: "SPMR" });
  });

  it("checksum() matches the reference, odd lengths and long inputs included", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        expect(checksum(bytes)).toBe(refChecksum(Array.from(bytes)));
      }),
      { numRuns: 300 },
    );
    expect(checksum(new Uint8Array(70_000).fill(0xff))).toBe(refChecksum(new Array<number>(70_000).fill(0xff)));
  });
});

/** Decodes or throws PgmError EPROTO; anything else fails the test. */
function decodesOrEproto(bytes: Uint8Array): PgmPacket | undefined {
  try {
    return decodePacket(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(PgmError);
    expect((e as PgmError).code).toBe("EPROTO");
    return undefined;
  }
}

describe("truncation", () => {
  it("every prefix of a valid packet decodes or throws PgmError EPROTO, as sent and resealed", () => {
    for (const packet of corpus()) {
      for (let n = 0; n < packet.length; n++) {
        decodesOrEproto(packet.subarray(0, n));
        decodesOrEproto(reseal(packet.subarray(0, n)));
      }
    }
  });

  it("with a valid checksum, every strict prefix of an SPM, data packet or NAK is still rejected by its structure", () => {
    for (const packet of corpus()) {
      const type = decodePacket(packet).type;
      for (let n = 0; n < packet.length; n++) {
        const cut = reseal(packet.subarray(0, n));
        if (type === "SPMR" && n >= 16) expect(decodePacket(cut).type).toBe("SPMR");
        else expectEproto(() => decodePacket(cut));
        const unsummed = cut.slice();
        if (n >= 8) {
          unsummed[6] = 0;
          unsummed[7] = 0;
          if (type !== "SPMR" || n < 16) expectEproto(() => decodePacket(unsummed));
        }
      }
    }
  });

  it("a packet inside a larger buffer (byteOffset) decodes the same", () => {
    for (const packet of corpus()) {
      const big = new Uint8Array(packet.length + 11);
      big.set(packet, 5);
      expect(decodePacket(big.subarray(5, 5 + packet.length))).toEqual(decodePacket(packet));
    }
  });
});

describe("malformed options and fields", () => {
  /** An ODATA with `options` after data_sqn/data_trail and a 2-byte payload, OPT_PRESENT set. */
  const withOptions = (options: number[], payload = [0xaa, 0xbb]) =>
    sealed([0x0f, 0xa0, 0x15, 0xb3, 0x04, 0x01, 0, 0, ...GSI, 0x00, payload.length, 0, 0, 0, 9, 0, 0, 0, 1, ...options, ...payload]);
  const frag = (type: number, first: number, offset: number, length: number) => [type, 16, 0, 0, 0, 0, 0, first, 0, 0, 0, offset, 0, 0, 0, length];

  it("takes well-formed ones, skipping unknown options", () => {
    const unknown = [0x21, 0x04, 0x00, 0x00];
    const p = decodePacket(withOptions([0x00, 0x04, 0x00, 24, ...unknown, ...frag(0x81, 9, 0, 2)]));
    expect(p).toMatchObject({ type: "ODATA", sqn: 9, fragment: { first: 9, offset: 0, length: 2 }, payload: Uint8Array.of(0xaa, 0xbb) });
  });

  it.each([
    ["not starting with OPT_LENGTH", [0x01, 0x04, 0x00, 20, ...frag(0x81, 9, 0, 2)]],
    ["OPT_LENGTH of length 3", [0x00, 0x03, 0x00, 20, ...frag(0x81, 9, 0, 2)]],
    ["OPT_LENGTH total past the packet", [0x00, 0x04, 0x00, 200, ...frag(0x81, 9, 0, 2)]],
    ["OPT_LENGTH total too small", [0x00, 0x04, 0x00, 4]],
    ["an option of length 0 (would loop)", [0x00, 0x04, 0x00, 12, 0x21, 0x00, 0x00, 0x00, 0x81, 0x04, 0x00, 0x00]],
    ["an option of length 2", [0x00, 0x04, 0x00, 12, 0x21, 0x02, 0x00, 0x00, 0x81, 0x04, 0x00, 0x00]],
    ["an option past OPT_LENGTH's total", [0x00, 0x04, 0x00, 8, ...frag(0x81, 9, 0, 2)]],
    ["no OPT_END", [0x00, 0x04, 0x00, 20, ...frag(0x01, 9, 0, 2)]],
    ["OPT_END before OPT_LENGTH's total", [0x00, 0x04, 0x00, 24, ...frag(0x81, 9, 0, 2), 0x21, 0x04, 0, 0]],
    ["OPT_FRAGMENT of 12 bytes", [0x00, 0x04, 0x00, 16, 0x81, 12, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0]],
    ["a fragment past its APDU", [0x00, 0x04, 0x00, 20, ...frag(0x81, 9, 1, 2)]],
    ["a fragment of an empty APDU", [0x00, 0x04, 0x00, 20, ...frag(0x81, 9, 0, 0)]],
    ["17 options", [0x00, 0x04, 0x00, 4 + 17 * 4, ...new Array<number[]>(16).fill([0x21, 4, 0, 0]).flat(), 0xa1, 4, 0, 0]],
  ])("rejects options %s", (_name, options) => {
    expectEproto(() => decodePacket(withOptions(options)));
  });

  it("rejects a TSDU length that does not match, an OPT_NAK_LIST of a wrong size, an unknown AFI", () => {
    const odata = [...ODATA];
    odata[15] = 4;
    expectEproto(() => decodePacket(sealed(odata)));
    odata[15] = 6;
    expectEproto(() => decodePacket(sealed(odata)));
    const ncf = [...NCF_LIST];
    ncf[37] = 0x0a; // OPT_NAK_LIST length 10: not 4 + 4n
    expectEproto(() => decodePacket(sealed(ncf)));
    const nak = [...NAK];
    nak[21] = 3; // source NLA AFI 3
    expectEproto(() => decodePacket(sealed(nak)));
    const spm = [...SPM_V4];
    spm[29] = 0;
    expectEproto(() => decodePacket(sealed(spm)));
  });
});
