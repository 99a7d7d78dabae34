// FairQueue (PULL, DEALER, ROUTER, REP, SUB, XSUB) against fake pipes: one whole
// message from each readable pipe in turn, empty pipes back on read-activation.
import { describe, expect, it } from "vitest";
import { asPipe, fake, type FakePipe, m, text } from "../testing/fake-pipe.js";
import { FairQueue } from "./fair-queue.js";

describe("FairQueue", () => {
  it("takes one whole message from each pipe in turn", () => {
    const fq = new FairQueue();
    const [a, b, c] = [fake("a"), fake("b"), fake("c")];
    a.inbox.push(m("a1", "x"), m("a2"), m("a3"));
    b.inbox.push(m("b1"));
    c.inbox.push(m("c1", "y", "z"), m("c2"));
    for (const p of [a, b, c]) fq.attach(asPipe(p));
    const got: string[] = [];
    for (let msg = fq.recv(); msg; msg = fq.recv()) got.push(`${text(msg)}@${(fq.lastIn as unknown as FakePipe).name}`);
    expect(got).toEqual(["a1|x@a", "b1@b", "c1|y|z@c", "a2@a", "c2@c", "a3@a"]);
  });

  it("takes a pipe back after read-activation", () => {
    const fq = new FairQueue();
    const a = fake("a");
    fq.attach(asPipe(a));
    expect(fq.recv()).toBeUndefined();
    expect(fq.hasIn()).toBe(false);
    a.inbox.push(m("late"));
    expect(fq.recv()).toBeUndefined(); // inactive until activated
    fq.activated(asPipe(a));
    expect(fq.hasIn()).toBe(true);
    expect(text(fq.recv())).toBe("late");
  });

  it("drops a terminated pipe between whole messages, never mid-message", () => {
    const fq = new FairQueue();
    const [a, b] = [fake("a"), fake("b")];
    a.inbox.push(m("a1", "a1-part2"), m("a2", "a2-part2"));
    b.inbox.push(m("b1"));
    fq.attach(asPipe(a));
    fq.attach(asPipe(b));
    expect(text(fq.recv())).toBe("a1|a1-part2");
    fq.terminated(asPipe(a));
    expect(text(fq.recv())).toBe("b1");
    expect(fq.recv()).toBeUndefined();
    expect(fq.lastIn).toBe(asPipe(b));
    expect(fq.size).toBe(1);
  });

  it("stays fair with many pipes", () => {
    const fq = new FairQueue();
    const pipes = Array.from({ length: 10 }, (_, i) => fake(String(i)));
    for (const p of pipes) {
      for (let j = 0; j < 100; j++) p.inbox.push(m(p.name));
      fq.attach(asPipe(p));
    }
    const counts = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      const k = text(fq.recv())!;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect([...counts.values()]).toEqual(Array(10).fill(50));
  });
  it("forgets the pipe of the last message once that pipe is terminated", () => {
    const fq = new FairQueue();
    const [a, b] = [fake("a"), fake("b")];
    a.inbox.push(m("a1"));
    fq.attach(asPipe(a));
    fq.attach(asPipe(b));
    expect(text(fq.recv())).toBe("a1");
    fq.terminated(asPipe(b));
    expect(fq.lastIn).toBe(asPipe(a));
    fq.terminated(asPipe(a));
    expect(fq.lastIn).toBeUndefined();
    expect(fq.size).toBe(0);
  });
});
