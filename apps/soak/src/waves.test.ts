// Many connections: 1,000 Dealers on one Router in three waves with flat
// memory after each, and 1,000 Subscribers with distinct topics.
import { describe, expect, it } from "vitest";
import { dealerWaves, topicFanout } from "./waves.js";

describe("many connections", () => {
  it("1,000 Dealers on one Router in 4 waves: every round trip answered, memory flat after each wave", async () => {
    const f = await dealerWaves({ waves: 4, dealers: 1000 });
    // What a wave leaves behind after all its Dealers closed (heap after a full GC) is its
    // own garbage-free state: allow 1 KiB per Dealer of a wave, nothing that grows per wave.
    // The first two waves still grow by code and pools made once (0.5-1 MiB in the second;
    // flat from there over 10 waves), so the reference is the heap after the second.
    const settled = f.memory[2]!.heapUsed;
    for (const m of f.memory.slice(3)) expect(m.heapUsed - settled).toBeLessThan(1000 * 1024);
  }, 120_000);

  it("1,000 Subscribers with distinct topics each get exactly their own message, twice, with flat memory", async () => {
    const first = await topicFanout({ subscribers: 1000 });
    const second = await topicFanout({ subscribers: 1000 });
    for (const f of [first, second]) expect([f.wrong, f.missing]).toEqual([0, 0]);
    // Once they are all gone, nothing per Subscriber is left behind: 2 KiB each would be 2,000 KiB.
    // (Measured right after the last disconnect, part of the Publisher's own close is still pending.)
    expect(second.heapAfter - first.heapAfter).toBeLessThan(2000 * 1024);
  }, 120_000);
});
