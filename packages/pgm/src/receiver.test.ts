// PgmReceiver: delivery, joining a source, the NAK it sends, the bounds on
// what it keeps (window, peers, expiry), and malformed or far-off input.
// Driven by a PgmSource through the simulated network of test-support/sim.ts,
// or fed packets directly; the clock is the `now` passed in.
import { describe, expect, it } from "vitest";
import { type Fragment, type NakPacket, type PgmPacket, decodePacket, encodeData, encodeSpm, tsiKey } from "./packet.js";
import { type ReceiverOptions, PgmReceiver } from "./receiver.js";
import { DPORT, GROUP, GSI, SOURCE_NLA, SPORT, Sim, apdu } from "./test-support/sim.js";

/** A receiver fed by hand: what it hands over and sends is recorded; reporting loss forever fails. */
function direct(over: Partial<ReceiverOptions> = {}) {
  const log: (string | Uint8Array)[] = [];
  const sent: { nla: string; packet: NakPacket }[] = [];
  let losses = 0;
  const r = new PgmReceiver(
    { dport: DPORT, group: GROUP, windowSqns: 100, random: () => 0.5, ...over },
    {
      data: (_tsi, a) => log.push(a),
      loss: () => {
        if (++losses > 10_000) throw new Error("loss reported over and over");
        log.push("loss");
      },
      send: (nla, bytes) => sent.push({ nla, packet: decodePacket(bytes) as NakPacket }),
    },
  );
  return { r, log, sent };
}

function odata(
  sqn: number,
  trail: number,
  payload: Uint8Array,
  fragment?: Fragment,
  over: { gsi?: Uint8Array; sport?: number; dport?: number } = {},
): PgmPacket {
  return decodePacket(
    encodeData({ type: "ODATA", sport: SPORT, dport: DPORT, gsi: GSI, sqn: sqn >>> 0, trail: trail >>> 0, fragment, payload, ...over }),
  );
}

function spm(lead: number, trail: number, nla = SOURCE_NLA, over: { gsi?: Uint8Array } = {}): PgmPacket {
  return decodePacket(encodeSpm({ sport: SPORT, dport: DPORT, gsi: GSI, sqn: 0, trail: trail >>> 0, lead: lead >>> 0, nla, ...over }));
}

/** The log with each run of losses (one per sqn lost) as one. */
const gaps = (log: (string | Uint8Array)[]) => log.filter((e, i) => e !== "loss" || log[i - 1] !== "loss");

/** Runs the receiver's timers until `until`, as a transport would. */
function tick(r: PgmReceiver, until: number): void {
  for (let guard = 0; guard < 100_000; guard++) {
    const next = r.nextTimeout();
    if (next === undefined || next > until) return;
    r.timeout(next);
  }
  throw new Error("timers did not settle");
}

