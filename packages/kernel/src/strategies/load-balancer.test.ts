// LoadBalancer (PUSH, DEALER, REQ) against fake pipes: whole messages round-robin,
// full pipes skipped until write-activated, terminated pipes forgotten.
import { describe, expect, it } from "vitest";
import { asPipe, fake, m, text } from "../testing/fake-pipe.js";
import { LoadBalancer } from "./load-balancer.js";

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
  it("remembers the pipe the last message went to, until that pipe is terminated", () => {
    const lb = new LoadBalancer();
    const [a, b] = [fake("a"), fake("b")];
    lb.attach(asPipe(a));
    lb.attach(asPipe(b));
    expect(lb.lastOut).toBeUndefined();
    lb.send(m("1"));
    expect(lb.lastOut).toBe(asPipe(a));
    lb.send(m("2"));
    expect(lb.lastOut).toBe(asPipe(b));
    lb.terminated(asPipe(a));
    expect(lb.lastOut).toBe(asPipe(b));
    lb.terminated(asPipe(b));
    expect(lb.lastOut).toBeUndefined();
    expect(lb.send(m("3"))).toBe(false);
  });
});
