// SyncBudget: SYNC_BUDGET (1,024) immediate completions per event-loop turn, then none until
// a macrotask has run; each instance (one per socket) counts on its own.
// afterTurn: resolves on a macrotask, never on a microtask.
import { describe, expect, it } from "vitest";
import { SYNC_BUDGET as BUDGET, SyncBudget, afterTurn } from "./sync-budget.js";

/** Resolves after a macrotask queued now has run (setImmediate runs in FIFO order). */
const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Lets every pending microtask chain run, without letting a macrotask in. */
async function microtasks(n = 50): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/** Calls allowed() n times and counts the true answers. */
function spend(budget: SyncBudget, n: number): number {
  let yes = 0;
  for (let i = 0; i < n; i++) if (budget.allowed()) yes++;
  return yes;
}

describe("SyncBudget", () => {
  it("allows SYNC_BUDGET immediate completions in one turn, then says no", () => {
    const budget = new SyncBudget();
    expect(spend(budget, BUDGET)).toBe(BUDGET);
    expect(budget.allowed()).toBe(false);
    expect(budget.allowed()).toBe(false);
  });

  it("keeps saying no through microtasks, and allows again once a macrotask has run", async () => {
    const budget = new SyncBudget();
    spend(budget, BUDGET);
    await microtasks();
    expect(budget.allowed()).toBe(false);
    await nextMacrotask();
    expect(spend(budget, BUDGET)).toBe(BUDGET);
    expect(budget.allowed()).toBe(false);
    await nextMacrotask();
    expect(budget.allowed()).toBe(true);
  });

  it("counts each turn afresh, whether or not the last turn used it all", async () => {
    const budget = new SyncBudget();
    spend(budget, 200);
    await nextMacrotask();
    expect(spend(budget, BUDGET + 10)).toBe(BUDGET);
  });

  it("is per instance: one socket spending its budget leaves another's whole", () => {
    const busy = new SyncBudget();
    const other = new SyncBudget();
    expect(spend(busy, BUDGET + 100)).toBe(BUDGET);
    expect(spend(other, BUDGET)).toBe(BUDGET);
    expect(other.allowed()).toBe(false);
  });
});

describe("afterTurn", () => {
  it("resolves with its value after a macrotask, not on a microtask", async () => {
    const value = { v: 42 };
    let got: unknown;
    const promise = afterTurn(value).then((v) => {
      got = v;
    });
    await microtasks();
    expect(got).toBeUndefined();
    await nextMacrotask();
    await promise;
    expect(got).toBe(value);
  });

  it("resolves after a macrotask queued before it", async () => {
    const order: string[] = [];
    const earlier = new Promise<void>((resolve) =>
      setImmediate(() => {
        order.push("macrotask");
        resolve();
      }),
    );
    const later = afterTurn("afterTurn").then((v) => order.push(v));
    await Promise.all([earlier, later]);
    expect(order).toEqual(["macrotask", "afterTurn"]);
  });
});
