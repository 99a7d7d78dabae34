// The routing strategies against fake pipes: pipes whose capacity and
// content the test controls, with no socket behind them.
import { describe, expect, it } from "vitest";
import type { Msg } from "./msg.js";
import type { Pipe } from "./pipe.js";
import { Distributor } from "./strategies/distributor.js";
import { FairQueue } from "./strategies/fair-queue.js";
import { LoadBalancer } from "./strategies/load-balancer.js";

/** A stand-in for a pipe end: an outbox with a capacity, an inbox the test fills. */
class FakePipe {
  lbIndex = -1;
  fqIndex = -1;
  distIndex = -1;
  readonly written: Msg[] = [];
  readonly inbox: Msg[] = [];
  constructor(
    readonly name: string,
    public capacity = Infinity,
  ) {}
  write(msg: Msg): boolean {
    if (this.written.length >= this.capacity) return false;
    this.written.push(msg);
    return true;
  }
  checkWrite(): boolean {
    return this.written.length < this.capacity;
  }
  read(): Msg | undefined {
    return this.inbox.shift();
  }
  checkRead(): boolean {
    return this.inbox.length > 0;
  }
  /** The reader took everything: room again. */
  drain(): void {
    this.written.length = 0;
  }
}

const fake = (name: string, capacity?: number) => new FakePipe(name, capacity);
const asPipe = (p: FakePipe) => p as unknown as Pipe;
const m = (...frames: string[]): Msg => frames.map((f) => new TextEncoder().encode(f));
const text = (msg: Msg | undefined) => msg?.map((f) => new TextDecoder().decode(f)).join("|");

describe("LoadBalancer", () => {
  it("sends whole messages round-robin", () => {
    const lb = new LoadBalancer();
    const pipes = [fake("a"), fake("b"), fake("c")];
    for (const p of pipes) lb.attach(asPipe(p));
    for (let i = 0; i < 6; i++) expect(lb.send(m(`msg${i}`, "part2"))).toBe(true);
    expect(pipes.map((p) => p.written.map(text))).toEqual([
      ["msg0|part2", "msg3|part2"],
      ["msg1|part2", "msg4|part2"],
      ["msg2|part2", "msg5|part2"],
    ]);
  });

  it("skips full pipes and takes them back after write-activation", () => {
    const lb = new LoadBalancer();
    const a = fake("a", 1);
    const b = fake("b", 10);
    lb.attach(asPipe(a));
    lb.attach(asPipe(b));
    for (let i = 0; i < 4; i++) lb.send(m(String(i)));
    expect(a.written.map(text)).toEqual(["0"]);
    expect(b.written.map(text)).toEqual(["1", "2", "3"]);
    a.drain();
    lb.activated(asPipe(a));
    lb.send(m("4"));
    lb.send(m("5"));
    // The re-activated pipe rejoins at the end of the rotation, as in libzmq.
    expect(a.written.map(text)).toEqual(["5"]);
    expect(b.written.map(text)).toEqual(["1", "2", "3", "4"]);
  });

  it("refuses when every pipe is full or none is attached", () => {
    const lb = new LoadBalancer();
    expect(lb.send(m("x"))).toBe(false);
    expect(lb.hasOut()).toBe(false);
    const a = fake("a", 1);
    lb.attach(asPipe(a));
    expect(lb.hasOut()).toBe(true);
    expect(lb.send(m("1"))).toBe(true);
    expect(lb.send(m("2"))).toBe(false);
    expect(lb.hasOut()).toBe(false);
  });

  it("forgets a terminated pipe and keeps rotating the rest", () => {
    const lb = new LoadBalancer();
    const [a, b, c] = [fake("a"), fake("b"), fake("c")];
    for (const p of [a, b, c]) lb.attach(asPipe(p));
    lb.send(m("1"));
    lb.terminated(asPipe(b));
    lb.terminated(asPipe(b));
    for (let i = 2; i <= 5; i++) lb.send(m(String(i)));
    expect(b.written.map(text)).toEqual([]);
    expect([...a.written, ...c.written].map(text).sort()).toEqual(["1", "2", "3", "4", "5"]);
    expect(lb.size).toBe(2);
  });
});

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
});

describe("Distributor", () => {
  it("sends to every pipe with room, skipping full ones", () => {
    const d = new Distributor();
    const [a, b, c] = [fake("a"), fake("b", 1), fake("c")];
    for (const p of [a, b, c]) d.attach(asPipe(p));
    d.sendToAll(m("1"));
    d.sendToAll(m("2"));
    d.sendToAll(m("3"));
    expect(a.written.map(text)).toEqual(["1", "2", "3"]);
    expect(b.written.map(text)).toEqual(["1"]);
    expect(c.written.map(text)).toEqual(["1", "2", "3"]);
    b.drain();
    d.activated(asPipe(b));
    d.sendToAll(m("4"));
    expect(b.written.map(text)).toEqual(["4"]);
  });

  it("sends only to matched pipes, then clears the marks", () => {
    const d = new Distributor();
    const [a, b, c] = [fake("a"), fake("b"), fake("c")];
    for (const p of [a, b, c]) d.attach(asPipe(p));
    d.match(asPipe(c));
    d.match(asPipe(a));
    d.match(asPipe(a));
    d.sendToMatching(m("x"));
    d.sendToMatching(m("y"));
    expect([a, b, c].map((p) => p.written.map(text))).toEqual([["x"], [], ["x"]]);
  });

  it("forgets a terminated pipe, matched or not", () => {
    const d = new Distributor();
    const [a, b, c] = [fake("a"), fake("b"), fake("c")];
    for (const p of [a, b, c]) d.attach(asPipe(p));
    d.match(asPipe(b));
    d.match(asPipe(c));
    d.terminated(asPipe(b));
    d.sendToMatching(m("x"));
    d.terminated(asPipe(a));
    d.sendToAll(m("y"));
    expect([a, b, c].map((p) => p.written.map(text))).toEqual([[], [], ["x", "y"]]);
    expect(d.size).toBe(1);
  });
});
