// PgmSource: ODATA and the transmit window, fragmentation, SPMs and their
// schedule, NAKs answered with NCF then RDATA (rate-limited), SPMR. Time is
// the `now` passed in; nothing waits.
import { describe, expect, it } from "vitest";
import { PgmError } from "./errors.js";
import { type DataPacket, type NakPacket, type PgmPacket, type SpmPacket, decodePacket, encodeNak, encodeSpmr } from "./packet.js";
import { type SourceOptions, AMBIENT_SPM, HEARTBEAT_SPM, PgmSource } from "./source.js";
import { DPORT, GROUP, GSI, SOURCE_NLA, SPORT, apdu, sourceOptions } from "./test-support/sim.js";

const source = (over: Partial<SourceOptions> = {}) => new PgmSource(sourceOptions(over));
const decodeAll = (packets: Uint8Array[]) => packets.map((p) => decodePacket(p));
const data = (packets: Uint8Array[]) => decodeAll(packets) as DataPacket[];

/** A NAK from a receiver of this source (ports swapped), or as given. */
function nak(sqns: number[], over: { sport?: number; dport?: number; gsi?: Uint8Array; type?: "NAK" | "NNAK" | "NCF" } = {}): PgmPacket {
  return decodePacket(
    encodeNak({
      type: over.type ?? "NAK",
      sport: over.sport ?? DPORT,
      dport: over.dport ?? SPORT,
      gsi: over.gsi ?? GSI,
      sqns,
      sourceNla: SOURCE_NLA,
      groupNla: GROUP,
    }),
  );
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

describe("PgmSource: data", () => {
  it("sends ODATA with sequence numbers rising from initialSqn, for its TSI and dport", () => {
    const s = source({ initialSqn: 100 });
    expect(s.lead).toBe(99);
    const sent = [0, 1, 2, 3].map((i) => data(s.send(apdu(i), 0)));
    for (const [i, packets] of sent.entries()) {
      expect(packets).toHaveLength(1);
      expect(packets[0]).toEqual({
        type: "ODATA",
        sport: SPORT,
        dport: DPORT,
        gsi: GSI,
        sqn: 100 + i,
        trail: 100,
        fragment: undefined,
        payload: apdu(i),
      });
    }
    expect(s.lead).toBe(103);
  });

  it("advances the trail once more than windowSqns packets were sent", () => {
    const s = source({ windowSqns: 3, initialSqn: 10 });
    const trails = [0, 1, 2, 3, 4, 5].map((i) => data(s.send(apdu(i), 0))[0]!.trail);
    expect(trails).toEqual([10, 10, 10, 11, 12, 13]);
  });

  it("wraps sequence numbers and the trail at 2^32", () => {
    const s = source({ windowSqns: 2, initialSqn: 0xfffffffe });
    const sent = [0, 1, 2, 3].map((i) => data(s.send(apdu(i), 0))[0]!);
    expect(sent.map((p) => p.sqn)).toEqual([0xfffffffe, 0xffffffff, 0, 1]);
    expect(sent.map((p) => p.trail)).toEqual([0xfffffffe, 0xfffffffe, 0xffffffff, 0]);
    expect(s.lead).toBe(1);
  });

  it("an APDU of exactly maxTsdu goes in one ODATA without options", () => {
    const s = source({ maxTsdu: 120 });
    const packets = data(s.send(apdu(1, 120), 0));
    expect(packets).toHaveLength(1);
    expect(packets[0]!.fragment).toBeUndefined();
    expect(packets[0]!.payload).toEqual(apdu(1, 120));
  });

  it("splits a larger APDU into fragments of maxTsdu-20 with OPT_FRAGMENT (first, offset, length)", () => {
    const s = source({ maxTsdu: 120, initialSqn: 7 });
    s.send(apdu(0, 10), 0); // sqn 7
    const big = apdu(1, 350);
    const raw = s.send(big, 0);
    const packets = data(raw);
    expect(packets.map((p) => p.sqn)).toEqual([8, 9, 10, 11]);
    expect(packets.map((p) => p.fragment)).toEqual([
      { first: 8, offset: 0, length: 350 },
      { first: 8, offset: 100, length: 350 },
      { first: 8, offset: 200, length: 350 },
      { first: 8, offset: 300, length: 350 },
    ]);
    expect(packets.map((p) => p.payload.length)).toEqual([100, 100, 100, 50]);
    for (const p of packets) expect(p.payload).toEqual(big.subarray(p.fragment!.offset, p.fragment!.offset + p.payload.length));
    // Each packet's TSDU and options fit where an unfragmented maxTsdu would: header 16 + data 8 + 120.
    for (const bytes of raw) expect(bytes.length).toBeLessThanOrEqual(16 + 8 + 120);
    // maxTsdu + 1 bytes: two fragments, 100 and 21.
    expect(data(s.send(apdu(2, 121), 0)).map((p) => [p.sqn, p.payload.length, p.fragment?.first])).toEqual([
      [12, 100, 12],
      [13, 21, 12],
    ]);
  });

  it("fragments across the wrap name the first sqn before it", () => {
    const s = source({ maxTsdu: 30, initialSqn: 0xffffffff });
    const packets = data(s.send(apdu(3, 35), 0));
    expect(packets.map((p) => [p.sqn, p.fragment])).toEqual([
      [0xffffffff, { first: 0xffffffff, offset: 0, length: 35 }],
      [0, { first: 0xffffffff, offset: 10, length: 35 }],
      [1, { first: 0xffffffff, offset: 20, length: 35 }],
      [2, { first: 0xffffffff, offset: 30, length: 35 }],
    ]);
  });

  it("rejects an empty APDU (EINVAL) and one past maxApdu (EMSGSIZE), sending nothing", () => {
    const s = source({ maxApdu: 1000 });
    expectCode(() => s.send(new Uint8Array(0), 0), "EINVAL");
    expectCode(() => s.send(new Uint8Array(1001), 0), "EMSGSIZE");
    expect(data(s.send(new Uint8Array(1000), 0)).length).toBe(1);
    expect(s.lead).toBe(0);
    expectCode(() => source().send(new Uint8Array(0x10000), 0), "EMSGSIZE");
    expect(data(source({ maxTsdu: 1400 }).send(new Uint8Array(0xffff), 0)).length).toBe(Math.ceil(0xffff / 1380));
  });

  it("rejects bad options with EINVAL", () => {
    expectCode(() => source({ gsi: new Uint8Array(5) }), "EINVAL");
    expectCode(() => source({ maxTsdu: 20 }), "EINVAL");
    expectCode(() => source({ windowSqns: 0 }), "EINVAL");
  });
});

describe("PgmSource: SPMs", () => {
  it("carries a rising SPM sqn, the trail, the lead and the source's NLA", () => {
    const s = source({ initialSqn: 50, windowSqns: 2 });
    const spm = () => decodePacket(s.spm(0)) as SpmPacket;
    expect(spm()).toEqual({ type: "SPM", sport: SPORT, dport: DPORT, gsi: GSI, sqn: 0, trail: 50, lead: 49, nla: SOURCE_NLA });
    s.send(apdu(0), 0);
    expect(spm()).toMatchObject({ sqn: 1, trail: 50, lead: 50 });
    s.send(apdu(1), 0);
    s.send(apdu(2), 0);
    expect(spm()).toMatchObject({ sqn: 2, trail: 51, lead: 52 });
    const v6 = new PgmSource(sourceOptions({ nla: "2001:db8::5" }));
    expect((decodePacket(v6.spm(0)) as SpmPacket).nla).toBe("2001:db8:0:0:0:0:0:5");
  });

  it("after data: heartbeats at 100, 100, 100, 100, 1300, 7000, 16000, 25000, 30000 ms, then ambient every 30 s", () => {
    const s = source();
    s.spm(0);
    const t0 = 5000;
    s.send(apdu(0), t0);
    expect(s.nextTimeout()).toBe(t0 + 100);
    expect(s.timeout(t0 + 99)).toEqual([]);
    const gaps: number[] = [];
    let at = t0;
    const sqns: number[] = [];
    for (let i = 0; i < HEARTBEAT_SPM.length + 2; i++) {
      const next = s.nextTimeout();
      gaps.push(next - at);
      at = next;
      const out = decodeAll(s.timeout(at));
      expect(out).toHaveLength(1);
      expect(out[0]).toMatchObject({ type: "SPM", lead: 0 });
      sqns.push((out[0] as SpmPacket).sqn);
    }
    expect(gaps).toEqual([...HEARTBEAT_SPM, AMBIENT_SPM, AMBIENT_SPM]);
    expect(gaps.slice(0, 6)).toEqual([100, 100, 100, 100, 1300, 7000]);
    expect(sqns).toEqual(sqns.map((_, i) => i + 1));
  });

  it("more data during the heartbeats starts them over", () => {
    const s = source();
    s.send(apdu(0), 0);
    s.timeout(100);
    s.timeout(200);
    s.send(apdu(1), 250);
    expect(s.nextTimeout()).toBe(350);
    const spm = decodePacket(s.timeout(350)[0]!) as SpmPacket;
    expect(spm.lead).toBe(1);
    expect(s.nextTimeout()).toBe(450);
  });

  it("an idle source sends ambient SPMs every 30 s, not heartbeats", () => {
    const s = source();
    s.spm(1000); // the SPM a transport sends at start
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      const at = s.nextTimeout();
      expect(s.timeout(at)).toHaveLength(1);
      times.push(at);
    }
    expect(times).toEqual([31_000, 61_000, 91_000, 121_000]);
  });

  it("uses configured intervals", () => {
    const s = source({ ambientSpm: 1000, heartbeatSpm: [10, 20] });
    s.send(apdu(0), 0);
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      times.push(s.nextTimeout());
      s.timeout(s.nextTimeout());
    }
    expect(times).toEqual([10, 30, 1030, 2030]);
  });

  it("answers an SPMR for its session with an SPM, and ignores one for another session", () => {
    const s = source();
    s.send(apdu(0), 0);
    const reply = decodeAll(s.handle(decodePacket(encodeSpmr({ sport: DPORT, dport: SPORT, gsi: GSI })), 10));
    expect(reply).toEqual([{ type: "SPM", sport: SPORT, dport: DPORT, gsi: GSI, sqn: 0, trail: 0, lead: 0, nla: SOURCE_NLA }]);
    expect(s.handle(decodePacket(encodeSpmr({ sport: DPORT, dport: SPORT + 1, gsi: GSI })), 10)).toEqual([]);
    expect(s.handle(decodePacket(encodeSpmr({ sport: DPORT, dport: SPORT, gsi: Uint8Array.of(1, 2, 3, 4, 5, 7) })), 10)).toEqual([]);
  });
});

