// The shared test helpers: cleanup lists, frames as text, rejections,
// monitor-event waits, endpoint names and hand-made greetings.
import { describe, expect, it } from "vitest";
import { ZmqError } from "../index.js";
import { type Event, Observer } from "../index.js";
import { createCleanup } from "./cleanup.js";
import { endpointNames } from "./endpoints.js";
import { errorCode, later, rejection, retryInUse } from "./errors.js";
import { nextEvent, watchEvents } from "./events.js";
import { frameHex, hex, text } from "./frames.js";
import { GREETING_LENGTH, greetingBytes } from "./zmtp.js";

describe("createCleanup", () => {
  it("closes tracked things and runs deferred functions newest first, once", () => {
    const log: string[] = [];
    const open = createCleanup();
    const a = open.track({ close: () => log.push("a") });
    open.defer(() => log.push("fn"));
    open.track({ close: () => log.push("b") });
    expect(a.close).toBeTypeOf("function");
    expect(open.size()).toBe(3);
    open.closeAll();
    open.closeAll();
    expect(log).toEqual(["b", "fn", "a"]);
    expect(open.size()).toBe(0);
  });

  it("takes a deferred function back", () => {
    const log: string[] = [];
    const open = createCleanup();
    const forget = open.defer(() => log.push("gone"));
    open.defer(() => log.push("kept"));
    forget();
    forget();
    open.closeAll();
    expect(log).toEqual(["kept"]);
  });

  it("without onError stops at a throw and keeps the rest for the next closeAll", () => {
    const log: string[] = [];
    const open = createCleanup();
    open.defer(() => log.push("first"));
    open.defer(() => {
      throw new Error("boom");
    });
    expect(() => open.closeAll()).toThrow("boom");
    expect(log).toEqual([]);
    open.closeAll();
    expect(log).toEqual(["first"]);
  });

  it("with onError hands each throw over and goes on", () => {
    const errors: unknown[] = [];
    const log: string[] = [];
    const open = createCleanup({ onError: (e) => errors.push(e) });
    open.defer(() => log.push("first"));
    open.track({
      close: () => {
        throw new Error("boom");
      },
    });
    open.closeAll();
    expect(log).toEqual(["first"]);
    expect(errors).toEqual([new Error("boom")]);
  });
});

describe("frames", () => {
  it("decodes frames as UTF-8 and writes them in hex", () => {
    const frames = [new TextEncoder().encode("é"), new Uint8Array(0), "s"];
    expect(text(frames)).toEqual(["é", "", "s"]);
    expect(hex(frames)).toEqual(["c3a9", "", "73"]);
    expect(frameHex(new Uint8Array([0, 1, 0xab, 0xff]).subarray(1))).toBe("01abff");
  });
});

describe("errors", () => {
  it("rejection returns the ZmqError and fails on anything else", async () => {
    expect((await rejection(Promise.reject(new ZmqError("EAGAIN")))).code).toBe("EAGAIN");
    await expect(rejection(Promise.resolve(1))).rejects.toThrow("expected a rejection");
    await expect(rejection(Promise.reject(new TypeError("no")))).rejects.toThrow("expected a ZmqError rejection, got TypeError: no");
  });

  it("errorCode gives a ZmqError's code or the value as a string", () => {
    expect(errorCode(new ZmqError("EFSM"))).toBe("EFSM");
    expect(errorCode(new Error("plain"))).toBe("Error: plain");
    expect(errorCode(undefined)).toBe("undefined");
  });

  it("later returns the same promise, its rejection handled until awaited", async () => {
    const p = Promise.reject(new ZmqError("EAGAIN"));
    expect(later(p)).toBe(p);
    await new Promise((r) => setTimeout(r, 5));
    await expect(p).rejects.toBeInstanceOf(ZmqError);
  });

  it("retryInUse retries only EADDRINUSE", async () => {
    let calls = 0;
    const inUse = Object.assign(new Error("in use"), { code: "EADDRINUSE" });
    const value = await retryInUse(async () => {
      await Promise.resolve();
      if (++calls < 3) throw inUse;
      return "bound";
    });
    expect([value, calls]).toEqual(["bound", 3]);
    await expect(retryInUse(() => Promise.reject(new ZmqError("EINVAL")))).rejects.toMatchObject({ code: "EINVAL" });
    await expect(retryInUse(() => Promise.reject(inUse), Date.now() - 1)).rejects.toBe(inUse);
  });
});

