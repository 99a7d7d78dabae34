// Hostile raw clients (random bytes, a greeting then garbage, 2^62-byte
// frames, the wrong Socket-Type, one byte per 50 ms, instant close) mixed
// with a good stream on Pull, Router and Sub.
import { describe, expect, it } from "vitest";
import { MiB } from "./util.js";
import { hostileScenario } from "./hostile.js";

describe("hostile clients mixed with a good stream", () => {
  it.each(["Pull", "Router", "Sub"] as const)(
    "%s: the good stream arrives whole and in order, the process stays up, memory bounded",
    async (target) => {
      const f = await hostileScenario({ target, messages: 20_000, perRound: 10 });
      expect(f.reordered).toBe(0);
      expect(f.partial).toBe(0);
      // Push and Dealer lose nothing; a Pub may drop at its HWM when the Sub is slow.
      if (target !== "Sub") expect(f.lost).toBe(0);
      expect(f.hostileClients).toBeGreaterThan(50);
      // Every hostile connection is gone once closed; what is left is not per connection.
      expect(f.heapGrowth).toBeLessThan(16 * MiB);
    },
    120_000,
  );
});
