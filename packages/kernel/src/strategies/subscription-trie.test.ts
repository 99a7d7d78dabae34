// The pub-sub prefix tries: SubscriptionTrie (XPUB, prefix -> pipes) and
// CountedTrie (XSUB, prefix -> count). First / last subscriber reporting,
// prefix matching (the empty prefix matches everything), removing a pipe's
// subscriptions at once, binary prefixes.
import { describe, expect, it } from "vitest";
import { type FakePipe, asPipe, fake } from "../testing/fake-pipe.js";
import type { Pipe } from "../pipe.js";
import { CountedTrie, SubscriptionTrie } from "./subscription-trie.js";

const t = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (...values: number[]) => Uint8Array.from(values);
const nameOf = (p: Pipe) => (p as unknown as FakePipe).name;

/** The names of the pipes `match` calls back for, in call order. */
function matched(trie: SubscriptionTrie, data: string | Uint8Array): string[] {
  const names: string[] = [];
  trie.match(typeof data === "string" ? t(data) : data, (p) => names.push(nameOf(p)));
  return names;
}

describe("SubscriptionTrie", () => {
  it("reports the first subscriber of a prefix and the last one leaving", () => {
    const trie = new SubscriptionTrie();
    const [a, b] = [asPipe(fake("a")), asPipe(fake("b"))];
    expect(trie.add(t("news"), a)).toBe(true);
    expect(trie.add(t("news"), b)).toBe(false);
    expect(trie.add(t("sport"), b)).toBe(true);
    expect(trie.remove(t("news"), a)).toBe(false); // b still has it
    expect(trie.remove(t("news"), a)).toBe(false); // a no longer has it
    expect(trie.remove(t("news"), b)).toBe(true); // the last one
    expect(trie.remove(t("news"), b)).toBe(false);
    expect(trie.remove(t("weather"), a)).toBe(false); // never subscribed
    expect(matched(trie, "news today")).toEqual([]);
    expect(matched(trie, "sport today")).toEqual(["b"]);
  });

  it("counts a pipe subscribing twice to one prefix once, as libzmq", () => {
    const trie = new SubscriptionTrie();
    const a = asPipe(fake("a"));
    expect(trie.add(t("x"), a)).toBe(true);
    expect(trie.add(t("x"), a)).toBe(false);
    expect(matched(trie, "xyz")).toEqual(["a"]);
    expect(trie.remove(t("x"), a)).toBe(true);
    expect(matched(trie, "xyz")).toEqual([]);
    expect(trie.hasAny(a)).toBe(false);
  });

  it("matches the pipes subscribed to any prefix of the data, never longer or diverging ones", () => {
    const trie = new SubscriptionTrie();
    const pipes = ["h", "hello", "help", "hello world!", "world"].map((name) => asPipe(fake(name)));
    for (const p of pipes) trie.add(t(nameOf(p)), p);
    expect(matched(trie, "hello world").sort()).toEqual(["h", "hello"]);
    expect(matched(trie, "help me").sort()).toEqual(["h", "help"]);
    expect(matched(trie, "hello world!!").sort()).toEqual(["h", "hello", "hello world!"]);
    expect(matched(trie, "he")).toEqual(["h"]);
    expect(matched(trie, "")).toEqual([]);
    expect(matched(trie, "x")).toEqual([]);
  });

  it("calls back once per pipe for one matching prefix, once per prefix when a pipe holds several", () => {
    const trie = new SubscriptionTrie();
    const [a, b] = [asPipe(fake("a")), asPipe(fake("b"))];
    trie.add(t("top"), a);
    trie.add(t("top"), a);
    trie.add(t("top"), b);
    expect(matched(trie, "topic").sort()).toEqual(["a", "b"]);
    // Two matching prefixes of one pipe: called for each, shortest first (Distributor.match is idempotent).
    trie.add(t("t"), b);
    expect(matched(trie, "topic").filter((n) => n === "b")).toEqual(["b", "b"]);
    expect(matched(trie, "topic").filter((n) => n === "a")).toEqual(["a"]);
  });

  it("matches everything for the empty prefix, and the empty message only there", () => {
    const trie = new SubscriptionTrie();
    const [all, some] = [asPipe(fake("all")), asPipe(fake("some"))];
    expect(trie.add(new Uint8Array(0), all)).toBe(true);
    trie.add(t("a"), some);
    expect(matched(trie, "anything")).toEqual(["all", "some"]);
    expect(matched(trie, "zzz")).toEqual(["all"]);
    expect(matched(trie, "")).toEqual(["all"]);
    expect(matched(trie, bytes(0, 255))).toEqual(["all"]);
    expect(trie.remove(new Uint8Array(0), all)).toBe(true);
    expect(matched(trie, "zzz")).toEqual([]);
    expect(matched(trie, "abc")).toEqual(["some"]);
  });

  it("keeps a longer prefix when a shorter one on its path goes, and the reverse", () => {
    const trie = new SubscriptionTrie();
    const [a, b] = [asPipe(fake("a")), asPipe(fake("b"))];
    trie.add(t("ab"), a);
    trie.add(t("abcd"), b);
    expect(trie.remove(t("ab"), a)).toBe(true);
    expect(matched(trie, "abcde")).toEqual(["b"]);
    expect(matched(trie, "abc")).toEqual([]);
    trie.add(t("ab"), a);
    expect(trie.remove(t("abcd"), b)).toBe(true);
    expect(matched(trie, "abcde")).toEqual(["a"]);
  });

  it("removePipe drops every subscription of a pipe and reports the prefixes left without subscriber", () => {
    const trie = new SubscriptionTrie();
    const [a, b] = [asPipe(fake("a")), asPipe(fake("b"))];
    for (const s of ["shared", "only-a", "also-a"]) trie.add(t(s), a);
    trie.add(t("shared"), b);
    expect(trie.hasAny(a)).toBe(true);
    const gone: string[] = [];
    trie.removePipe(a, (prefix) => gone.push(str(prefix)));
    expect(gone.sort()).toEqual(["also-a", "only-a"]);
    expect(trie.hasAny(a)).toBe(false);
    expect(trie.hasAny(b)).toBe(true);
    expect(matched(trie, "shared!")).toEqual(["b"]);
    expect(matched(trie, "only-a!")).toEqual([]);
    // b's subscription is now the last one of "shared".
    expect(trie.remove(t("shared"), b)).toBe(true);
  });

  it("removePipe of a pipe without subscriptions reports nothing, and a pipe can subscribe again after", () => {
    const trie = new SubscriptionTrie();
    const a = asPipe(fake("a"));
    const gone: Uint8Array[] = [];
    trie.removePipe(a, (prefix) => gone.push(prefix));
    expect(gone).toEqual([]);
    trie.add(t("x"), a);
    trie.removePipe(a, (prefix) => gone.push(prefix));
    trie.removePipe(a, (prefix) => gone.push(prefix)); // twice: nothing more
    expect(gone.map(str)).toEqual(["x"]);
    expect(trie.add(t("x"), a)).toBe(true);
    expect(matched(trie, "x")).toEqual(["a"]);
  });

  it("keeps binary prefixes byte for byte, in matching and in removePipe's reports", () => {
    const trie = new SubscriptionTrie();
    const a = asPipe(fake("a"));
    const prefixes = [bytes(0), bytes(0, 255, 128), bytes(0xc3, 0xa9), new Uint8Array(0)];
    for (const p of prefixes) trie.add(p, a);
    expect(matched(trie, bytes(0, 255, 128, 7))).toEqual(["a", "a", "a"]);
    expect(matched(trie, bytes(0, 254))).toEqual(["a", "a"]);
    const gone: number[][] = [];
    trie.removePipe(a, (prefix) => gone.push([...prefix]));
    expect(gone.sort()).toEqual(prefixes.map((p) => [...p]).sort());
    expect(matched(trie, bytes(0, 255, 128, 7))).toEqual([]);
  });
});

