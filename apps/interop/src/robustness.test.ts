// Robustness of @zmq/zeromq against peers that send bad bytes (DESIGN.md
// §1.6): a raw node:net client connects to a bound zmq-ts socket and sends
// garbage, bad greetings, oversized or truncated frames, refused or malformed
// READYs, data before READY, or stalls mid-handshake. Each time zmq-ts must
// close that connection with the monitor events libzmq gives, keep serving a
// well-behaved peer connected alongside, throw nothing into the process, and
// hold no memory, sockets or timers once the bad peers are gone.
import { once } from "node:events";
import { rmSync } from "node:fs";
import { connect, type Socket as NetSocket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createCleanup, greetingBytes, watchEvents } from "@zmq/kernel/testing";
import { type Event, type EventType, Pair, Pull, Push } from "@zmq/zeromq";
import { FrameEncoder, encodeReady } from "@zmq/wire";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

// ---- process guard: no unhandled rejection, no uncaught exception ----------

const processErrors: unknown[] = [];
const onProcessError = (error: unknown): void => {
  processErrors.push(error);
};

/** Lets pending rejections surface (Node reports them after the microtask queue drains). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function expectCalm(): Promise<void> {
  await settle();
  await settle();
  expect(processErrors).toEqual([]);
}

const cleanup = createCleanup({ onError: (error) => processErrors.push(error) });

beforeEach(() => {
  processErrors.length = 0;
  process.on("unhandledRejection", onProcessError);
  process.on("uncaughtException", onProcessError);
});

afterEach(async () => {
  cleanup.closeAll();
  await settle();
  await settle();
  process.off("unhandledRejection", onProcessError);
  process.off("uncaughtException", onProcessError);
  expect(processErrors).toEqual([]);
});

const track = cleanup.track;

// ---- ZMTP bytes --------------------------------------------------------------

const encoder = new FrameEncoder();

/** A 64-byte ZMTP 3.1 greeting; `mechanism` is written as given (string NUL-padded, or raw 20 bytes). */
const greeting = (mechanism?: string | Buffer): Buffer => Buffer.from(greetingBytes({ mechanism }).buffer);

const command = (body: Uint8Array): Buffer => Buffer.from(encoder.encodeCommand(body));
const ready = (socketType: string): Buffer => command(encodeReady([["Socket-Type", socketType]]));
const message = (...frames: string[]): Buffer => Buffer.concat(encoder.encodeMessage(frames.map((f) => Buffer.from(f))));

/** A READY command frame with a hand-made (possibly malformed) property list. */
function rawReady(properties: Buffer): Buffer {
  return command(Buffer.concat([Buffer.from([5]), Buffer.from("READY"), properties]));
}

/** A LONG frame header (flags | LONG) announcing `size` bytes. */
function longHeader(flags: number, size: bigint): Buffer {
  const h = Buffer.alloc(9);
  h[0] = flags | 0x02;
  h.writeBigUInt64BE(size, 1);
  return h;
}

const handshake = (socketType: string): Buffer => Buffer.concat([greeting(), ready(socketType)]);