describe("events", () => {
  const socket = () => ({ events: new Observer() });
  const at = (type: "accept" | "handshake" | "disconnect", address = "a"): Event => ({ type, address });

  it("nextEvent resolves with the count-th event from now and stops listening", async () => {
    const s = socket();
    s.events.emit(at("handshake", "before"));
    const second = nextEvent(s, "handshake", 2);
    s.events.emit(at("handshake", "1"));
    s.events.emit(at("disconnect"));
    s.events.emit(at("handshake", "2"));
    expect(await second).toEqual({ type: "handshake", address: "2" });
    // The listener is gone: with none left, events are buffered for receive() again.
    s.events.emit(at("accept", "after"));
    const buffered = [await s.events.receive(), await s.events.receive(), await s.events.receive()];
    expect(buffered.map((e) => e.type)).toEqual(["handshake", "handshake", "accept"]);
  });

  it("watchEvents records, and waits for the n-th event of a type, from an index", async () => {
    const s = socket();
    const ev = watchEvents(s, ["accept", "handshake", "disconnect"]);
    s.events.emit({ type: "bind", address: "not watched" });
    s.events.emit(at("accept", "1"));
    const secondHandshake = ev.next("handshake", 2);
    const handshakeFrom2 = ev.next("handshake", 1, 2);
    s.events.emit(at("handshake", "1"));
    expect(await ev.next("handshake")).toEqual(at("handshake", "1"));
    s.events.emit(at("accept", "2"));
    s.events.emit(at("handshake", "2"));
    expect(await secondHandshake).toEqual(at("handshake", "2"));
    expect(await handshakeFrom2).toEqual(at("handshake", "2"));
    expect(ev.types()).toEqual(["accept", "handshake", "accept", "handshake"]);
    expect(ev.counts.get("handshake")).toBe(2);
  });

  it("watchEvents keeps counting after events is emptied", async () => {
    const s = socket();
    const ev = watchEvents(s);
    s.events.emit(at("disconnect"));
    ev.events.length = 0;
    await ev.untilCount("disconnect", 1);
    const third = ev.untilCount("disconnect", 3);
    s.events.emit(at("disconnect"));
    ev.events.length = 0;
    s.events.emit(at("disconnect"));
    await third;
    expect([ev.events.length, ev.counts.get("disconnect")]).toEqual([1, 3]);
  });
});

describe("endpointNames", () => {
  it("counts per function, with an optional label", () => {
    const ep = endpointNames("inproc://t");
    expect([ep(), ep("in"), ep()]).toEqual(["inproc://t-1", "inproc://t-in-2", "inproc://t-3"]);
    const labelled = endpointNames("inproc://d", "x");
    expect([labelled(), labelled("out")]).toEqual(["inproc://d-x-1", "inproc://d-out-2"]);
  });
});

describe("greetingBytes", () => {
  it("writes libzmq's ZMTP 3.x greeting, with any mechanism field", () => {
    const g = greetingBytes();
    expect(g.length).toBe(GREETING_LENGTH);
    expect(frameHex(g.subarray(0, 16))).toBe("ff00000000000000017f0301" + "4e554c4c");
    expect(g.subarray(16).every((b) => b === 0)).toBe(true);
    expect(greetingBytes({ minor: 0, mechanism: "PLAIN" }).subarray(10, 17)).toEqual(new Uint8Array([3, 0, 0x50, 0x4c, 0x41, 0x49, 0x4e]));
    const raw = greetingBytes({ mechanism: new Uint8Array(25).fill(0x41) });
    expect([raw[31], raw[32]]).toEqual([0x41, 0]);
  });
});
