// RouterTable (ROUTER) against fake pipes: ids given, looked up and forgotten;
// generated ids shaped as libzmq makes them (00 + uint32 BE counting up from a
// random start); a duplicate id refused, or taken over with handover.
import { afterEach, describe, expect, it, vi } from "vitest";
import { asPipe, fake } from "../testing/fake-pipe.js";
import { RouterTable } from "./router-table.js";

const id = (s: string) => new TextEncoder().encode(s);
const bytes = (...values: number[]) => Uint8Array.from(values);

afterEach(() => {
  vi.restoreAllMocks();
});

describe("RouterTable", () => {
  it("adds, looks up and removes pipes by id", () => {
    const table = new RouterTable();
    const [a, b] = [asPipe(fake("a")), asPipe(fake("b"))];
    expect(table.add(a, id("alice"), false)).toEqual({ ok: true, displaced: undefined });
    expect(table.add(b, id("bob"), false).ok).toBe(true);
    expect(table.size).toBe(2);
    expect(table.lookup(id("alice"))).toBe(a);
    expect(table.lookup(id("bob"))).toBe(b);
    // Looked up by content, not by the array instance.
    expect(table.lookup(Uint8Array.from(id("alice")))).toBe(a);
    expect(table.lookup(id("carol"))).toBeUndefined();
    expect(table.idFor(a)).toEqual(id("alice"));
    table.remove(a);
    expect(table.lookup(id("alice"))).toBeUndefined();
    expect(table.idFor(a)).toBeUndefined();
    expect(table.size).toBe(1);
    table.remove(a); // twice: nothing happens
    expect(table.lookup(id("bob"))).toBe(b);
    expect(table.size).toBe(1);
  });

  it("tells ids apart by every byte, binary ones included", () => {
    const table = new RouterTable();
    const [a, b, c] = [asPipe(fake("a")), asPipe(fake("b")), asPipe(fake("c"))];
    table.add(a, bytes(0, 1), false);
    table.add(b, bytes(0, 1, 0), false);
    table.add(c, bytes(0xff, 0x10), false);
    expect(table.lookup(bytes(0, 1))).toBe(a);
    expect(table.lookup(bytes(0, 1, 0))).toBe(b);
    expect(table.lookup(bytes(0xff, 0x10))).toBe(c);
    expect(table.lookup(bytes(0xff, 0x01, 0x00))).toBeUndefined();
  });

  it("generates a 5-byte id starting with 0 for a pipe without one (none or empty)", () => {
    const table = new RouterTable();
    const [a, b] = [asPipe(fake("a")), asPipe(fake("b"))];
    expect(table.add(a, undefined, false).ok).toBe(true);
    expect(table.add(b, new Uint8Array(0), false).ok).toBe(true);
    for (const pipe of [a, b]) {
      const generated = table.idFor(pipe)!;
      expect(generated.length).toBe(5);
      expect(generated[0]).toBe(0);
      expect(table.lookup(generated)).toBe(pipe);
    }
    expect(table.idFor(a)).not.toEqual(table.idFor(b));
  });

  it("counts generated ids up as a big-endian uint32 from a random start, wrapping at 2^32", () => {
    vi.spyOn(Math, "random").mockReturnValue((0xfffffffe + 0.5) / 0x100000000);
    const table = new RouterTable();
    expect([...table.generate()]).toEqual([0, 0xff, 0xff, 0xff, 0xfe]);
    expect([...table.generate()]).toEqual([0, 0xff, 0xff, 0xff, 0xff]);
    expect([...table.generate()]).toEqual([0, 0, 0, 0, 0]);
    expect([...table.generate()]).toEqual([0, 0, 0, 0, 1]);
  });

  it("starts generated ids at a random point (libzmq does too)", () => {
    vi.spyOn(Math, "random").mockReturnValue(0x12345678 / 0x100000000);
    expect([...new RouterTable().generate()]).toEqual([0, 0x12, 0x34, 0x56, 0x78]);
  });

  it("skips a generated id that a pipe already has", () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const table = new RouterTable();
    const [a, b] = [asPipe(fake("a")), asPipe(fake("b"))];
    table.add(a, bytes(0, 0, 0, 0, 0), false); // the id the counter would give first
    table.add(b, undefined, false);
    expect([...table.idFor(b)!]).toEqual([0, 0, 0, 0, 1]);
  });

  it("makes ids with the allocator it is given", () => {
    const alloc = vi.fn((n: number) => new Uint8Array(n));
    const table = new RouterTable(alloc);
    const generated = table.generate();
    expect(alloc).toHaveBeenCalledWith(5);
    expect(alloc.mock.results[0]!.value).toBe(generated);
  });

  it("refuses a duplicate id without handover: the first pipe keeps it", () => {
    const table = new RouterTable();
    const [first, second] = [asPipe(fake("first")), asPipe(fake("second"))];
    table.add(first, id("peer"), false);
    expect(table.add(second, id("peer"), false)).toEqual({ ok: false });
    expect(table.lookup(id("peer"))).toBe(first);
    expect(table.idFor(second)).toBeUndefined();
    expect(table.size).toBe(1);
  });

  it("with handover, gives the id to the newcomer and renames the old pipe for the caller to close", () => {
    const table = new RouterTable();
    const [first, second] = [asPipe(fake("first")), asPipe(fake("second"))];
    table.add(first, id("peer"), true);
    const result = table.add(second, id("peer"), true);
    expect(result).toEqual({ ok: true, displaced: first });
    expect(table.lookup(id("peer"))).toBe(second);
    expect(table.idFor(second)).toEqual(id("peer"));
    const renamed = table.idFor(first)!;
    expect(renamed.length).toBe(5);
    expect(renamed[0]).toBe(0);
    expect(table.lookup(renamed)).toBe(first);
    expect(table.size).toBe(2);
    // Closing the displaced pipe leaves the newcomer's entry alone.
    table.remove(first);
    expect(table.lookup(id("peer"))).toBe(second);
    expect(table.lookup(renamed)).toBeUndefined();
    expect(table.size).toBe(1);
  });

  it("lets a removed pipe's id be taken again", () => {
    const table = new RouterTable();
    const [first, second] = [asPipe(fake("first")), asPipe(fake("second"))];
    table.add(first, id("peer"), false);
    table.remove(first);
    expect(table.add(second, id("peer"), false).ok).toBe(true);
    expect(table.lookup(id("peer"))).toBe(second);
  });
});