/** mulberry32: a small seeded PRNG so "random" garbage is the same on every run. */
function seededBytes(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

/** Random bytes behind a versioned ZMTP 3 signature: the mechanism field is garbage. */
function garbageAfterSignature(seed: number, length = 4096): Buffer {
  const g = seededBytes(seed, length);
  g[0] = 0xff;
  g[9] = g[9]! | 1;
  g[10] = 3;
  return g;
}

// ---- the socket under test, its monitor, and a well-behaved peer -------------

type Server = Pull | Pair;

interface Rig {
  readonly server: Server;
  readonly good: Push | Pair;
  readonly address: string;
  readonly events: Event[];
  readonly counts: ReadonlyMap<EventType, number>;
  /** Resolves with the first event of `type` at or after index `from` of `events`. */
  waitFor(type: EventType, from?: number): Promise<Event>;
  /** Resolves once `count` events of `type` were seen in total. */
  waitForCount(type: EventType, count: number): Promise<void>;
  sent: number;
}

let ipcCounter = 0;
const ipcAddress = (): string => `ipc://${join(tmpdir(), `zmq-ts-robustness-${process.pid}-${ipcCounter++}.sock`)}`;

const MONITORED: EventType[] = [
  "accept",
  "disconnect",
  "handshake",
  "handshake:error:protocol",
  "handshake:error:other",
  "handshake:error:auth",
  "close",
];

async function rig(
  kind: "pull" | "pair",
  options: { maxMessageSize?: number; handshakeInterval?: number } = {},
  transport: "tcp" | "ipc" = "tcp",
): Promise<Rig> {
  let endpoint = "tcp://127.0.0.1:*";
  if (transport === "ipc") {
    endpoint = ipcAddress();
    const path = endpoint.slice("ipc://".length);
    cleanup.defer(() => rmSync(path, { force: true })); // runs after the socket's close (LIFO)
  }
  const socketOptions = { linger: 0, receiveTimeout: 3000, sendTimeout: 3000, ...options };
  const server = track(kind === "pull" ? new Pull(socketOptions) : new Pair(socketOptions));
  const watch = watchEvents(server, MONITORED);
  await server.bind(endpoint);
  const address = server.lastEndpoint!;
  const good = track(kind === "pull" ? new Push({ linger: 0, sendTimeout: 3000 }) : new Pair({ linger: 0, sendTimeout: 3000, receiveTimeout: 3000 }));
  good.connect(address);

  const r: Rig = {
    server,
    good,
    address,
    events: watch.events,
    counts: watch.counts,
    sent: 0,
    waitFor: (type, from = 0) => watch.next(type, 1, from),
    waitForCount: (type, count) => watch.untilCount(type, count),
  };
  await r.waitFor("handshake");
  await goodTraffic(r);
  return r;
}

/**
 * The well-behaved peer still gets through: a message from it reaches the
 * server (and, for PAIR, one goes back). With `skipForeign`, messages that
 * a garbage peer managed to get delivered (ZMTP 1.0 framing) are skipped.
 */
async function goodTraffic(r: Rig, skipForeign = false): Promise<void> {
  const text = `good-${r.sent++}`;
  await r.good.send(text);
  for (let skipped = 0; ; skipped++) {
    const frames = await r.server.receive();
    const got = frames.map((f) => f.toString("latin1"));
    if (skipForeign && got[0] !== text && !got[0]!.startsWith("good-") && skipped < 10_000) continue;
    expect(got).toEqual([text]);
    break;
  }
  if (r.good instanceof Pair && r.server instanceof Pair) {
    await r.server.send(`back-${text}`);
    const [back] = await r.good.receive();
    expect(back!.toString()).toBe(`back-${text}`);
  }
}

// ---- the raw peer ----------------------------------------------------------------

interface Raw {
  readonly socket: NetSocket;
  /** Resolves when the connection is fully closed. */
  readonly closed: Promise<void>;
  /** Bytes zmq-ts sent us. */
  readonly received: () => number;
  /** zmq-ts sent FIN (we saw 'end') or reset the connection. */
  readonly closedByServer: () => boolean;
}

async function rawConnect(address: string, allowHalfOpen = false): Promise<Raw> {
  let socket: NetSocket;
  if (address.startsWith("tcp://")) {
    const url = new URL(address);
    socket = connect({ host: url.hostname, port: Number(url.port), allowHalfOpen });
  } else {
    socket = connect({ path: address.slice("ipc://".length), allowHalfOpen });
  }
  const forget = cleanup.defer(() => socket.destroy());
  let bytes = 0;
  let ended = false;
  let errored = false;
  socket.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
  });
  socket.on("end", () => {
    ended = true;
  });
  socket.on("error", () => {
    errored = true;
  });
  // Not events.once: it rejects on 'error', and a reset peer is what these tests expect.
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve())).then(() => {
    // Closed sockets need no cleanup (and a long hammer must not grow the list).
    forget();
  });
  await once(socket, "connect");
  return { socket, closed, received: () => bytes, closedByServer: () => ended || errored };
}

