// Randomized simulation under a fixed seed: a PgmSource and a PgmReceiver
// over a network that drops 1-5% of packets in both directions (data, SPMs,
// NAKs, NCFs, repairs alike) and reorders them (latency 1-5 ms per packet,
// APDUs sent every ms). Every APDU must arrive in order, exactly once, with
// no loss reported. PGM_SIM_SEED picks another seed, PGM_SIM_APDUS a length.
import { describe, expect, it } from "vitest";
import type { DataPacket } from "./packet.js";
import { Sim, apdu, prng } from "./test-support/sim.js";

const SEED = Number(process.env.PGM_SIM_SEED ?? 20240611) >>> 0;
const APDUS = Number(process.env.PGM_SIM_APDUS ?? 20_000);

function simulate(seed: number, initialSqn: number) {
  const rnd = prng(seed);
  const sim = new Sim({
    seed: seed ^ 0xabcdef,
    // Windows not a power of two: 2^32 is not a multiple of them.
    source: { windowSqns: 3000, maxTsdu: 120, initialSqn },
    receiver: { windowSqns: 3000 },
  });
  // The drop rate drifts between 1% and 5%, a new rate every 500 APDUs.
  let rate = 0.01;
  // What goes out at 0 (the start SPM, then APDU 0) arrives in order: a receiver
  // joins at the first packet it hears, so a reordered start would be a late join.
  sim.drop = () => sim.now > 0 && rnd() < rate;
  sim.latency = () => (sim.now > 0 ? 1 + Math.floor(rnd() * 5) : 1);
  sim.run(0);
  const sent: Uint8Array[] = [];
  for (let i = 0; i < APDUS; i++) {
    if (i % 500 === 0) rate = 0.01 + 0.04 * rnd();
    // Mostly small; one in ten needs 2-4 fragments (100 bytes each). 4 bytes at least: each names its index, so no two are alike.
    const size = rnd() < 0.1 ? 121 + Math.floor(rnd() * 280) : 4 + Math.floor(rnd() * 117);
    const a = apdu(i, size);
    sent.push(a);
    sim.send(a);
    sim.run(sim.now + 1);
  }
  sim.run(sim.now + 20_000); // the tail: heartbeat SPMs reveal and repair the last losses
  return { sim, sent };
}

function expectExactly(sim: Sim, sent: Uint8Array[]): void {
  expect(sim.losses).toBe(0);
  const got = sim.delivered;
  expect(got.length).toBe(sent.length);
  // Compare one by one to report the first difference, not 20,000 arrays.
  for (let i = 0; i < sent.length; i++) {
    if (got[i]!.length !== sent[i]!.length || got[i]!.some((b, j) => b !== sent[i]![j])) throw new Error(`APDU ${i} differs`);
  }
}

describe("randomized simulation", () => {
  it(`${APDUS} APDUs through 1-5% loss and reordering both ways arrive in order, exactly once`, () => {
    const { sim, sent } = simulate(SEED, 0);
    expectExactly(sim, sent);
    // The run was not trivially clean: losses in every kind of packet, repairs, reordering.
    const dropped = (type: string) => sim.wire.filter((t) => t.dropped && t.packet.type === type).length;
    expect(dropped("ODATA")).toBeGreaterThan(APDUS / 200);
    expect(dropped("NAK")).toBeGreaterThan(0);
    expect(dropped("NCF")).toBeGreaterThan(0);
    expect(dropped("RDATA")).toBeGreaterThan(0);
    expect(sim.naks.length).toBeGreaterThan(APDUS / 200);
    expect(sim.reordered).toBeGreaterThan(APDUS / 100);
    const repaired = new Set(sim.wire.filter((t) => !t.dropped && t.packet.type === "RDATA").map((t) => (t.packet as DataPacket).sqn));
    expect(repaired.size).toBeGreaterThan(APDUS / 200);
    expect(sim.inFlight).toBe(0);
    expect(sim.receiver.nextTimeout()! - sim.now).toBeGreaterThan(250_000); // settled: only peer expiry left
  });

  it("the same across the 32-bit wrap (initialSqn 2^32 - 5000)", () => {
    const { sim, sent } = simulate(SEED + 1, 0xffffffff - 4999);
    expectExactly(sim, sent);
    expect(sim.source.lead).toBeLessThan(0x80000000); // it did wrap
  });
});
