// PgmReceiver loss recovery, driven by a PgmSource through the simulated
// network (test-support/sim.ts): 1 ms latency, a fake clock, a drop function.
// The receiver's back-off is random() * 50 ms with random() = 0.4: 20 ms.
import { describe, expect, it } from "vitest";
import type { NakPacket, PgmPacket } from "./packet.js";
import { type Direction, type SimConfig, Sim, apdu, dataSqn } from "./test-support/sim.js";

const BACKOFF = 20;

function sim(config: SimConfig = {}): Sim {
  const s = new Sim({ ...config, receiver: { random: () => 0.4, ...config.receiver } });
  s.run(0); // the SPM at start: the receiver joins at the first sqn
  return s;
}

/** Drops the first `times` transmissions of data packets with these sqns (ODATA and RDATA alike). */
function dropData(sqns: number[], times = 1): (dir: Direction, p: PgmPacket) => boolean {
  const seen = new Map<number, number>();
  return (_dir, p) => {
    const sqn = dataSqn(p);
    if (sqn === undefined || !sqns.includes(sqn)) return false;
    seen.set(sqn, (seen.get(sqn) ?? 0) + 1);
    return seen.get(sqn)! <= times;
  };
}

/** The log as [what, when] pairs: APDUs by their id (first 4 bytes), losses as "loss". */
function timeline(s: Sim): [number | string, number][] {
  return s.log.map((e) => [e.kind === "loss" ? "loss" : new DataView(e.apdu.buffer, e.apdu.byteOffset).getUint32(0), e.at]);
}

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe("PgmReceiver recovery", () => {
  it("NAKs lost ODATA after the back-off, gets RDATA, delivers in order", () => {
    const s = sim();
    s.drop = dropData([3]);
    for (const i of ids(10)) s.send(apdu(i));
    s.run(1000);
    expect(s.naks.map((n) => [n.at, n.packet.sqns])).toEqual([[1 + BACKOFF, [3]]]);
    expect(s.sent((t) => t.packet.type === "NCF").map((t) => [t.at, (t.packet as NakPacket).sqns])).toEqual([[22, [3]]]);
    expect(s.sent((t) => t.packet.type === "RDATA").map((t) => dataSqn(t.packet))).toEqual([3]);
    // 0..2 at once; 3 and what waited behind it when the RDATA arrives.
    expect(timeline(s)).toEqual([...ids(3).map((i) => [i, 1]), ...ids(7, 3).map((i) => [i, 23])]);
  });

  it("an NCF holds off the next NAK until nakRdata; with no NCF it comes after nakRepeat", () => {
    const run = (dropNcf: boolean) => {
      const s = sim({ receiver: { nakRepeat: 200, nakRdata: 500 } });
      const first = dropData([3]);
      s.drop = (dir, p) => first(dir, p) || (p.type === "RDATA" && s.naks.length < 2) || (dropNcf && p.type === "NCF");
      for (const i of ids(6)) s.send(apdu(i));
      s.run(3000);
      expect(s.delivered).toEqual(ids(6).map((i) => apdu(i)));
      expect(s.losses).toBe(0);
      return s.naks.map((n) => n.at);
    };
    // NAK at 21; the NCF arrives at 23: RDATA awaited until 523, then a back-off.
    expect(run(false)).toEqual([21, 523 + BACKOFF]);
    // No NCF: the NAK is repeated nakRepeat after it was sent, after a back-off.
    expect(run(true)).toEqual([21, 221 + BACKOFF]);
  });

  it("NAK retries exhausted: the gap is reported, the APDUs held behind it and later ones delivered", () => {
    for (const lose of ["ncf", "rdata"] as const) {
      const s = sim({ receiver: { nakNcfRetries: 2, nakDataRetries: 2 } });
      // "ncf": the NAKs never arrive (NCF retries run out); "rdata": NCFs come, the data never does.
      s.drop = (_dir, p) => dataSqn(p) === 3 || (lose === "ncf" && p.type === "NAK");
      for (const i of ids(10)) s.send(apdu(i));
      s.run(5000);
      expect(s.naks.map((n) => n.packet.sqns)).toEqual([[3], [3], [3]]); // the first and two retries
      const lossAt = s.log.find((e) => e.kind === "loss")!.at;
      expect(lossAt).toBeGreaterThan(s.naks[2]!.at);
      expect(timeline(s)).toEqual([...ids(3).map((i) => [i, 1]), ["loss", lossAt], ...ids(6, 4).map((i) => [i, lossAt])]);
      for (const i of ids(3, 10)) s.send(apdu(i));
      s.run(6000);
      expect(s.delivered).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((i) => apdu(i)));
      expect(s.losses).toBe(1);
    }
  });

  it("the source's trail passing a missing sqn is a loss at once", () => {
    const s = sim({ source: { windowSqns: 5 } });
    s.drop = (_dir, p) => dataSqn(p) === 3 || p.type === "NAK";
    for (const i of ids(5)) s.send(apdu(i));
    s.run(10);
    for (const i of ids(4, 5)) s.send(apdu(i)); // sqn 8 carries trail 4
    s.run(11);
    expect(timeline(s)).toEqual([...ids(3).map((i) => [i, 1]), ["loss", 11], ...ids(5, 4).map((i) => [i, 11])]);
    const naks = s.naks.length;
    s.run(5000);
    expect(s.naks.length).toBe(naks); // nothing more asked for 3
    expect(s.losses).toBe(1);
  });

  it("tail loss: a heartbeat SPM's lead reveals the last ODATA was lost", () => {
    const s = sim();
    s.drop = dropData([9]);
    for (const i of ids(10)) s.send(apdu(i));
    s.run(100);
    expect(s.naks).toEqual([]); // nothing says 9 exists yet
    expect(s.delivered.length).toBe(9);
    s.run(1000);
    // Heartbeat SPM at 100 (lead 9) arrives at 101; NAK after the back-off; RDATA at 122, here at 123.
    expect(s.naks.map((n) => [n.at, n.packet.sqns])).toEqual([[101 + BACKOFF, [9]]]);
    expect(timeline(s).at(-1)).toEqual([9, 123]);
    expect(s.losses).toBe(0);
  });

  it("an NCF naming sqns past the lead (another receiver's NAK) also reveals loss", () => {
    const s = sim();
    s.drop = dropData([4]);
    for (const i of ids(5)) s.send(apdu(i));
    s.run(5);
    // Another receiver NAKs 4; the NCF (to the group) reaches this one too; the RDATA is lost.
    s.drop = (_dir, p) => p.type === "RDATA" && s.naks.length === 0;
    for (const reply of s.source.handle(
      { type: "NAK", sport: 5555, dport: 4000, gsi: Uint8Array.of(1, 2, 3, 4, 5, 6), sqns: [4], sourceNla: "10.0.0.1", groupNla: "239.192.1.1" },
      s.now,
    )) {
      s.transmit("down", reply);
    }
    s.run(40);
    expect(s.naks).toEqual([]); // waiting for the RDATA the NCF promised (nakRdata)
    s.run(2000);
    expect(s.naks.map((n) => n.packet.sqns)).toEqual([[4]]);
    expect(s.delivered).toEqual(ids(5).map((i) => apdu(i)));
  });
});