describe("PgmReceiver: delivery and joining", () => {
  it("delivers APDUs in order, tagged with the source's TSI", () => {
    const tsis: string[] = [];
    const r = new PgmReceiver({ dport: DPORT, group: GROUP, windowSqns: 100 }, { data: (tsi) => tsis.push(tsi), loss: () => {}, send: () => {} });
    r.receive(odata(0, 0, apdu(0)), SOURCE_NLA, 0);
    expect(tsis).toEqual([tsiKey(GSI, SPORT)]);

    const sim = new Sim();
    for (let i = 0; i < 50; i++) sim.send(apdu(i, 1 + i * 3));
    sim.run(1000);
    expect(sim.delivered).toEqual(Array.from({ length: 50 }, (_, i) => apdu(i, 1 + i * 3)));
    expect(sim.losses).toBe(0);
    expect(sim.naks).toEqual([]);
    expect(sim.receiver.peerCount).toBe(1);
  });

  it("a late joiner starts at the first data packet it hears, asking for nothing before", () => {
    const sim = new Sim();
    sim.drop = () => true; // not listening yet: the start SPM and APDUs 0..4 pass it by
    sim.run(0);
    for (let i = 0; i < 5; i++) sim.send(apdu(i));
    sim.run(50);
    sim.drop = () => false;
    for (let i = 5; i < 10; i++) sim.send(apdu(i));
    sim.run(60_000); // heartbeat SPMs (lead 9, trail 0) come and go
    expect(sim.delivered).toEqual([5, 6, 7, 8, 9].map((i) => apdu(i)));
    expect(sim.losses).toBe(0);
    expect(sim.naks).toEqual([]);
  });

  it("after an SPM first, it starts at the SPM's lead + 1 (and asks for what follows it)", () => {
    const sim = new Sim();
    sim.drop = () => true;
    sim.run(0);
    for (let i = 0; i < 5; i++) sim.send(apdu(i));
    sim.drop = () => false;
    sim.spm(); // lead 4
    sim.run(5);
    // ODATA 5 is lost: the receiver knows to NAK it once 6 comes, since it joined at 5.
    sim.drop = (dir, p) => p.type === "ODATA" && p.sqn === 5;
    for (let i = 5; i < 8; i++) sim.send(apdu(i));
    sim.drop = () => false;
    // A repair of 3 for someone else reaches it too: before its start, ignored.
    const nak3: PgmPacket = { type: "NAK", sport: DPORT, dport: SPORT, gsi: GSI, sqns: [3], sourceNla: SOURCE_NLA, groupNla: GROUP };
    const repair = sim.source.handle(nak3, sim.now);
    expect(repair.map((b) => decodePacket(b).type)).toEqual(["NCF", "RDATA"]);
    for (const reply of repair) sim.transmit("down", reply);
    sim.run(1000);
    expect(sim.delivered).toEqual([5, 6, 7].map((i) => apdu(i)));
    expect(sim.naks.map((n) => n.packet.sqns)).toEqual([[5]]);
    expect(sim.losses).toBe(0);
    const { r, log } = direct();
    r.receive(spm(4, 0), SOURCE_NLA, 0);
    r.receive(odata(3, 0, apdu(3)), SOURCE_NLA, 1);
    r.receive(odata(5, 0, apdu(5)), SOURCE_NLA, 2);
    expect(log).toEqual([apdu(5)]);
  });

  it("ignores packets for another dport, NAKs/SPMRs, and NCFs of a source it does not know", () => {
    const { r, log } = direct();
    r.receive(odata(0, 0, apdu(0), undefined, { dport: DPORT + 1 }), SOURCE_NLA, 0);
    r.receive(spm(9, 0, SOURCE_NLA), SOURCE_NLA, 0);
    expect(r.peerCount).toBe(1); // the SPM's source
    const other = Uint8Array.of(7, 7, 7, 7, 7, 7);
    r.receive(odata(0, 0, apdu(1), undefined, { gsi: other, dport: DPORT + 1 }), SOURCE_NLA, 0);
    r.receive({ type: "NCF", sport: SPORT, dport: DPORT, gsi: other, sqns: [1], sourceNla: SOURCE_NLA, groupNla: GROUP }, SOURCE_NLA, 0);
    r.receive({ type: "NAK", sport: DPORT, dport: SPORT, gsi: other, sqns: [1], sourceNla: SOURCE_NLA, groupNla: GROUP }, SOURCE_NLA, 0);
    r.receive({ type: "SPMR", sport: DPORT, dport: SPORT, gsi: other }, SOURCE_NLA, 0);
    r.receive({ type: "OTHER", sport: SPORT, dport: DPORT, gsi: other, code: 1 }, SOURCE_NLA, 0);
    expect(r.peerCount).toBe(1);
    expect(log).toEqual([]);
  });
});