/** Waits for `promise`, for at most `ms` (then carries on: the caller's assertions report what is missing). */
function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.then(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Writes and waits for the bytes to be handed to the kernel (errors are the close's business). */
function write(raw: Raw, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => raw.socket.write(bytes, () => resolve()));
}

type Expected = readonly (EventType | readonly ["handshake:error:protocol" | "handshake:error:other", string | RegExp])[];

/**
 * A raw peer sends `bytes` (and then, if `thenEnd`, closes its side). zmq-ts
 * must close the connection, emit `accept`, the `expected` events, and
 * `disconnect`, and keep serving the well-behaved peer.
 */
async function expectRejected(r: Rig, bytes: Buffer, expected: Expected, opts: { thenEnd?: boolean; skipForeign?: boolean } = {}): Promise<void> {
  const mark = r.events.length;
  const disconnected = r.waitFor("disconnect", mark);
  const raw = await rawConnect(r.address);
  raw.socket.write(bytes);
  if (opts.thenEnd) raw.socket.end();
  await raw.closed;
  // zmq-ts emits disconnect as it closes; the bound only turns a missing event into a readable failure.
  await within(disconnected, 1000);
  if (!opts.thenEnd) expect(raw.closedByServer()).toBe(true);
  // zmq-ts greeted us before it gave up: at least its 10-byte signature.
  expect(raw.received()).toBeGreaterThanOrEqual(10);
  const seen = r.events.slice(mark);
  const want = ["accept", ...expected.map((e) => (typeof e === "string" ? e : e[0])), "disconnect"];
  if (opts.skipForeign) {
    expect(seen[0]!.type).toBe("accept");
    expect(seen.at(-1)!.type).toBe("disconnect");
  } else {
    expect(seen.map((e) => e.type)).toEqual(want);
  }
  for (const [i, e] of seen.entries()) {
    expect(e).toMatchObject({ address: r.address });
    if (e.type === "handshake:error:protocol") {
      expect(e.error.code).toMatch(/^ERR_/);
      expect(e.error.message.length).toBeGreaterThan(0);
    }
    const spec = expected[i - 1];
    if (!opts.skipForeign && spec !== undefined && typeof spec !== "string") {
      expect(e.type).toBe(spec[0]);
      const code = (e as { error?: { code: string } }).error?.code;
      if (typeof spec[1] === "string") expect(code).toBe(spec[1]);
      else expect(code).toMatch(spec[1]);
    }
  }
  await goodTraffic(r, opts.skipForeign);
}

// ---- the cases -------------------------------------------------------------------

const U64_2_63 = 1n << 63n;

interface Case {
  readonly name: string;
  readonly bytes: Buffer;
  readonly expected: Expected;
  readonly thenEnd?: boolean;
}

const prop = (name: string, declaredValueLength: number, value = Buffer.alloc(0)): Buffer => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(declaredValueLength >>> 0);
  return Buffer.concat([Buffer.from([name.length]), Buffer.from(name, "latin1"), len, value]);
};

