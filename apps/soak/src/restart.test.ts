// Peers killed with SIGKILL and restarted mid-stream, 20 times each way:
// never a duplicate, a reordering or a partial multipart message; losses
// (messages in the killed process's buffers) are counted and printed.
import { describe, expect, it } from "vitest";
import { restartScenario } from "./restart.js";

describe("a Pull killed and restarted 20 times while a Push sends numbered multipart messages", () => {
  it.each(["bind", "connect"] as const)(
    "the Pull in the child %ss: no duplicate, no partial message, in order",
    async (childSide) => {
      const f = await restartScenario({ childSide, restarts: 20, perIncarnation: 200 });
      expect(f.duplicates).toBe(0);
      expect(f.reordered).toBe(0);
      expect(f.partial).toBe(0);
      expect(f.received).toBeGreaterThanOrEqual(21 * 200);
    },
    120_000,
  );
});