describe("PgmReceiver: the NAK", () => {
  it("goes to the source's address with ports swapped, its GSI, the NLAs and the missing sqns", () => {
    const sim = new Sim({ source: { nla: "10.0.0.9" }, receiver: { random: () => 0.5 } });
    sim.spm();
    sim.run(1);
    sim.drop = (dir, p) => p.type === "ODATA" && (p.sqn === 2 || p.sqn === 4);
    for (let i = 0; i < 6; i++) sim.send(apdu(i));
    sim.drop = () => false;
    sim.run(1000);
    expect(sim.naks).toHaveLength(1);
    const { nla, packet, at } = sim.naks[0]!;
    expect(nla).toBe("10.0.0.9"); // the SPM's NLA, not the address packets came from
    expect(packet).toEqual({ type: "NAK", sport: DPORT, dport: SPORT, gsi: GSI, sqns: [2, 4], sourceNla: "10.0.0.9", groupNla: GROUP });
    // The gaps were seen when ODATA 3 and 5 arrived (t=2); the back-off is random() * nakBackoff (50 ms).
    expect(at).toBe(2 + 25);
    expect(sim.delivered).toEqual([0, 1, 2, 3, 4, 5].map((i) => apdu(i)));
  });

  it("without an SPM, NAKs go to the address data came from", () => {
    const { r, sent } = direct({ random: () => 0 });
    r.receive(odata(0, 0, apdu(0)), "192.168.1.7", 0);
    r.receive(odata(2, 0, apdu(2)), "192.168.1.7", 1);
    tick(r, 1);
    expect(sent.map((s) => [s.nla, s.packet.sourceNla, s.packet.sqns])).toEqual([["192.168.1.7", "192.168.1.7", [1]]]);
  });

  it("splits more than 63 missing sqns into NAKs of at most 63, in sqn order", () => {
    const { r, sent } = direct({ random: () => 0, windowSqns: 1000 });
    r.receive(odata(0, 0, apdu(0)), SOURCE_NLA, 0);
    r.receive(odata(151, 0, apdu(151)), SOURCE_NLA, 1);
    tick(r, 1);
    expect(sent.map((s) => s.packet.sqns.length)).toEqual([63, 63, 24]);
    expect(sent.flatMap((s) => s.packet.sqns)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
  });
});

describe("PgmReceiver: bounds", () => {
  it("a jump of ~2^31 or 10 windows neither loops nor grows: at most a window is asked for, later data is delivered", () => {
    for (const jump of [0x7fff0000, 1000]) {
      const { r, log, sent } = direct({ random: () => 0 });
      r.receive(odata(0, 0, apdu(0)), SOURCE_NLA, 0);
      r.receive(odata(jump, 0, apdu(1)), SOURCE_NLA, 1);
      expect(log).toEqual([apdu(0), "loss"]); // what fell out of the window is gone at once
      tick(r, 1);
      const asked = sent.flatMap((s) => s.packet.sqns);
      expect(asked).toEqual(Array.from({ length: 99 }, (_, i) => jump - 99 + i));
      // The source's trail says the rest is gone too; data goes on.
      r.receive(odata(jump + 1, jump, apdu(2)), SOURCE_NLA, 2);
      expect(gaps(log)).toEqual([apdu(0), "loss", apdu(1), apdu(2)]);
      r.receive(odata(jump + 2, jump, apdu(3)), SOURCE_NLA, 3);
      expect(log.at(-1)).toEqual(apdu(3));
      expect(r.nextTimeout()).toBe(3 + 300_000); // nothing pending but peer expiry
    }
  });

  it("a sqn exactly 2^31 ahead reads as old and is ignored", () => {
    const { r, log, sent } = direct();
    r.receive(odata(5, 5, apdu(0)), SOURCE_NLA, 0);
    r.receive(odata(5 + 0x80000000, 5, apdu(1)), SOURCE_NLA, 1);
    r.receive(odata(6, 5, apdu(2)), SOURCE_NLA, 2);
    tick(r, 1000);
    expect(log).toEqual([apdu(0), apdu(2)]);
    expect(sent).toEqual([]);
  });

  it("tracks at most maxPeers sources; another joins once one expires", () => {
    const { r, log } = direct({ maxPeers: 2, peerExpiry: 1000 });
    const gsi = (n: number) => Uint8Array.of(0, 0, 0, 0, 0, n);
    r.receive(odata(0, 0, apdu(1), undefined, { gsi: gsi(1) }), SOURCE_NLA, 0);
    r.receive(odata(0, 0, apdu(2), undefined, { gsi: gsi(2) }), SOURCE_NLA, 500);
    r.receive(odata(0, 0, apdu(3), undefined, { gsi: gsi(3) }), SOURCE_NLA, 500);
    r.receive(odata(0, 0, apdu(4), undefined, { sport: SPORT + 1, gsi: gsi(1) }), SOURCE_NLA, 500); // another TSI: same GSI, another port
    expect(r.peerCount).toBe(2);
    expect(log).toEqual([apdu(1), apdu(2)]);
    tick(r, 1000); // source 1 (last heard at 0) expires
    expect(r.peerCount).toBe(1);
    r.receive(odata(7, 0, apdu(3), undefined, { gsi: gsi(3) }), SOURCE_NLA, 1001);
    expect(r.peerCount).toBe(2);
    expect(log).toEqual([apdu(1), apdu(2), apdu(3)]);
  });

  it("forgets a source silent for peerExpiry, then joins it afresh", () => {
    const { r, log, sent } = direct({ peerExpiry: 1000, random: () => 0 });
    r.receive(odata(0, 0, apdu(0)), SOURCE_NLA, 0);
    r.receive(odata(2, 0, apdu(2)), SOURCE_NLA, 10); // 1 missing
    expect(r.nextTimeout()).toBe(10);
    tick(r, 1009);
    expect(r.peerCount).toBe(1);
    tick(r, 1010);
    expect(r.peerCount).toBe(0);
    expect(r.nextTimeout()).toBeUndefined();
    const naks = sent.length;
    r.receive(odata(50, 0, apdu(50)), SOURCE_NLA, 2000);
    tick(r, 5000);
    expect(log).toEqual([apdu(0), apdu(50)]);
    expect(sent.length).toBe(naks); // nothing asked for before 50
  });

  it("an APDU whose first fragment claims an offset other than 0 is dropped, not looped on", () => {
    const { r, log } = direct();
    r.receive(odata(0, 0, apdu(0)), SOURCE_NLA, 0);
    r.receive(odata(1, 0, apdu(1, 10), { first: 1, offset: 10, length: 100 }), SOURCE_NLA, 1);
    r.receive(odata(2, 0, apdu(2)), SOURCE_NLA, 2);
    expect(log).toEqual([apdu(0), "loss", apdu(2)]);
  });

  it("fragments that do not add up (length changes mid-APDU, or larger than maxApdu) are dropped", () => {
    const { r, log } = direct({ maxApdu: 1000 });
    r.receive(odata(0, 0, apdu(0, 10), { first: 0, offset: 0, length: 20 }), SOURCE_NLA, 0);
    r.receive(odata(1, 0, apdu(0, 10), { first: 0, offset: 10, length: 30 }), SOURCE_NLA, 1);
    r.receive(odata(2, 0, apdu(2, 10), { first: 2, offset: 0, length: 2000 }), SOURCE_NLA, 2); // past maxApdu: ignored, a gap
    r.receive(odata(3, 0, apdu(3)), SOURCE_NLA, 3);
    r.receive(odata(4, 4, apdu(4)), SOURCE_NLA, 4); // trail 4: 2 is gone
    expect(log.filter((e) => e !== "loss")).toEqual([apdu(3), apdu(4)]);
    expect(log.filter((e) => e === "loss").length).toBeGreaterThanOrEqual(2);
  });
});
