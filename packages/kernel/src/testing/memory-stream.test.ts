import { afterEach, describe, expect, it, vi } from "vitest";
import { memoryStreamPair } from "./memory-stream.js";
import { recordStream } from "./stream-recorder.js";

/** Lets every queued microtask and zero-delay timer run: for asserting that something did NOT happen. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i % 256);

afterEach(() => {
  vi.useRealTimers();
});

describe("memoryStreamPair: delivery", () => {
  it("delivers writes in order, each as one chunk, never inside write()", async () => {
    const [a, b] = memoryStreamPair();
    const rb = recordStream(b);
    expect(a.write(bytes(1, 2))).toBe(true);
    expect(a.write(bytes(3))).toBe(true);
    expect(rb.chunks).toEqual([]);
    await rb.until(() => rb.chunks.length === 2);
    expect(rb.chunks).toEqual([bytes(1, 2), bytes(3)]);
    expect(a.bytesWritten).toBe(3);
    expect(b.bytesDelivered).toBe(3);
    expect(a.bufferedAmount).toBe(0);
  });

  it("works in both directions at once", async () => {
    const [a, b] = memoryStreamPair();
    const ra = recordStream(a);
    const rb = recordStream(b);
    a.write(bytes(1));
    b.write(bytes(2));
    await Promise.all([ra.until(() => ra.chunks.length === 1), rb.until(() => rb.chunks.length === 1)]);
    expect(ra.bytes()).toEqual(bytes(2));
    expect(rb.bytes()).toEqual(bytes(1));
  });

  it("copies written bytes, so the writer may reuse its buffer", async () => {
    const [a, b] = memoryStreamPair();
    const rb = recordStream(b);
    const buf = bytes(1, 2, 3);
    a.write(buf);
    buf.fill(9);
    await rb.until(() => rb.chunks.length === 1);
    expect(rb.bytes()).toEqual(bytes(1, 2, 3));
  });

  it("splits deliveries at chunkSize 1 into one onData per byte, in order", async () => {
    const [a, b] = memoryStreamPair({ chunkSize: 1 });
    const rb = recordStream(b);
    a.write(bytes(1, 2, 3));
    a.write(bytes(4, 5));
    await rb.until(() => rb.bytes().length === 5);
    expect(rb.chunks.map((c) => c.length)).toEqual([1, 1, 1, 1, 1]);
    expect(rb.bytes()).toEqual(bytes(1, 2, 3, 4, 5));
  });

  it("splits at larger chunk sizes and per direction", async () => {
    const [a, b] = memoryStreamPair({ first: { chunkSize: 3 } });
    const ra = recordStream(a);
    const rb = recordStream(b);
    a.write(new Uint8Array(range(8)));
    b.write(new Uint8Array(range(8)));
    await Promise.all([ra.until(() => ra.chunks.length === 1), rb.until(() => rb.chunks.length === 3)]);
    expect(rb.chunks.map((c) => c.length)).toEqual([3, 3, 2]);
    expect(rb.bytes()).toEqual(new Uint8Array(range(8)));
    expect(ra.chunks.map((c) => c.length)).toEqual([8]);
  });

  it("writev sends the chunks together as one write", async () => {
    const [a, b] = memoryStreamPair();
    const rb = recordStream(b);
    expect(a.writev([bytes(1), bytes(), bytes(2, 3)])).toBe(true);
    await rb.until(() => rb.chunks.length === 1);
    expect(rb.chunks).toEqual([bytes(1, 2, 3)]);
  });

  it("delays each write by delayMs and keeps order when the delay changes", async () => {
    vi.useFakeTimers();
    const [a, b] = memoryStreamPair({ delayMs: 10 });
    const rb = recordStream(b);
    a.write(bytes(1));
    await vi.advanceTimersByTimeAsync(9);
    expect(rb.chunks).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(rb.bytes()).toEqual(bytes(1));
    a.write(bytes(2));
    a.setFaults({ delayMs: 2 });
    a.write(bytes(3));
    await vi.advanceTimersByTimeAsync(2);
    expect(rb.bytes()).toEqual(bytes(1)); // byte 3 is due but waits behind byte 2
    await vi.advanceTimersByTimeAsync(8);
    expect(rb.bytes()).toEqual(bytes(1, 2, 3));
  });

  it("delays one direction only when a side sets delayMs", async () => {
    vi.useFakeTimers();
    const [a, b] = memoryStreamPair({ second: { delayMs: 50 } });
    const ra = recordStream(a);
    const rb = recordStream(b);
    a.write(bytes(1));
    b.write(bytes(2));
    await vi.advanceTimersByTimeAsync(0);
    expect(rb.bytes()).toEqual(bytes(1));
    expect(ra.bytes()).toEqual(bytes());
    await vi.advanceTimersByTimeAsync(50);
    expect(ra.bytes()).toEqual(bytes(2));
  });

  it("reports endpoint and remoteAddress, with defaults", () => {
    const [a, b] = memoryStreamPair();
    expect([a.endpoint, a.remoteAddress, b.endpoint, b.remoteAddress]).toEqual(["mem://test", "", "mem://test", ""]);
    const [c, d] = memoryStreamPair({ endpoint: "tcp://x:1", remoteAddress: "10.0.0.1", second: { remoteAddress: "10.0.0.2" } });
    expect([c.endpoint, c.remoteAddress, d.endpoint, d.remoteAddress]).toEqual(["tcp://x:1", "10.0.0.1", "tcp://x:1", "10.0.0.2"]);
  });

  it("rejects nonsensical fault options with EINVAL", () => {
    expect(() => memoryStreamPair({ chunkSize: 0 })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => memoryStreamPair({ highWaterMark: 0 })).toThrow(expect.objectContaining({ detail: expect.stringMatching(/highWaterMark/) }));
    expect(() => memoryStreamPair({ second: { delayMs: -1 } })).toThrow(expect.objectContaining({ detail: expect.stringMatching(/delayMs/) }));
  });
});

describe("memoryStreamPair: handlers set late", () => {
  it("queues data and close until setHandlers, then delivers data before close", async () => {
    const [a, b] = memoryStreamPair({ chunkSize: 2 });
    const rb = recordStream(b, { install: false });
    a.write(bytes(1, 2, 3));
    a.end();
    await settle();
    expect(rb.log).toEqual([]);
    expect(a.bufferedAmount).toBe(3); // held by the reader, so still counted against the writer
    rb.install();
    expect(rb.log).toEqual([]); // not inside setHandlers either
    await rb.until(() => rb.closes.length === 1);
    expect(rb.log).toEqual(["data:2", "data:1", "close:-"]);
  });

  it("queues a destroy from the peer until setHandlers", async () => {
    const [a, b] = memoryStreamPair();
    const rb = recordStream(b, { install: false });
    a.write(bytes(1));
    a.destroy();
    await settle();
    rb.install();
    await rb.until(() => rb.closes.length === 1);
    expect(rb.log).toEqual(["close:ECONNRESET"]);
  });
});

describe("memoryStreamPair: backpressure", () => {
  it("returns false at highWaterMark and fires onDrain once the reader has the backlog below it", async () => {
    const [a, b] = memoryStreamPair({ highWaterMark: 10 });
    const ra = recordStream(a);
    const rb = recordStream(b, { install: false });
    expect(a.write(new Uint8Array(6))).toBe(true);
    expect(a.write(new Uint8Array(6))).toBe(false);
    expect(a.write(new Uint8Array(1))).toBe(false); // still accepted, still over
    expect(a.bufferedAmount).toBe(13);
    await settle();
    expect(ra.drains).toBe(0); // nobody has read yet
    rb.install();
    await ra.until(() => ra.drains === 1);
    expect(rb.bytes().length).toBe(13);
    expect(a.bufferedAmount).toBe(0);
    await settle();
    expect(ra.drains).toBe(1);
  });

  it("does not fire onDrain when write never returned false", async () => {
    const [a, b] = memoryStreamPair({ highWaterMark: 10 });
    const ra = recordStream(a);
    const rb = recordStream(b);
    a.write(new Uint8Array(9));
    await rb.until(() => rb.chunks.length === 1);
    await settle();
    expect(ra.drains).toBe(0);
  });

  it("pause() holds data back, pushes back on the writer, and resume() delivers in order", async () => {
    const [a, b] = memoryStreamPair({ highWaterMark: 4, chunkSize: 1 });
    const ra = recordStream(a);
    const rb = recordStream(b);
    b.pause();
    expect(b.paused).toBe(true);
    expect(a.write(bytes(1, 2))).toBe(true);
    await settle();
    expect(rb.chunks).toEqual([]);
    expect(a.write(bytes(3, 4))).toBe(false);
    expect(a.write(bytes(5))).toBe(false);
    await settle();
    expect(rb.chunks).toEqual([]);
    expect(ra.drains).toBe(0);
    b.resume();
    expect(rb.chunks).toEqual([]); // not inside resume()
    await ra.until(() => ra.drains === 1);
    await rb.until(() => rb.chunks.length === 5);
    expect(rb.bytes()).toEqual(bytes(1, 2, 3, 4, 5));
    expect(a.write(bytes(6))).toBe(true);
  });

  it("pause() inside onData stops the very next delivery", async () => {
    const [a, b] = memoryStreamPair({ chunkSize: 1 });
    const got: number[] = [];
    let resolveFirst!: () => void;
    const first = new Promise<void>((resolve) => (resolveFirst = resolve));
    b.setHandlers({
      onData: (chunk) => {
        got.push(...chunk);
        b.pause();
        resolveFirst();
      },
      onDrain: () => undefined,
      onClose: () => undefined,
    });
    a.write(bytes(1, 2, 3));
    await first;
    await settle();
    expect(got).toEqual([1]);
    b.resume();
    await settle();
    expect(got).toEqual([1, 2]);
  });
});

describe("memoryStreamPair: closing", () => {
  it("end() delivers written bytes first, then both sides get onClose() without error", async () => {
    const [a, b] = memoryStreamPair({ chunkSize: 1, delayMs: 1 });
    const ra = recordStream(a);
    const rb = recordStream(b);
    a.write(bytes(1, 2, 3));
    a.end();
    expect(a.write(bytes(4))).toBe(false);
    expect(a.bytesWritten).toBe(3);
    await Promise.all([ra.until(() => ra.closes.length === 1), rb.until(() => rb.closes.length === 1)]);
    expect(rb.log).toEqual(["data:1", "data:1", "data:1", "close:-"]);
    expect(ra.closes).toEqual([[]]);
    expect(rb.closes).toEqual([[]]);
    expect(b.write(bytes(1))).toBe(false);
  });

  it("end() waits for a paused reader, as a TCP close does", async () => {
    const [a, b] = memoryStreamPair();
    const ra = recordStream(a);
    const rb = recordStream(b);
    b.pause();
    a.write(bytes(1));
    a.end();
    await settle();
    expect(ra.closes).toEqual([]);
    b.resume();
    await ra.until(() => ra.closes.length === 1);
    expect(rb.log).toEqual(["data:1", "close:-"]);
  });

  it("end() with nothing written closes both sides asynchronously", async () => {
    const [a, b] = memoryStreamPair();
    const ra = recordStream(a);
    const rb = recordStream(b);
    a.end();
    expect(a.closed).toBe(false);
    await Promise.all([ra.until(() => ra.closes.length === 1), rb.until(() => rb.closes.length === 1)]);
    expect([ra.closes, rb.closes]).toEqual([[[]], [[]]]);
  });

  it("destroy() closes at once: own side onClose(), peer ECONNRESET, undelivered bytes lost", async () => {
    vi.useFakeTimers();
    const [a, b] = memoryStreamPair({ delayMs: 5 });
    const ra = recordStream(a);
    const rb = recordStream(b);
    a.write(bytes(1));
    a.destroy();
    expect(a.closed && b.closed).toBe(true);
    expect(a.write(bytes(2))).toBe(false);
    expect(ra.closes).toEqual([]); // reported on a microtask, not inside destroy()
    await vi.advanceTimersByTimeAsync(10);
    expect(ra.closes).toEqual([[]]);
    expect(rb.closes).toEqual([[expect.objectContaining({ code: "ECONNRESET" })]]);
    expect(rb.chunks).toEqual([]);
    expect(b.bytesDelivered).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("abort() injects a reset: both sides get the error, held and in-flight bytes are lost", async () => {
    const [a, b] = memoryStreamPair();
    const ra = recordStream(a);
    const rb = recordStream(b);
    b.pause();
    a.write(bytes(1));
    await settle();
    a.write(bytes(2));
    b.abort();
    await Promise.all([ra.until(() => ra.closes.length === 1), rb.until(() => rb.closes.length === 1)]);
    const reset = { code: "ECONNRESET", message: expect.any(String) as unknown };
    expect(ra.closes).toEqual([[reset]]);
    expect(rb.closes).toEqual([[reset]]);
    expect(rb.chunks).toEqual([]);
  });

  it("abort(code, message) reports that code", async () => {
    const [a, b] = memoryStreamPair();
    const rb = recordStream(b);
    a.abort("EPIPE", "broken pipe");
    await rb.until(() => rb.closes.length === 1);
    expect(rb.closes).toEqual([[{ code: "EPIPE", message: "broken pipe" }]]);
  });

  it("calls onClose exactly once per side, whatever closes follow", async () => {
    const [a, b] = memoryStreamPair();
    const ra = recordStream(a);
    const rb = recordStream(b);
    a.write(bytes(1));
    a.end();
    b.end();
    a.destroy();
    b.abort();
    a.end();
    b.destroy();
    await settle();
    await settle();
    expect(ra.closes).toEqual([[]]);
    expect(rb.closes).toEqual([[expect.objectContaining({ code: "ECONNRESET" })]]);
    expect(rb.log).toEqual(["close:ECONNRESET"]);
  });

  it("fires no drain, connect or data after close", async () => {
    const [a, b] = memoryStreamPair({ highWaterMark: 1 });
    const ra = recordStream(a);
    recordStream(b);
    expect(a.write(bytes(1, 2))).toBe(false);
    a.signalConnect();
    a.destroy();
    a.signalConnect();
    await settle();
    expect(ra.log).toEqual(["close:-"]);
  });
});

describe("memoryStreamPair: connect signal", () => {
  it("signalConnect() reports onConnect once, before data", async () => {
    const [a, b] = memoryStreamPair();
    const ra = recordStream(a);
    b.write(bytes(7));
    a.signalConnect();
    a.signalConnect();
    await ra.until(() => ra.chunks.length === 1);
    await settle();
    expect(ra.log).toEqual(["connect", "data:1"]);
  });
});