describe("CountedTrie", () => {
  it("counts subscriptions: true on the first add and on the remove that brings the count to 0", () => {
    const trie = new CountedTrie();
    expect(trie.empty).toBe(true);
    expect(trie.add(t("a"))).toBe(true);
    expect(trie.add(t("a"))).toBe(false);
    expect(trie.add(t("a"))).toBe(false);
    expect(trie.empty).toBe(false);
    expect(trie.remove(t("a"))).toBe(false);
    expect(trie.remove(t("a"))).toBe(false);
    expect(trie.matches(t("abc"))).toBe(true);
    expect(trie.remove(t("a"))).toBe(true);
    expect(trie.matches(t("abc"))).toBe(false);
    expect(trie.empty).toBe(true);
    expect(trie.remove(t("a"))).toBe(false); // below zero: nothing
    expect(trie.add(t("a"))).toBe(true); // and it counts from the start again
  });

  it("matches data that some subscription prefixes, never a longer or diverging one", () => {
    const trie = new CountedTrie();
    trie.add(t("hello"));
    trie.add(t("help"));
    expect(trie.matches(t("hello world"))).toBe(true);
    expect(trie.matches(t("hello"))).toBe(true);
    expect(trie.matches(t("help!"))).toBe(true);
    expect(trie.matches(t("hell"))).toBe(false);
    expect(trie.matches(t("hex"))).toBe(false);
    expect(trie.matches(t(""))).toBe(false);
    expect(new CountedTrie().matches(t("anything"))).toBe(false);
  });

  it("matches everything with the empty prefix", () => {
    const trie = new CountedTrie();
    expect(trie.add(new Uint8Array(0))).toBe(true);
    expect(trie.matches(t("anything"))).toBe(true);
    expect(trie.matches(new Uint8Array(0))).toBe(true);
    expect(trie.matches(bytes(0, 255))).toBe(true);
    expect(trie.remove(new Uint8Array(0))).toBe(true);
    expect(trie.matches(t("anything"))).toBe(false);
  });

  it("keeps a longer prefix when a shorter one on its path goes", () => {
    const trie = new CountedTrie();
    trie.add(t("ab"));
    trie.add(t("abcd"));
    trie.remove(t("ab"));
    expect(trie.matches(t("abc"))).toBe(false);
    expect(trie.matches(t("abcde"))).toBe(true);
    expect(trie.empty).toBe(false);
  });

  it("lists every subscribed prefix once, the empty one first, then depth first in byte order", () => {
    const trie = new CountedTrie();
    for (const s of ["b", "ab", "a", "a", "abc", "ba"]) trie.add(t(s));
    trie.add(new Uint8Array(0));
    trie.add(bytes(0xff));
    trie.add(bytes(0x00));
    trie.add(t("gone"));
    trie.remove(t("gone"));
    const seen: number[][] = [];
    trie.each((prefix) => seen.push([...prefix]));
    expect(seen).toEqual([[], [0x00], [...t("a")], [...t("ab")], [...t("abc")], [...t("b")], [...t("ba")], [0xff]]);
  });
});