describe("PgmReceiver recovery: fragmented APDUs", () => {
  // maxTsdu 120: fragments carry 100 bytes. APDU 1 is sqns 1-4, APDU 3 is sqns 6-8 (100, 100, 1 bytes).
  const SIZES = [50, 350, 100, 201, 10];
  const sent = () => SIZES.map((size, i) => apdu(i, size));

  function fragmented(drop: (dir: Direction, p: PgmPacket) => boolean, retries = 50): Sim {
    const s = sim({ source: { maxTsdu: 120 }, receiver: { nakNcfRetries: retries, nakDataRetries: retries } });
    s.drop = drop;
    for (const a of sent()) s.send(a);
    s.run(10_000);
    return s;
  }

  it("puts fragments back together", () => {
    const s = fragmented(() => false);
    expect(s.delivered).toEqual(sent());
    expect(s.sent((t) => t.packet.type === "ODATA").length).toBe(10);
  });

  it("with a fragment lost and repaired", () => {
    for (const sqn of [1, 3, 4, 6, 8]) {
      const s = fragmented(dropData([sqn]));
      expect(s.naks.flatMap((n) => n.packet.sqns)).toEqual([sqn]);
      expect(s.delivered).toEqual(sent());
      expect(s.losses).toBe(0);
    }
  });

  it("drops the APDU, with one loss, when a fragment is lost for good (first, middle or last)", () => {
    for (const sqn of [1, 3, 4]) {
      const s = fragmented(dropData([sqn], Infinity), 1);
      expect(s.delivered).toEqual(sent().filter((_, i) => i !== 1));
      expect(s.losses).toBe(1);
    }
  });

  it("the trail passing an APDU's first fragments, held here, does not drop it while the rest can be repaired", () => {
    // Source window 6: APDU 0 is sqns 0-3; with APDUs 1-4 (sqns 4-7) sent too, the trail moves to 2, past sqn 0 and 1.
    const s = sim({ source: { maxTsdu: 120, windowSqns: 6 } });
    s.drop = dropData([3]);
    const apdus = [apdu(0, 350), ...ids(4, 1).map((i) => apdu(i))];
    for (const a of apdus) s.send(a);
    s.run(1000);
    expect(s.naks.map((n) => n.packet.sqns)).toEqual([[3]]);
    expect(s.delivered).toEqual(apdus);
    expect(s.losses).toBe(0);
  });

  it("joining mid-APDU skips the partial APDU without calling it a loss", () => {
    const s = new Sim({ source: { maxTsdu: 120 } });
    s.drop = (_dir, p) => p.type === "SPM" || (dataSqn(p) ?? 99) < 2; // hears sqns 2 and 3 of APDU 0 first
    s.run(0);
    s.send(apdu(0, 350));
    s.send(apdu(1, 10));
    s.send(apdu(2, 350));
    s.run(60_000);
    expect(s.delivered).toEqual([apdu(1, 10), apdu(2, 350)]);
    expect(s.losses).toBe(0);
    expect(s.naks).toEqual([]);
  });
});