describe("PgmSource: repairs", () => {
  /** A source that sent APDUs 0..n-1 (one packet each) at time 0. */
  function sent(n: number, over: Partial<SourceOptions> = {}): PgmSource {
    const s = source(over);
    for (let i = 0; i < n; i++) s.send(apdu(i, 20 + i), 0);
    return s;
  }

  it("answers a NAK with an NCF listing the sqns, then RDATA of each with the same payload", () => {
    const s = sent(5, { initialSqn: 200 });
    const out = decodeAll(s.handle(nak([201, 203]), 1000));
    expect(out[0]).toEqual({
      type: "NCF",
      sport: SPORT,
      dport: DPORT,
      gsi: GSI,
      sqns: [201, 203],
      sourceNla: SOURCE_NLA,
      groupNla: GROUP,
    } satisfies NakPacket);
    expect(out.slice(1)).toEqual([
      { type: "RDATA", sport: SPORT, dport: DPORT, gsi: GSI, sqn: 201, trail: 200, fragment: undefined, payload: apdu(1, 21) },
      { type: "RDATA", sport: SPORT, dport: DPORT, gsi: GSI, sqn: 203, trail: 200, fragment: undefined, payload: apdu(3, 23) },
    ]);
  });

  it("repairs a fragment with its OPT_FRAGMENT", () => {
    const s = source({ maxTsdu: 120 });
    const odata = data(s.send(apdu(9, 300), 0));
    const out = decodeAll(s.handle(nak([1]), 100));
    expect(out.map((p) => p.type)).toEqual(["NCF", "RDATA"]);
    expect(out[1]).toEqual({ ...odata[1]!, type: "RDATA" });
  });

  it("ignores NAKs for another GSI or port, NCFs and NNAKs, and sqns outside the window", () => {
    const s = sent(5, { windowSqns: 3 }); // window holds 2..4
    expect(s.handle(nak([3], { gsi: Uint8Array.of(6, 5, 4, 3, 2, 1) }), 0)).toEqual([]);
    expect(s.handle(nak([3], { dport: SPORT + 1 }), 0)).toEqual([]);
    expect(s.handle(nak([3], { sport: DPORT + 1 }), 0)).toEqual([]);
    expect(s.handle(nak([3], { type: "NNAK" }), 0)).toEqual([]);
    expect(s.handle(nak([3], { type: "NCF" }), 0)).toEqual([]);
    expect(s.handle(nak([0, 1, 5, 6, 0xffffffff]), 0)).toEqual([]);
    const out = decodeAll(s.handle(nak([1, 2, 4, 5]), 0));
    expect(out[0]).toMatchObject({ type: "NCF", sqns: [2, 4] });
    expect(out.slice(1).map((p) => (p as DataPacket).sqn)).toEqual([2, 4]);
  });

  it("a repeated NAK within 50 ms gets an NCF but no second RDATA; after 50 ms it gets one", () => {
    const s = sent(5);
    expect(decodeAll(s.handle(nak([2]), 1000)).map((p) => p.type)).toEqual(["NCF", "RDATA"]);
    expect(decodeAll(s.handle(nak([2]), 1049)).map((p) => p.type)).toEqual(["NCF"]);
    expect(decodeAll(s.handle(nak([2, 3]), 1049)).map((p) => [p.type, (p as DataPacket).sqn])).toEqual([
      ["NCF", undefined],
      ["RDATA", 3],
    ]);
    expect(decodeAll(s.handle(nak([2]), 1050)).map((p) => p.type)).toEqual(["NCF", "RDATA"]);
  });

  it("the repair token bucket limits a NAK storm, and refills with time", () => {
    const s = sent(1000, { repairRate: 100 });
    const rdata = (first: number, now: number) =>
      decodeAll(s.handle(nak(Array.from({ length: 63 }, (_, i) => first + i)), now)).filter((p) => p.type === "RDATA").length;
    const t = 10_000;
    // 5 NAKs of 63 distinct sqns at once: NCFs for all, RDATA for the bucket's 100.
    const storm = [0, 63, 126, 189, 252].map((first) => rdata(first, t));
    expect(storm).toEqual([63, 37, 0, 0, 0]);
    // 100 ms later: 10 more tokens.
    expect(rdata(400, t + 100)).toBe(10);
    expect(rdata(500, t + 100)).toBe(0);
    // A second later the bucket is full again, but holds no more than 100.
    expect(rdata(600, t + 5000) + rdata(700, t + 5000)).toBe(100);
    // Every NAK still got its NCF.
    expect(decodeAll(s.handle(nak([900]), t + 5000)).map((p) => p.type)).toEqual(["NCF"]);
  });

  it("repairs with the payload of the sqn asked for, also once sqns wrapped past 2^32 (window not a power of two)", () => {
    // 2^32 mod 100 = 96: sqn 2^32-8 and sqn 88 are 96 apart, both in a window of 100.
    const s = source({ windowSqns: 100, initialSqn: 0xfffffff8 });
    for (let i = 0; i < 97; i++) s.send(apdu(i), 0);
    const out = decodeAll(s.handle(nak([0xfffffff8, 0xfffffffa, 88]), 10));
    expect(out.slice(1)).toEqual([
      expect.objectContaining({ type: "RDATA", sqn: 0xfffffff8, payload: apdu(0) }),
      expect.objectContaining({ type: "RDATA", sqn: 0xfffffffa, payload: apdu(2) }),
      expect.objectContaining({ type: "RDATA", sqn: 88, payload: apdu(96) }),
    ]);
  });
});