describe("SubscriptionTrie against a model", () => {
  it("matches as a brute-force prefix check through thousands of random subscribes and unsubscribes, and prunes to empty", () => {
    // A fixed xorshift sequence; bytes from a small alphabet with both ends of the range, so tables widen down and up.
    let seed = 0x9e3779b9;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const alphabet = [0x00, 0x01, 0x30, 0x31, 0x7f, 0xfe, 0xff];
    const randomBytes = (max: number) => Uint8Array.from({ length: rand(max + 1) }, () => alphabet[rand(alphabet.length)]!);
    const pipes = [fake("p0"), fake("p1"), fake("p2")].map(asPipe);
    const trie = new SubscriptionTrie();
    const model = new Map<Pipe, Set<string>>(pipes.map((p) => [p, new Set()]));
    const key = (b: Uint8Array) => [...b].join(",");
    for (let step = 0; step < 5000; step++) {
      const pipe = pipes[rand(pipes.length)]!;
      const prefix = randomBytes(4);
      if (rand(3) === 0) {
        trie.remove(prefix, pipe);
        model.get(pipe)!.delete(key(prefix));
      } else {
        trie.add(prefix, pipe);
        model.get(pipe)!.add(key(prefix));
      }
      const data = randomBytes(6);
      const expected = pipes
        .filter((p) => [...model.get(p)!].some((k) => key(data.subarray(0, k === "" ? 0 : k.split(",").length)) === k))
        .map(nameOf)
        .sort();
      expect([...new Set(matched(trie, data))].sort()).toEqual(expected);
    }
    for (const pipe of pipes) trie.removePipe(pipe, () => {});
    expect(matched(trie, bytes(0x30, 0x31))).toEqual([]);
    // Every branch pruned: the root has no children left.
    const inner = (trie as unknown as { trie: { empty: boolean; root: { children: unknown } } }).trie;
    expect(inner.empty).toBe(true);
    expect(inner.root.children).toBeUndefined();
  });
});