/** Cases every socket type must survive; `peerOk` is a Socket-Type it accepts, `peerBad` one it refuses. */
function commonCases(peerOk: string, peerBad: string): Case[] {
  const notPadded = Buffer.alloc(20);
  notPadded.write("NULL");
  notPadded[8] = 0x41; // "NULL\0\0\0\0A..." : the field is not NUL-padded
  return [
    {
      name: "random garbage behind a ZMTP signature",
      bytes: garbageAfterSignature(7),
      expected: [["handshake:error:protocol", "ERR_ZMTP_MECHANISM_MISMATCH"]],
    },
    {
      name: "64 zero bytes (bad signature, read as a ZMTP 1.0 frame of length 0)",
      bytes: Buffer.alloc(64),
      expected: [["handshake:error:protocol", "ERR_ZMTP_UNSPECIFIED"]],
    },
    {
      name: "a signature with 0xFF padding and end byte 0x7E (a 2^64-1 ZMTP 1.0 length)",
      bytes: Buffer.concat([Buffer.alloc(9, 0xff), Buffer.from([0x7e]), greeting().subarray(10)]),
      expected: [["handshake:error:protocol", "ERR_ZMTP_UNSPECIFIED"]],
    },
    { name: "mechanism CURVE", bytes: greeting("CURVE"), expected: [["handshake:error:protocol", "ERR_ZMTP_MECHANISM_MISMATCH"]] },
    { name: "mechanism XYZ", bytes: greeting("XYZ"), expected: [["handshake:error:protocol", "ERR_ZMTP_MECHANISM_MISMATCH"]] },
    { name: "mechanism field not NUL-padded", bytes: greeting(notPadded), expected: [["handshake:error:protocol", "ERR_ZMTP_MECHANISM_MISMATCH"]] },
    { name: "mechanism in lower case", bytes: greeting("null"), expected: [["handshake:error:protocol", "ERR_ZMTP_MECHANISM_MISMATCH"]] },
    {
      name: "a 2^63-byte command frame in place of READY",
      bytes: Buffer.concat([greeting(), longHeader(0x04, U64_2_63)]),
      expected: [["handshake:error:protocol", "ERR_ZMTP_UNSPECIFIED"]],
    },
    {
      name: "a 2^63-byte data frame after the handshake",
      bytes: Buffer.concat([handshake(peerOk), longHeader(0x00, U64_2_63)]),
      expected: ["handshake"],
    },
    {
      name: "a 2^64-1-byte data frame after the handshake",
      bytes: Buffer.concat([handshake(peerOk), longHeader(0x01, (1n << 64n) - 1n)]),
      expected: ["handshake"],
    },
    {
      name: `an incompatible Socket-Type (${peerBad}) in READY`,
      bytes: handshake(peerBad),
      expected: [["handshake:error:protocol", "ERR_ZMTP_INVALID_METADATA"]],
    },
    {
      name: "an unknown Socket-Type in READY",
      bytes: handshake("BOGUS"),
      expected: [["handshake:error:protocol", "ERR_ZMTP_INVALID_METADATA"]],
    },
    {
      name: "READY with a property name running past the command",
      bytes: Buffer.concat([greeting(), rawReady(Buffer.from([11, ...Buffer.from("Socke")]))]),
      expected: [["handshake:error:protocol", "ERR_ZMTP_MALFORMED_COMMAND_READY"]],
    },
    {
      name: "READY with a value length past the command",
      bytes: Buffer.concat([greeting(), rawReady(prop("Socket-Type", 200, Buffer.from(peerOk)))]),
      expected: [["handshake:error:protocol", "ERR_ZMTP_MALFORMED_COMMAND_READY"]],
    },
    {
      name: "READY with a 2^32-1 value length",
      bytes: Buffer.concat([greeting(), rawReady(prop("Socket-Type", 0xffffffff, Buffer.from(peerOk)))]),
      expected: [["handshake:error:protocol", "ERR_ZMTP_MALFORMED_COMMAND_READY"]],
    },
    {
      name: "READY with an empty property name",
      bytes: Buffer.concat([greeting(), rawReady(Buffer.from([0, 0, 0, 0, 0]))]),
      expected: [["handshake:error:protocol", "ERR_ZMTP_MALFORMED_COMMAND_READY"]],
    },
    {
      name: "a command frame whose name length runs past it",
      bytes: Buffer.concat([greeting(), command(Buffer.from([40, ...Buffer.from("READY")]))]),
      expected: [["handshake:error:protocol", "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED"]],
    },
    {
      name: "an empty command frame",
      bytes: Buffer.concat([greeting(), Buffer.from([0x04, 0x00])]),
      expected: [["handshake:error:protocol", "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED"]],
    },
    {
      name: "a PING before READY",
      bytes: Buffer.concat([greeting(), command(Buffer.from([4, ...Buffer.from("PING"), 0, 0]))]),
      expected: [["handshake:error:protocol", "ERR_ZMTP_UNEXPECTED_COMMAND"]],
    },
    {
      name: "a data frame before READY",
      bytes: Buffer.concat([greeting(), message("too", "early")]),
      expected: [["handshake:error:protocol", "ERR_ZMTP_UNEXPECTED_COMMAND"]],
    },
    {
      name: "a truncated frame, then the peer closes",
      bytes: Buffer.concat([handshake(peerOk), Buffer.from([0x00, 200]), Buffer.alloc(50, 0x61)]),
      expected: ["handshake"],
      thenEnd: true,
    },
    {
      name: "a truncated greeting, then the peer closes",
      bytes: greeting().subarray(0, 40),
      // libzmq reports EPIPE for a peer that hangs up mid-handshake; any errno-style code will do.
      expected: [["handshake:error:other", /^E[A-Z]+$/]],
      thenEnd: true,
    },
  ];
}

