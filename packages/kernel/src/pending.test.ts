// PendingOperations: the queue of send()s and receive()s that wait. Order,
// re-entrant flushes, a throwing attempt failing only its operation,
// timeouts (EAGAIN), AbortSignals, and rejectAll.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ZmqError, isZmqError } from "./errors.js";
import { PendingOperations, loopHolds } from "./pending.js";

afterEach(() => {
  vi.useRealTimers();
});

/** How a promise ended, read without awaiting it (after microtasks have run). */
function track<T>(promise: Promise<T>): { state: "pending" | "resolved" | "rejected"; value?: T; error?: unknown } {
  const result: { state: "pending" | "resolved" | "rejected"; value?: T; error?: unknown } = { state: "pending" };
  promise.then(
    (value) => {
      result.state = "resolved";
      result.value = value;
    },
    (error: unknown) => {
      result.state = "rejected";
      result.error = error;
    },
  );
  return result;
}

async function microtasks(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/** Operations over a pool of items: an attempt takes one when there is one. */
function pool(timedOut?: () => ZmqError) {
  const items: string[] = [];
  const attempts: string[] = [];
  const ops = new PendingOperations<string, string>((input) => {
    attempts.push(input);
    const item = items.shift();
    return item === undefined ? undefined : `${input}:${item}`;
  }, timedOut);
  return { items, attempts, ops };
}

describe("PendingOperations", () => {
  it("completes waiting operations in the order they came, and only while attempts succeed", async () => {
    const { items, attempts, ops } = pool();
    const results = ["a", "b", "c"].map((x) => track(ops.wait(x, -1, undefined)));
    expect(ops.length).toBe(3);
    ops.flush();
    expect(attempts).toEqual(["a"]); // the head must wait, so the rest are not tried
    items.push("1", "2");
    ops.flush();
    await microtasks();
    expect(results.map((r) => [r.state, r.value])).toEqual([
      ["resolved", "a:1"],
      ["resolved", "b:2"],
      ["pending", undefined],
    ]);
    expect(attempts).toEqual(["a", "a", "b", "c"]);
    expect(ops.length).toBe(1);
    items.push("3");
    ops.flush();
    await microtasks();
    expect(results[2]!.value).toBe("c:3");
    expect(ops.length).toBe(0);
  });

  it("does nothing on a flush with nothing waiting", () => {
    const attempt = vi.fn(() => "x");
    new PendingOperations<string, string>(attempt).flush();
    expect(attempt).not.toHaveBeenCalled();
  });

  it("runs a flush called from inside an attempt after the current one, never nested", async () => {
    let depth = 0;
    let maxDepth = 0;
    let ready = false;
    const attempts: string[] = [];
    const ops = new PendingOperations<string, string>((input) => {
      depth++;
      maxDepth = Math.max(maxDepth, depth);
      attempts.push(input);
      try {
        if (!ready) {
          // Trying made room (a pipe event), which flushes again from inside.
          ready = true;
          ops.flush();
          return undefined;
        }
        ops.flush(); // a success that flushes again must not recurse either
        return input.toUpperCase();
      } finally {
        depth--;
      }
    });
    const a = track(ops.wait("a", -1, undefined));
    const b = track(ops.wait("b", -1, undefined));
    ops.flush();
    await microtasks();
    // Without the re-entrant flush being honoured, "a" would still wait.
    expect([a.value, b.value]).toEqual(["A", "B"]);
    expect(attempts).toEqual(["a", "a", "b"]);
    expect(maxDepth).toBe(1);
    expect(ops.length).toBe(0);
  });

  it("fails only the operation whose attempt throws; the next ones go on in the same flush", async () => {
    const boom = new ZmqError("EHOSTUNREACH");
    const ops = new PendingOperations<string, string>((input) => {
      if (input === "bad") throw boom;
      return input;
    });
    const before = track(ops.wait("before", -1, undefined));
    const bad = track(ops.wait("bad", -1, undefined));
    const after = track(ops.wait("after", -1, undefined));
    ops.flush();
    await microtasks();
    expect(before).toMatchObject({ state: "resolved", value: "before" });
    expect(bad).toMatchObject({ state: "rejected", error: boom });
    expect(after).toMatchObject({ state: "resolved", value: "after" });
    expect(ops.length).toBe(0);
  });

  it("rejects with ZmqError EAGAIN when the timeout passes, and forgets the operation", async () => {
    vi.useFakeTimers();
    const { items, attempts, ops } = pool();
    const timed = track(ops.wait("timed", 50, undefined));
    const forever = track(ops.wait("forever", -1, undefined));
    await vi.advanceTimersByTimeAsync(49);
    expect(timed.state).toBe("pending");
    await vi.advanceTimersByTimeAsync(1);
    expect(timed.state).toBe("rejected");
    expect(isZmqError(timed.error, "EAGAIN")).toBe(true);
    expect(timed.error).toBeInstanceOf(ZmqError);
    expect(ops.length).toBe(1);
    items.push("1");
    ops.flush();
    await microtasks();
    expect(attempts).toEqual(["forever"]);
    expect(forever).toMatchObject({ state: "resolved", value: "forever:1" });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(forever.state).toBe("resolved");
  });

  it("clears the timer of an operation that completes in time", async () => {
    vi.useFakeTimers();
    const { items, ops } = pool();
    const op = track(ops.wait("x", 50, undefined));
    expect(vi.getTimerCount()).toBe(1);
    items.push("1");
    ops.flush();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(op).toMatchObject({ state: "resolved", value: "x:1" });
  });

  it("rejects with the signal's reason on abort and removes the entry, leaving the others in order", async () => {
    const { items, attempts, ops } = pool();
    const controller = new AbortController();
    const first = track(ops.wait("first", -1, undefined));
    const aborted = track(ops.wait("aborted", -1, controller.signal));
    const last = track(ops.wait("last", -1, undefined));
    const reason = new Error("changed my mind");
    controller.abort(reason);
    await microtasks();
    expect(aborted).toMatchObject({ state: "rejected", error: reason });
    expect(ops.length).toBe(2);
    items.push("1", "2");
    ops.flush();
    await microtasks();
    expect(attempts).toEqual(["first", "last"]);
    expect([first.value, last.value]).toEqual(["first:1", "last:2"]);
  });

  it("rejects with the default AbortError reason, and stops listening to a signal once settled", async () => {
    const { items, ops } = pool();
    const controller = new AbortController();
    const op = track(ops.wait("x", -1, controller.signal));
    controller.abort();
    await microtasks();
    expect(op.state).toBe("rejected");
    expect((op.error as Error).name).toBe("AbortError");

    const other = new AbortController();
    const remove = vi.spyOn(other.signal, "removeEventListener");
    const done = track(ops.wait("y", -1, other.signal));
    items.push("1");
    ops.flush();
    expect(remove).toHaveBeenCalledWith("abort", expect.any(Function));
    other.abort(new Error("too late"));
    await microtasks();
    expect(done).toMatchObject({ state: "resolved", value: "y:1" });
  });

  it("rejectAll fails every waiting operation with a fresh error each, and clears their timers", async () => {
    vi.useFakeTimers();
    const made: ZmqError[] = [];
    const { attempts, ops } = pool(() => {
      const e = new ZmqError("EAGAIN");
      made.push(e);
      return e;
    });
    const results = [
      track(ops.wait("a", 100, undefined)),
      track(ops.wait("b", -1, new AbortController().signal)),
      track(ops.wait("c", 5, undefined)),
    ];
    expect(vi.getTimerCount()).toBe(2);
    ops.rejectAll();
    await microtasks();
    expect(results.map((r) => r.state)).toEqual(["rejected", "rejected", "rejected"]);
    results.forEach((r, i) => expect(r.error).toBe(made[i]));
    expect(new Set(made).size).toBe(3);
    expect(ops.length).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    ops.flush();
    expect(attempts).toEqual([]);
  });

  it("fails a timed-out or cut-short operation with the error its socket chooses (EFSM out of turn)", async () => {
    vi.useFakeTimers();
    let code: "EAGAIN" | "EFSM" = "EFSM";
    const { ops } = pool(() => new ZmqError(code));
    const now = track(ops.wait("a", 0, undefined));
    const later = track(ops.wait("b", 10, undefined));
    const closed = track(ops.wait("c", -1, undefined));
    await vi.advanceTimersByTimeAsync(10);
    code = "EAGAIN";
    ops.rejectAll();
    await microtasks();
    expect([now, later, closed].map((r) => (r.error as ZmqError).code)).toEqual(["EFSM", "EFSM", "EAGAIN"]);
    vi.useRealTimers();
  });
});

describe("loop holds", () => {
  it("hold the event loop while an operation waits, and let go once none does", async () => {
    const { items, ops } = pool();
    const before = loopHolds.held;
    const a = track(ops.wait("a", -1, undefined));
    const b = track(ops.wait("b", -1, undefined));
    expect(loopHolds.held).toBe(before + 1);
    items.push("1");
    ops.flush();
    expect(loopHolds.held).toBe(before + 1);
    items.push("2");
    ops.flush();
    expect(loopHolds.held).toBe(before);
    await microtasks();
    expect([a.state, b.state]).toEqual(["resolved", "resolved"]);
    const c = track(ops.wait("c", -1, undefined));
    expect(loopHolds.held).toBe(before + 1);
    ops.rejectAll();
    expect(loopHolds.held).toBe(before);
    await microtasks();
    expect(c.state).toBe("rejected");
  });

  it("watch a condition until it turns false, or until its time is up", async () => {
    const before = loopHolds.held;
    let needed = true;
    loopHolds.watch(() => needed, -1);
    loopHolds.watch(() => true, 30);
    loopHolds.watch(() => false, -1);
    expect(loopHolds.held).toBe(before + 2);
    needed = false;
    await vi.waitFor(() => expect(loopHolds.held).toBe(before), { timeout: 2000, interval: 10 });
  });
});
