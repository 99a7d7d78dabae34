import { describe, expect, it } from "vitest";
import { COPY_THRESHOLD, OutgoingFrames, plainFrames } from "./msg.js";

describe("OutgoingFrames: send()'s frames, and the copies of the caller's small ones", () => {
  it("views the caller's bytes until the message waits; then copies the small frames in place, once per array", () => {
    const out = new OutgoingFrames(plainFrames);
    const small = new Uint8Array(COPY_THRESHOLD).fill(1);
    const large = new Uint8Array(COPY_THRESHOLD + 1).fill(2);
    const msg = out.toMsg([small, large, "text"]);
    expect(msg[0]).toBe(small);
    expect(msg[1]).toBe(large);
    out.keep(msg);
    const copy = msg[0]!;
    expect(copy).not.toBe(small);
    expect(copy).toEqual(small);
    expect(msg[1]).toBe(large); // over the threshold: the caller's, as zeromq.js's zero-copy sends
    out.keep(msg); // the same array again (a second subscriber's pipe): no second copy
    expect(msg[0]).toBe(copy);
    small.fill(9);
    expect([...copy.subarray(0, 2)]).toEqual([1, 1]);
    out.done();
  });

  it("copies nothing for a message with no bytes of the caller's (strings, null, numbers)", () => {
    const out = new OutgoingFrames(plainFrames);
    const msg = out.toMsg(["a", null, 42]);
    const frames = [...msg];
    out.keep(msg);
    expect(msg).toEqual(frames);
    expect(msg.every((f, i) => f === frames[i])).toBe(true);
    out.done();
  });

  it("after done(), keep() copies nothing: it belongs to the send() under way", () => {
    const out = new OutgoingFrames(plainFrames);
    const bytes = Uint8Array.of(1, 2, 3);
    const msg = out.toMsg(bytes);
    out.done();
    out.keep(msg);
    expect(msg[0]).toBe(bytes);
  });

  it("copies each array it is given while one send() runs (a socket that writes a new array per pipe)", () => {
    const out = new OutgoingFrames(plainFrames);
    const bytes = Uint8Array.of(7);
    const msg = out.toMsg([bytes]);
    const other = [bytes];
    out.keep(msg);
    out.keep(other);
    expect(msg[0]).not.toBe(bytes);
    expect(other[0]).not.toBe(bytes);
    out.done();
  });

  it("views typed arrays and ArrayBuffers of the caller as bytes of the codec's type", () => {
    const out = new OutgoingFrames(plainFrames);
    const words = Uint16Array.of(0x0102);
    const buffer = new ArrayBuffer(2);
    const msg = out.toMsg([words, buffer]);
    expect(msg[0]!.buffer).toBe(words.buffer);
    expect(msg[1]!.buffer).toBe(buffer);
    out.keep(msg);
    expect(msg[0]!.buffer).not.toBe(words.buffer);
    expect(msg[1]!.buffer).not.toBe(buffer);
    out.done();
  });

  it("fanOut copies once and marks the message fanned until send() is done", () => {
    const out = new OutgoingFrames(plainFrames);
    const bytes = Uint8Array.of(5);
    const msg = out.toMsg(bytes);
    expect(out.fanned(msg)).toBe(false);
    out.fanOut(msg);
    expect(msg[0]).not.toBe(bytes);
    expect(out.fanned(msg)).toBe(true);
    out.done();
    expect(out.fanned(msg)).toBe(false);
  });
});
