// Distributor (PUB, XPUB) against fake pipes: fan-out that skips full pipes,
// matched sends, terminated pipes forgotten.
import { describe, expect, it } from "vitest";
import type { Msg } from "../msg.js";
import { asPipe, fake, m, text } from "../testing/fake-pipe.js";
import { Distributor } from "./distributor.js";

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

  it("a message for many pipes is fanned out (its small frames copied once) before any pipe gets it; for one pipe, not", () => {
    const d = new Distributor();
    const [a, b] = [fake("a"), fake("b")];
    const kept: string[] = [];
    const keeper = { keep: () => {}, fanOut: (msg: Msg) => void kept.push(text(msg)!), fanned: () => false };
    a.keeper = b.keeper = keeper;
    for (const p of [a, b]) d.attach(asPipe(p));
    d.sendToAll(m("both"));
    expect(kept).toEqual(["both"]);
    d.match(asPipe(b));
    d.sendToMatching(m("one"));
    expect(kept).toEqual(["both"]);
    expect(b.written.map(text)).toEqual(["both", "one"]);
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
  it("ignores a match on a full pipe until it is write-activated", () => {
    const d = new Distributor();
    const [a, b] = [fake("a"), fake("b", 1)];
    d.attach(asPipe(a));
    d.attach(asPipe(b));
    d.sendToAll(m("1"));
    d.sendToAll(m("2")); // b is full: out of the active region
    b.drain();
    d.match(asPipe(a));
    d.match(asPipe(b));
    d.sendToMatching(m("3"));
    expect(b.written.map(text)).toEqual([]);
    d.activated(asPipe(b));
    d.match(asPipe(b));
    d.sendToMatching(m("4"));
    expect(a.written.map(text)).toEqual(["1", "2", "3"]);
    expect(b.written.map(text)).toEqual(["4"]);
  });
});
