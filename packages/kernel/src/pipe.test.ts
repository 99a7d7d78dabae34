import { describe, expect, it } from "vitest";
import type { Msg } from "./msg.js";
import { type Pipe, type PipeOwner, lowWaterMark, pipePair } from "./pipe.js";
import { Queue } from "./queue.js";

function recorder(): PipeOwner & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    readActivated: (p: Pipe) => log.push(`read:${p.id}`),
    writeActivated: (p: Pipe) => log.push(`write:${p.id}`),
    pipeTerminated: (p: Pipe) => log.push(`terminated:${p.id}`),
  };
}

const msg = (n: number): Msg => [Uint8Array.of(n)];
const flush = () => new Promise<void>((r) => queueMicrotask(r));

describe("pipePair", () => {
  it("computes libzmq's low-water mark", () => {
    expect([1, 2, 3, 10, 1000, 1001].map(lowWaterMark)).toEqual([1, 1, 2, 5, 500, 501]);
  });

  it("refuses writes at the HWM and write-activates after (hwm + 1) >> 1 reads", () => {
    const [a, b] = pipePair(10, 10);
    const owner = recorder();
    a.owner = owner;
    for (let i = 0; i < 10; i++) expect(a.write(msg(i))).toBe(true);
    expect(a.write(msg(10))).toBe(false);
    expect(a.checkWrite()).toBe(false);
    for (let i = 0; i < 4; i++) b.read();
    expect(owner.log).toEqual([]);
    b.read();
    expect(owner.log).toEqual([`write:${a.id}`]);
    expect(a.write(msg(11))).toBe(true);
  });

  it("never blocks with HWM 0", () => {
    const [a, b] = pipePair(0);
    for (let i = 0; i < 100_000; i++) expect(a.write(msg(i & 0xff))).toBe(true);
    expect(b.pending).toBe(100_000);
  });

  it("read-activates a reader that found its queue empty, once", () => {
    const [a, b] = pipePair(5);
    const owner = recorder();
    b.owner = owner;
    a.write(msg(1));
    expect(owner.log).toEqual([]); // b never found it empty
    expect(b.read()).toEqual(msg(1));
    expect(b.read()).toBeUndefined();
    a.write(msg(2));
    a.write(msg(3));
    expect(owner.log).toEqual([`read:${b.id}`]);
  });

  it("end(): the peer reads what was written, then terminates", async () => {
    const [a, b] = pipePair(5);
    const owner = recorder();
    b.owner = owner;
    a.write(msg(1));
    a.write(msg(2));
    a.end();
    expect(a.terminated).toBe(true);
    expect(a.write(msg(3))).toBe(false);
    expect(b.read()).toEqual(msg(1));
    expect(b.read()).toEqual(msg(2));
    expect(b.read()).toBeUndefined();
    expect(owner.log).toEqual([]);
    await flush();
    expect(owner.log).toEqual([`terminated:${b.id}`]);
  });

  it("terminate(): drops what the peer has not read", async () => {
    const [a, b] = pipePair(5);
    const owner = recorder();
    b.owner = owner;
    a.write(msg(1));
    a.terminate();
    expect(b.pending).toBe(0);
    expect(b.read()).toBeUndefined();
    await flush();
    expect(owner.log).toEqual([`terminated:${b.id}`]);
    expect(b.terminated).toBe(true);
  });

  it("expire(): after end(), drops what is left when linger runs out", async () => {
    const [a, b] = pipePair(5);
    const owner = recorder();
    b.owner = owner;
    a.write(msg(1));
    a.write(msg(2));
    a.end();
    expect(b.read()).toEqual(msg(1));
    a.expire();
    expect(b.read()).toBeUndefined();
    await flush();
    expect(owner.log).toEqual([`terminated:${b.id}`]);
  });

  it("writes to a closed peer are refused", () => {
    const [a, b] = pipePair(5);
    b.end();
    expect(a.write(msg(1))).toBe(false);
  });
});

describe("Queue", () => {
  it("grows and keeps FIFO order across wrap-around", () => {
    const q = new Queue<number>(2);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 7; i++) q.push(round * 10 + i);
      for (let i = 0; i < 5; i++) expect(q.shift()).toBe(round * 10 + i);
      expect(q.peek()).toBe(round * 10 + 5);
      expect(q.last()).toBe(round * 10 + 6);
      q.shift();
      q.shift();
    }
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
    expect(q.last()).toBeUndefined();
  });

  it("removes matching items in order", () => {
    const q = new Queue<number>();
    for (let i = 0; i < 10; i++) q.push(i);
    expect(q.removeWhere((n) => n % 3 === 0)).toBe(4);
    expect([...q]).toEqual([1, 2, 4, 5, 7, 8]);
  });
});

describe("Pipe.keeper: the writer's copy of a message that waits", () => {
  /** A writer end whose keep records the messages it was given. */
  function kept(takesAtOnce: boolean, reader: PipeOwner): { a: Pipe; b: Pipe; keeps: Msg[] } {
    const [a, b] = pipePair(0);
    const keeps: Msg[] = [];
    a.keeper = { keep: (m) => void keeps.push(m), fanOut: () => {}, fanned: () => false };
    b.takesAtOnce = takesAtOnce;
    b.owner = reader;
    b.checkRead(); // the reader found it empty: the next write tells it
    return { a, b, keeps };
  }

  it("an ordinary reader (a socket) gets every message kept, before it is told", () => {
    const log: string[] = [];
    const { a, keeps } = kept(false, { ...recorder(), readActivated: () => log.push(`told after ${keeps.length} keeps`) });
    const m = msg(1);
    a.write(m);
    a.write(msg(2));
    expect(log).toEqual(["told after 1 keeps"]);
    expect(keeps).toEqual([m, msg(2)]);
  });

  it("a reader that takes at once: only the messages it left queued are kept", () => {
    let take = true;
    const owner: PipeOwner = {
      ...recorder(),
      readActivated: (p) => {
        if (take) while (p.read() !== undefined);
      },
    };
    const { a, b, keeps } = kept(true, owner);
    a.write(msg(1)); // taken when told
    expect(keeps).toEqual([]);
    take = false;
    const left = msg(2);
    a.write(left); // told, not taken
    expect(keeps).toEqual([left]);
    const more = msg(3);
    a.write(more); // not told (the reader has not emptied the queue): still queued
    expect(keeps).toEqual([left, more]);
    expect(b.pending).toBe(2);
  });

  it("tells a reader that takes at once to take a message now, unless it was fanned out to many pipes (takeNow)", () => {
    const [a, b] = pipePair(0);
    let fanned = false;
    a.keeper = { keep: () => {}, fanOut: () => {}, fanned: () => fanned };
    b.takesAtOnce = true;
    a.write(msg(1));
    expect(b.takeNow).toBe(true);
    fanned = true;
    a.write(msg(2));
    expect(b.takeNow).toBe(false);
  });

  it("a socket end's pipe without keep copies nothing (the session writing what it received)", () => {
    const [a, b] = pipePair(0);
    b.takesAtOnce = true;
    a.write(msg(1));
    expect(b.read()).toEqual(msg(1));
  });
});