// Per-test bound: every case settles in milliseconds; this only turns a hang into a failure.
const CASE_TIMEOUT = 5000;

describe("a bound PULL and bad peers (tcp)", () => {
  for (const c of commonCases("PUSH", "PULL")) {
    it(
      `handles a peer that sends ${c.name}`,
      async () => {
        const r = await rig("pull");
        await expectRejected(r, c.bytes, c.expected, { thenEnd: c.thenEnd });
        await expectCalm();
      },
      CASE_TIMEOUT,
    );
  }

  it(
    "closes a peer that sends 64 KiB of seeded random garbage (read as ZMTP 1.0 until it breaks)",
    async () => {
      const r = await rig("pull");
      await expectRejected(r, seededBytes(20240611, 64 * 1024), [], { skipForeign: true });
      await expectCalm();
    },
    CASE_TIMEOUT,
  );

  it(
    "closes a peer whose frame is one byte over maxMessageSize, and accepts one at the limit",
    async () => {
      const r = await rig("pull", { maxMessageSize: 100 });
      // A frame exactly at the limit is fine.
      const ok = await rawConnect(r.address);
      const atLimit = "x".repeat(100);
      await write(ok, Buffer.concat([handshake("PUSH"), message(atLimit)]));
      expect((await r.server.receive()).map(String)).toEqual([atLimit]);
      ok.socket.destroy();
      await ok.closed;
      await r.waitForCount("disconnect", 1);
      // One byte more is not.
      await expectRejected(r, Buffer.concat([handshake("PUSH"), message("y".repeat(101))]), ["handshake"]);
      // Nor is a LONG header announcing more, before any body byte arrives.
      await expectRejected(r, Buffer.concat([handshake("PUSH"), longHeader(0x00, 101n)]), ["handshake"]);
      await expectCalm();
    },
    CASE_TIMEOUT,
  );

  it(
    "drops a peer that sends half a greeting and goes silent (handshakeInterval 200 ms)",
    async () => {
      const r = await rig("pull", { handshakeInterval: 200 });
      await expectRejected(r, greeting().subarray(0, 30), [["handshake:error:other", "EAGAIN"]]);
      await expectCalm();
    },
    CASE_TIMEOUT,
  );

  it(
    "drops a peer that greets but never sends READY (handshakeInterval 200 ms)",
    async () => {
      const r = await rig("pull", { handshakeInterval: 200 });
      await expectRejected(r, greeting(), [["handshake:error:other", "EAGAIN"]]);
      await expectCalm();
    },
    CASE_TIMEOUT,
  );

  it(
    "drops a peer that connects and sends nothing (handshakeInterval 200 ms)",
    async () => {
      const r = await rig("pull", { handshakeInterval: 200 });
      await expectRejected(r, Buffer.alloc(0), [["handshake:error:other", "EAGAIN"]]);
      await expectCalm();
    },
    CASE_TIMEOUT,
  );

  it(
    "keeps serving while many bad peers come and go at once",
    async () => {
      const r = await rig("pull", { handshakeInterval: 300 });
      const cases = commonCases("PUSH", "PULL").filter((c) => !c.thenEnd);
      const mark = r.events.length;
      const before = r.counts.get("disconnect") ?? 0;
      const raws = await Promise.all(cases.map(() => rawConnect(r.address)));
      raws.forEach((raw, i) => raw.socket.write(cases[i]!.bytes));
      // The well-behaved peer's traffic goes on while the bad ones are being handled.
      for (let i = 0; i < 20; i++) await goodTraffic(r);
      await Promise.all(raws.map((raw) => raw.closed));
      await r.waitForCount("disconnect", before + cases.length);
      for (const raw of raws) expect(raw.closedByServer()).toBe(true);
      const seen = r.events.slice(mark);
      expect(seen.filter((e) => e.type === "accept")).toHaveLength(cases.length);
      expect(seen.filter((e) => e.type === "disconnect")).toHaveLength(cases.length);
      await goodTraffic(r);
      await expectCalm();
    },
    CASE_TIMEOUT,
  );
});