describe("PgmReceiver recovery across the 32-bit wrap", () => {
  it("loses and repairs sqns on both sides of 2^32, fragments spanning it, windows of 100", () => {
    // 2^32 mod 100 = 96: a source keeping sqn % 100 would repair 2^32-8 with sqn 88's payload.
    const s = sim({ source: { initialSqn: 0xfffffff8, windowSqns: 100, maxTsdu: 120 }, receiver: { windowSqns: 100 } });
    const lost = [0xfffffff8, 0xfffffffb, 0xffffffff, 0, 3];
    s.drop = dropData(lost);
    // 91 APDUs at once, 3 of them in 3 fragments: sqns 2^32-8 .. 88.
    const apdus = ids(91).map((i) => apdu(i, i % 30 === 5 ? 250 : 20));
    for (const a of apdus) s.send(a);
    expect(s.source.lead).toBe(88);
    s.run(1000);
    expect(s.naks.map((n) => n.packet.sqns)).toEqual([lost]); // in sqn order across the wrap
    expect(s.delivered).toEqual(apdus);
    // More, with loss again past the wrap, after the window moved on.
    s.drop = dropData([100, 150]);
    const more = ids(70, 91).map((i) => apdu(i, 30));
    for (const a of more) s.send(a);
    s.run(3000);
    expect(s.delivered).toEqual([...apdus, ...more]);
    expect(s.losses).toBe(0);
  });
});