describe("a bound PAIR and bad peers (tcp)", () => {
  const pick = new Set([
    "random garbage behind a ZMTP signature",
    "mechanism CURVE",
    "mechanism field not NUL-padded",
    "a 2^63-byte command frame in place of READY",
    "an incompatible Socket-Type (PUSH) in READY",
    "READY with a property name running past the command",
    "READY with a 2^32-1 value length",
    "a data frame before READY",
    "a truncated greeting, then the peer closes",
  ]);
  const cases = commonCases("PAIR", "PUSH").filter((c) => pick.has(c.name));
  if (cases.length !== pick.size) throw new Error(`PAIR cases: found ${cases.length} of ${pick.size}`);
  for (const c of cases) {
    it(
      `handles a peer that sends ${c.name}`,
      async () => {
        const r = await rig("pair");
        await expectRejected(r, c.bytes, c.expected, { thenEnd: c.thenEnd });
        await expectCalm();
      },
      CASE_TIMEOUT,
    );
  }

  it(
    "turns away a second, well-formed PAIR peer (closing it, with a disconnect event) and keeps the first",
    async () => {
      const r = await rig("pair");
      // zmq-ts closes a second PAIR's connection once its pipe is refused
      // (libzmq keeps it open and idle); whoever closes must say so on the monitor.
      await expectRejected(r, handshake("PAIR"), ["handshake"]);
      await expectCalm();
    },
    CASE_TIMEOUT,
  );

  it(
    "drops a peer that sends half a greeting and goes silent (handshakeInterval 200 ms)",
    async () => {
      const r = await rig("pair", { handshakeInterval: 200 });
      await expectRejected(r, greeting().subarray(0, 30), [["handshake:error:other", "EAGAIN"]]);
      await expectCalm();
    },
    CASE_TIMEOUT,
  );
});

describe("a bound PULL and bad peers (ipc)", () => {
  it(
    "closes bad peers on a unix socket and keeps serving",
    async () => {
      const r = await rig("pull", { handshakeInterval: 200 }, "ipc");
      expect(r.address).toMatch(/^ipc:\/\//);
      await expectRejected(r, greeting("CURVE"), [["handshake:error:protocol", "ERR_ZMTP_MECHANISM_MISMATCH"]]);
      await expectRejected(r, Buffer.concat([handshake("PUSH"), longHeader(0x00, U64_2_63)]), ["handshake"]);
      await expectRejected(r, handshake("PULL"), [["handshake:error:protocol", "ERR_ZMTP_INVALID_METADATA"]]);
      await expectRejected(r, greeting().subarray(0, 30), [["handshake:error:other", "EAGAIN"]]);
      await expectCalm();
    },
    CASE_TIMEOUT,
  );
});

describe("what a bad peer leaves behind", () => {
  it(
    "a peer that keeps its half of the connection open after a protocol error is still cut off",
    async () => {
      const r = await rig("pull");
      const mark = r.events.length;
      const raw = await rawConnect(r.address, true);
      raw.socket.write(greeting("XYZ"));
      await once(raw.socket, "end");
      await r.waitFor("disconnect", mark);
      // zmq-ts has given up on this peer. If it closed the socket (as libzmq
      // does), our writes now meet a reset; if it only half-closed it, they
      // are read and discarded for as long as we care to keep writing. There
      // is no event for the far side's close() on a half-open TCP connection,
      // so probe with a byte every 20 ms, for at most 2 s.
      let closed = false;
      void raw.closed.then(() => {
        closed = true;
      });
      // A write error destroys the socket; Node may not emit 'close' for a
      // half-open socket that fails this way, so destroyed counts too.
      for (let i = 0; i < 100 && !closed && !raw.socket.destroyed; i++) {
        raw.socket.write("x");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(closed || raw.socket.destroyed).toBe(true);
      await goodTraffic(r);
      await expectCalm();
    },
    CASE_TIMEOUT,
  );

  it(
    "messages a peer completed before its bad bytes are still delivered after the disconnect (as libzmq)",
    async () => {
      const tails: [string, Buffer, boolean][] = [
        ["the peer closes", Buffer.alloc(0), true],
        ["a truncated frame, then the peer closes", Buffer.from([0x00, 200, 1, 2, 3]), true],
        ["a 2^63-byte frame", longHeader(0x00, U64_2_63), false],
        ["a frame over maxMessageSize", message("z".repeat(101)), false],
      ];
      const r = await rig("pull", { maxMessageSize: 100 });
      const lost: string[] = [];
      r.server.receiveTimeout = 200;
      for (const [what, tail, thenEnd] of tails) {
        const mark = r.events.length;
        const raw = await rawConnect(r.address);
        raw.socket.write(Buffer.concat([handshake("PUSH"), message("a", "1"), message("b"), tail]));
        if (thenEnd) raw.socket.end();
        await raw.closed;
        await r.waitFor("disconnect", mark);
        expect(r.events.slice(mark).map((e) => e.type)).toEqual(["accept", "handshake", "disconnect"]);
        // libzmq 4.3.5 delivers "a","1" and "b" here in all four cases.
        const got: string[] = [];
        try {
          for (;;) {
            const frames = (await r.server.receive()).map(String);
            got.push(frames.join("+"));
            if (got.length === 2) break;
          }
        } catch {
          // EAGAIN: nothing more
        }
        if (got.join(",") !== "a+1,b") lost.push(`${what}: got [${got.join(",")}]`);
      }
      r.server.receiveTimeout = 3000;
      expect(lost).toEqual([]);
      await goodTraffic(r);
      await expectCalm();
    },
    CASE_TIMEOUT,
  );
});

// ---- memory ------------------------------------------------------------------------

/** A real gc(): --expose-gc if vitest was started with it, else V8's flag set at run time. */
function getGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

/** JS heap plus Buffers and other external memory (a preallocated frame would show up there). */
function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const MB = 1024 * 1024;

function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

describe("memory under bad peers", () => {
  const payloads = [
    greeting("XYZ"),
    Buffer.concat([handshake("PUSH"), longHeader(0x00, U64_2_63)]),
    Buffer.concat([greeting(), longHeader(0x04, U64_2_63)]),
    handshake("PULL"),
    garbageAfterSignature(99, 512),
  ];

  async function hammer(r: Rig, connections: number, parallel = 40): Promise<void> {
    const start = r.counts.get("disconnect") ?? 0;
    for (let done = 0; done < connections; done += parallel) {
      const n = Math.min(parallel, connections - done);
      await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const raw = await rawConnect(r.address);
          raw.socket.write(payloads[(done + i) % payloads.length]!);
          await raw.closed;
          expect(raw.closedByServer()).toBe(true);
        }),
      );
      // The recorder must not be what grows.
      r.events.length = 0;
    }
    await r.waitForCount("disconnect", start + connections);
    r.events.length = 0;
  }

  it("2000 bad connections leave no memory, sockets or timers behind", async () => {
    const r = await rig("pull");
    const gc = getGc();
    const force = async (): Promise<void> => {
      await settle();
      if (gc) {
        gc();
        gc();
      } else {
        // No gc(): churn the young generation so that most garbage goes.
        for (let i = 0; i < 50; i++) void new Array(100_000).fill(i);
      }
    };
    const resources = resourceCounts();
    // Warm up (JIT, pools, the listen backlog, code compiled on first use), then 2000: what those leave is not yet
    // steady. The 2000 after them must leave nothing: a leaked session (its engine, decoder and pipes) would be
    // kilobytes each.
    await hammer(r, 200);
    await hammer(r, 2000);
    await force();
    const before = memory();
    await hammer(r, 2000);
    await goodTraffic(r);
    // The server's side of a rejected connection closes a moment after ours
    // (after its FIN and ours cross); there is no event for it, so let the
    // handle count come down for up to a second.
    let after = resourceCounts();
    for (let i = 0; i < 100 && (after.TCPSocketWrap ?? 0) > (resources.TCPSocketWrap ?? 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      after = resourceCounts();
    }
    await force();
    const grown = memory() - before;
    expect(r.counts.get("accept")).toBe(1 + 4200);
    expect(r.counts.get("disconnect")).toBe(4200);
    // No server-side socket or handshake timer left over.
    expect(after.TCPSocketWrap ?? 0).toBe(resources.TCPSocketWrap ?? 0);
    expect(after.Timeout ?? 0).toBeLessThanOrEqual((resources.Timeout ?? 0) + 2);
    // Measured: 0.1-1.5 MB with gc() (the first 2000 after the warm-up alone left 2-4 MB, JIT code among it, in CI
    // once just over 4 MB). 4 MB is 2 KB per connection: a leaked session would exceed it.
    expect(grown).toBeLessThan(gc ? 4 * MB : 20 * MB);
    await expectCalm();
  }, 30_000);

  it("a peer announcing a 100 MB frame and trickling 1 MB does not make zmq-ts allocate 100 MB", async () => {
    const r = await rig("pull");
    const gc = getGc();
    gc?.();
    const before = memory();
    // Measured while the partial frame is still held: the disconnect event
    // fires from the engine's stop, before its decoder can be collected.
    let atDisconnect = 0;
    r.server.events.on("disconnect", () => {
      gc?.();
      atDisconnect ||= memory();
    });
    const mark = r.events.length;
    const raw = await rawConnect(r.address);
    await write(raw, Buffer.concat([handshake("PUSH"), longHeader(0x00, 100n * BigInt(MB))]));
    await r.waitFor("handshake", mark);
    const chunk = Buffer.alloc(16 * 1024, 0x42);
    for (let sent = 0; sent < MB; sent += chunk.length) {
      await write(raw, chunk);
      await settle();
    }
    // The frame is far from complete; the socket is still serving.
    await goodTraffic(r);
    raw.socket.end();
    await raw.closed;
    await r.waitFor("disconnect", mark);
    expect(atDisconnect).toBeGreaterThan(0);
    expect(atDisconnect - before).toBeLessThan(20 * MB);
    expect(r.events.slice(mark).map((e) => e.type)).toEqual(["accept", "handshake", "disconnect"]);
    await goodTraffic(r);
    await expectCalm();
  }, 15_000);

  it("a peer that trickles a large frame one byte per packet: what zmq-ts holds stays near what it received", async () => {
    const r = await rig("pull");
    const gc = getGc();
    gc?.();
    const before = memory();
    let atDisconnect = 0;
    r.server.events.on("disconnect", () => {
      gc?.();
      atDisconnect ||= memory();
    });
    const mark = r.events.length;
    const raw = await rawConnect(r.address);
    raw.socket.setNoDelay(true);
    await write(raw, Buffer.concat([handshake("PUSH"), longHeader(0x00, 100n * BigInt(MB))]));
    await r.waitFor("handshake", mark);
    // 20,000 one-byte writes, each let out on its own: the server reads
    // them (mostly) one per chunk, as from a peer sending tiny segments.
    const BYTES = 20_000;
    const one = Buffer.from([0x42]);
    for (let i = 0; i < BYTES; i++) {
      await write(raw, one);
      await settle();
    }
    raw.socket.end();
    await raw.closed;
    await r.waitFor("disconnect", mark);
    // A decoder that keeps every received chunk as its own view holds a few
    // hundred bytes per chunk (~4 MB here); one that copies the partial body
    // into a buffer grown as bytes arrive holds about 20 KB. Allow 50x.
    expect(atDisconnect).toBeGreaterThan(0);
    expect(atDisconnect - before).toBeLessThan(gc ? 50 * BYTES : 20 * MB);
    await goodTraffic(r);
    await expectCalm();
  }, 15_000);
});
