// Fuzz test: feeds random and mutated inputs (ZMQ_FUZZ_ITERATIONS in total,
// default 1,000,000) to every decoder of the package and to whole
// ZmtpConnections, with a fast seeded PRNG so a run is reproducible.
//
// Invariants checked on every input:
//  - nothing throws except a WireError whose code is one the component
//    documents for bad peer input;
//  - ZmtpConnection.feed() never throws; errors arrive once, via onError,
//    and nothing is called back after that;
//  - a decoder that threw stays closed (re-throws the same error);
//  - memory held stays bounded by the bytes fed (FrameDecoder.buffered and
//    every allocation a decoder or connection makes);
//  - decoding does not depend on how the input is split into chunks;
//  - unmutated valid inputs decode as expected (so the harness is not vacuous).
//
// ZMQ_FUZZ_SEED picks another seed.
import { afterAll, describe, expect, it } from "vitest";
import {
  type Allocator,
  type AuthResult,
  type Command,
  type ConnectionOptions,
  type Framing,
  type MechanismOptions,
  type SocketTypeName,
  type WireErrorCode,
  FLAG_COMMAND,
  FLAG_LONG,
  FLAG_MORE,
  FrameDecoder,
  FrameEncoder,
  GreetingExchange,
  SocketTypes,
  WireError,
  ZmtpConnection,
  concatBytes,
  decodeCommand,
  decodeMetadata,
  encodeCommand,
  encodeCommandBody,
  encodeGreeting,
  encodeMetadata,
  parseCommandBody,
  socketTypeNumber,
  utf8,
  validatePropertyName,
} from "./index.js";

const TOTAL = Number(process.env.ZMQ_FUZZ_ITERATIONS ?? 1_000_000);
const SEED = Number(process.env.ZMQ_FUZZ_SEED ?? 0x5eed1234) >>> 0;

/** Share of the inputs each target gets. */
const SHARE = { frames: 0.32, greeting: 0.14, commands: 0.2, metadata: 0.2, connection: 0.14 } as const;
const budget = (share: number) => Math.max(1, Math.round(TOTAL * share));

/** Bodies up to this size are preallocated from the length field (frames.ts PREALLOCATE_LIMIT). */
const PREALLOCATE_LIMIT = 256 * 1024;

const DOCUMENTED_CODES: ReadonlySet<string> = new Set<WireErrorCode>([
  "EINVAL",
  "ZMTP_BAD_GREETING",
  "ZMTP_UNSUPPORTED_VERSION",
  "ZMTP_BAD_MECHANISM",
  "ZMTP_MECHANISM_MISMATCH",
  "ZMTP_FRAME_TOO_LARGE",
  "ZMTP_BAD_FRAME",
  "ZMTP_MALFORMED_COMMAND",
  "ZMTP_MALFORMED_PROPERTY",
  "ZMTP_BAD_PROPERTY_NAME",
  "ZMTP_UNEXPECTED_COMMAND",
  "ZMTP_BAD_SOCKET_TYPE",
  "ZMTP_INCOMPATIBLE_SOCKET_TYPE",
  "ZMTP_PEER_ERROR",
  "ZMTP_AUTH_FAILED",
  "ZMTP_CLOSED",
  "Z85_BAD_LENGTH",
  "Z85_BAD_CHARACTER",
  "Z85_OVERFLOW",
]);

const FRAME_CODES = codes("ZMTP_BAD_FRAME", "ZMTP_FRAME_TOO_LARGE");
const GREETING_CODES = codes(
  "ZMTP_BAD_GREETING",
  "ZMTP_UNSUPPORTED_VERSION",
  "ZMTP_BAD_MECHANISM",
  "ZMTP_MECHANISM_MISMATCH",
  "ZMTP_BAD_SOCKET_TYPE",
);
const METADATA_CODES = codes("ZMTP_MALFORMED_PROPERTY", "ZMTP_BAD_PROPERTY_NAME");
const COMMAND_CODES = codes("ZMTP_MALFORMED_COMMAND", "ZMTP_MALFORMED_PROPERTY", "ZMTP_BAD_PROPERTY_NAME");
/** Whatever a peer can cause; EINVAL (a caller bug) and ZMTP_CLOSED must not come from peer bytes. */
const CONNECTION_CODES = codes(
  ...[...DOCUMENTED_CODES].filter((c): c is WireErrorCode => c !== "EINVAL" && c !== "ZMTP_CLOSED" && !c.startsWith("Z85")),
);

function codes(...list: WireErrorCode[]): ReadonlySet<string> {
  for (const c of list) if (!DOCUMENTED_CODES.has(c)) throw new Error(`undocumented code ${c}`);
  return new Set(list);
}

// ---------------------------------------------------------------------------
// PRNG, inputs, mutations
// ---------------------------------------------------------------------------

/** xorshift32, seeded; `int(n)` is uniform enough for fuzzing. */
class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  u32(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  int(n: number): number {
    return this.u32() % n;
  }
  chance(p: number): boolean {
    return this.u32() < p * 4294967296;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x7f, 0x80, 0xfe, 0xff, 0xf8, 0x41];
/** [hi, lo] 32-bit halves of 64-bit length fields: 0, small, 255/256, 2^31-1, 2^31, 2^32-1, 2^32, 2^53, 2^63, 2^64-1. */
const HUGE_LENGTHS: readonly (readonly [number, number])[] = [
  [0, 0],
  [0, 1],
  [0, 255],
  [0, 256],
  [0, 0x10000],
  [0, 0x7ffffffe],
  [0, 0x7fffffff],
  [0, 0x80000000],
  [0, 0xffffffff],
  [1, 0],
  [0x200000, 0],
  [0x7fffffff, 0xffffffff],
  [0x80000000, 0],
  [0xffffffff, 0xffffffff],
];

function writeU32(out: Uint8Array, offset: number, v: number): void {
  out[offset] = v >>> 24;
  out[offset + 1] = (v >>> 16) & 0xff;
  out[offset + 2] = (v >>> 8) & 0xff;
  out[offset + 3] = v & 0xff;
}

/** Random bytes of a random short length. */
function randomInput(rng: Rng): Uint8Array {
  return rng.bytes(rng.chance(0.9) ? rng.int(48) : rng.int(400));
}

/** Scratch space for mutate(): one allocation per mutated input instead of one per edit. */
const SCRATCH = new Uint8Array(1 << 16);
const SCRATCH_INPUT_MAX = SCRATCH.length - 256;

/** Makes room for `k` bytes at `at` in SCRATCH[0, n); returns the new length. */
function openGap(at: number, k: number, n: number): number {
  SCRATCH.copyWithin(at + k, at, n);
  return n + k;
}

/** Applies 1..4 random byte mutations, truncations, insertions, deletions or huge length fields. */
function mutate(rng: Rng, input: Uint8Array): Uint8Array {
  const buf = SCRATCH;
  let n = Math.min(input.length, SCRATCH_INPUT_MAX);
  buf.set(input.subarray(0, n));
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    switch (rng.int(9)) {
      case 0: // flip a bit
        if (n > 0) buf[rng.int(n)]! ^= 1 << rng.int(8);
        break;
      case 1: // set a byte to a random or interesting value
        if (n > 0) buf[rng.int(n)] = rng.chance(0.5) ? rng.u32() & 0xff : rng.pick(INTERESTING_BYTES);
        break;
      case 2: // truncate
        n = rng.int(n + 1);
        break;
      case 3: {
        // insert 1..8 random bytes
        const at = rng.int(n + 1);
        const k = 1 + rng.int(8);
        n = openGap(at, k, n);
        for (let j = 0; j < k; j++) buf[at + j] = rng.u32() & 0xff;
        break;
      }
      case 4: {
        // delete a range
        const at = rng.int(n + 1);
        const end = Math.min(n, at + 1 + rng.int(8));
        buf.copyWithin(at, end, n);
        n -= end - at;
        break;
      }
      case 5: {
        // duplicate a range
        const at = rng.int(n + 1);
        const len = rng.int(Math.min(32, n - at) + 1);
        n = openGap(at + len, len, n);
        buf.copyWithin(at + len, at, at + len);
        break;
      }
      case 6: {
        // a LONG frame header with a huge 8-byte size, inserted or overwriting 9 bytes
        const [hi, lo] = rng.chance(0.7) ? rng.pick(HUGE_LENGTHS) : [rng.u32(), rng.u32()];
        const at = rng.int(n + 1);
        if (rng.chance(0.5)) n = openGap(at, 9, n);
        else n = Math.max(n, at + 9);
        buf[at] = rng.pick([FLAG_LONG, FLAG_LONG | FLAG_MORE, FLAG_LONG | FLAG_COMMAND, 0xff]);
        writeU32(buf, at + 1, hi);
        writeU32(buf, at + 5, lo);
        break;
      }
      case 7: {
        // a 4-byte length (metadata value length, reason length...) set to something big
        if (n >= 4) writeU32(buf, rng.int(n - 3), rng.pick([0x7fffffff, 0x80000000, 0xffffffff, n, n + 1, rng.u32()]));
        break;
      }
      default: {
        // random bytes over a range
        const end = Math.min(n, rng.int(n + 1) + 1 + rng.int(8));
        for (let j = end - 1 - rng.int(8); j < end; j++) if (j >= 0) buf[j] = rng.u32() & 0xff;
      }
    }
    if (n > SCRATCH_INPUT_MAX) n = SCRATCH_INPUT_MAX;
  }
  return buf.slice(0, n);
}

/** Random chunk boundaries, from byte by byte (short inputs) to whole. */
function chunked(rng: Rng, bytes: Uint8Array): Uint8Array[] {
  const mode = rng.int(10);
  if (mode < 3 || bytes.length <= 1) return [bytes];
  const out: Uint8Array[] = [];
  const max = mode === 3 && bytes.length <= 160 ? 1 : mode < 6 ? 8 : 64;
  for (let pos = 0; pos < bytes.length;) {
    const n = 1 + rng.int(max);
    out.push(bytes.subarray(pos, pos + n));
    pos += n;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Checking helpers
// ---------------------------------------------------------------------------

const hex = (b: Uint8Array) => Array.from(b.subarray(0, 600), (x) => x.toString(16).padStart(2, "0")).join("");

/** Throws an assertion error (with the input) unless `error` is a WireError with an allowed code. */
function checkError(error: unknown, allowed: ReadonlySet<string>, what: string, input: Uint8Array): WireError {
  if (error instanceof FuzzFailure) throw error;
  if (!WireError.is(error)) {
    throw new Error(`${what}: threw a non-WireError ${String(error)} for input ${hex(input)}`, { cause: error });
  }
  if (typeof error.code !== "string" || error.code.length === 0 || !DOCUMENTED_CODES.has(error.code)) {
    throw new Error(`${what}: WireError with undocumented code ${String(error.code)} for input ${hex(input)}`);
  }
  if (!allowed.has(error.code)) {
    throw new Error(`${what}: unexpected code ${error.code} (${error.message}) for input ${hex(input)}`);
  }
  if (typeof error.message !== "string" || error.message.length === 0) {
    throw new Error(`${what}: ${error.code} without a message`);
  }
  seenCodes.set(error.code, (seenCodes.get(error.code) ?? 0) + 1);
  return error;
}

/** An invariant the fuzzer found broken (never confused with what the code under test throws). */
class FuzzFailure extends Error {}

// Most rejected inputs throw a WireError, and capturing a stack trace is most
// of the cost of a throw; the fuzz loops run without them (our own failures
// still get a stack).
const STACK_TRACE_LIMIT = Error.stackTraceLimit;

function withoutStacks<T>(fn: () => T): T {
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = STACK_TRACE_LIMIT;
  }
}

async function withoutStacksAsync(fn: () => Promise<void>): Promise<void> {
  Error.stackTraceLimit = 0;
  try {
    await fn();
  } finally {
    Error.stackTraceLimit = STACK_TRACE_LIMIT;
  }
}

function fail(message: string, input: Uint8Array): never {
  Error.stackTraceLimit = STACK_TRACE_LIMIT;
  throw new FuzzFailure(`${message}; input ${hex(input)}`);
}

/** FNV-1a over events, so two decodings can be compared cheaply. */
class EventHash {
  h = 0x811c9dc5;
  count = 0;
  private mix(x: number): void {
    this.h = Math.imul(this.h ^ (x & 0xff), 0x01000193) >>> 0;
  }
  add(tag: number, bytes: Uint8Array): void {
    this.count++;
    this.mix(tag);
    const n = bytes.length;
    this.mix(n);
    this.mix(n >>> 8);
    this.mix(n >>> 16);
    for (let i = 0; i < n; i++) this.mix(bytes[i]!);
  }
}

const stats = { frames: 0, greeting: 0, commands: 0, metadata: 0, connection: 0, errors: 0, valid: 0, ready: 0 };
/** How often each error code was seen, to show the fuzzer gets past the first checks. */
const seenCodes = new Map<string, number>();
let totalInputs = 0;
const started = Date.now();

afterAll(() => {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `fuzz: ${totalInputs} inputs in ${seconds}s (seed ${SEED}) — frames ${stats.frames}, greeting ${stats.greeting}, ` +
      `commands ${stats.commands}, metadata ${stats.metadata}, connection ${stats.connection}; ` +
      `${stats.errors} rejected with WireError, ${stats.valid} unmutated valid inputs checked, ` +
      `${stats.ready} connections reached ready; codes: ${[...seenCodes].map(([c, n]) => `${c} ${n}`).join(", ")}`,
  );
});

// ---------------------------------------------------------------------------
// FrameDecoder
// ---------------------------------------------------------------------------

interface FrameSeed {
  framing: Framing;
  bytes: Uint8Array;
  /** Event hash and count of a clean decode, and the largest frame body. */
  hash: number;
  events: number;
  largest: number;
}

function frameCorpus(rng: Rng): FrameSeed[] {
  const corpus: FrameSeed[] = [];
  for (const framing of ["zmtp3", "zmtp2", "zmtp1"] as const) {
    for (let i = 0; i < 120; i++) {
      const encoder = new FrameEncoder({ framing, copyThreshold: rng.chance(0.5) ? 1 : 8192 });
      const parts: Uint8Array[] = [];
      const hash = new EventHash();
      let largest = 0;
      const items = 1 + rng.int(4);
      for (let m = 0; m < items; m++) {
        if (framing === "zmtp3" && rng.chance(0.3)) {
          const body = encodeCommand(
            rng.pick<Command>([
              { name: "PING", ttl: rng.int(0x10000), context: rng.bytes(rng.int(17)) },
              { name: "PONG", context: rng.bytes(rng.int(17)) },
              { name: "SUBSCRIBE", topic: rng.bytes(rng.chance(0.9) ? rng.int(20) : 300) },
              { name: "READY", properties: new Map([["Socket-Type", utf8("DEALER")]]) },
            ]),
          );
          parts.push(encoder.encodeCommand(body));
          hash.add(2, body);
          largest = Math.max(largest, body.length);
          continue;
        }
        const frames: Uint8Array[] = [];
        const count = 1 + rng.int(4);
        for (let f = 0; f < count; f++) {
          const size = rng.chance(0.95) ? rng.int(24) : rng.pick([253, 254, 255, 256, 257, 300, 600]);
          frames.push(rng.bytes(size));
          largest = Math.max(largest, size);
        }
        parts.push(...encoder.encodeMessage(frames));
        frames.forEach((f, k) => hash.add(k === frames.length - 1 ? 1 : 0, f));
      }
      corpus.push({ framing, bytes: concatBytes(parts), hash: hash.h, events: hash.count, largest });
    }
  }
  return corpus;
}

interface FrameRun {
  hash: number;
  events: number;
  error: WireError | undefined;
  /** At the end (when no error): bytes held, and whether no partial frame/message is held. */
  buffered: number;
  idle: boolean;
}

/** Decodes `chunks`, checking the per-feed invariants; returns what was decoded. */
function runFrameDecoder(framing: Framing, maxMessageSize: number, chunks: readonly Uint8Array[], input: Uint8Array): FrameRun {
  const hash = new EventHash();
  let fed = 0;
  let largestAlloc = 0;
  const alloc: Allocator = (size) => {
    if (size > largestAlloc) largestAlloc = size;
    return new Uint8Array(size);
  };
  // Frames are hashed as they are delivered, tagged MORE/last as the peer framed them.
  const decoder = new FrameDecoder(
    {
      onMessage: (frames) => {
        if (frames.length === 0) fail("onMessage with no frames", input);
        frames.forEach((f, k) => hash.add(k === frames.length - 1 ? 1 : 0, f));
      },
      onCommand: (body) => {
        if (framing !== "zmtp3") fail(`onCommand with ${framing} framing`, input);
        hash.add(2, body);
      },
    },
    { framing, maxMessageSize, alloc },
  );
  for (const chunk of chunks) {
    fed += chunk.length;
    try {
      decoder.feed(chunk);
    } catch (error) {
      const e = checkError(error, FRAME_CODES, `FrameDecoder(${framing}, max ${maxMessageSize})`, input);
      // Closed for good: the same error again, whatever comes next.
      let again: unknown;
      try {
        decoder.feed(new Uint8Array([0]));
      } catch (second) {
        again = second;
      }
      if (again !== e) fail(`after ${e.code}, FrameDecoder.feed gave ${String(again)} instead of the same error`, input);
      return { hash: hash.h, events: hash.count, error: e, buffered: 0, idle: false };
    }
    if (decoder.buffered > fed) fail(`FrameDecoder buffers ${decoder.buffered} bytes after ${fed} fed`, input);
    if (largestAlloc > Math.max(PREALLOCATE_LIMIT, fed)) {
      fail(`FrameDecoder allocated ${largestAlloc} bytes after ${fed} fed`, input);
    }
  }
  return { hash: hash.h, events: hash.count, error: undefined, buffered: decoder.buffered, idle: decoder.idle };
}

/**
 * A deliberately simple whole-input model of the framing rules (RFC 23/15/13
 * and frames.ts's documented limits), to check FrameDecoder's verdict, events
 * and leftovers against. Returns the error code instead of throwing.
 */
function referenceDecode(
  framing: Framing,
  maxMessageSize: number,
  bytes: Uint8Array,
): { hash: number; events: number; code: string | undefined; buffered: number; idle: boolean } {
  const hash = new EventHash();
  const n = bytes.length;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let pos = 0;
  /** `leftover`: bytes of an unfinished header or body; `midFrame`: a header was read, its body has not all arrived. */
  const result = (code: string | undefined, leftover: number, midFrame = false) => ({
    hash: hash.h,
    events: hash.count,
    code,
    buffered: leftover + pendingBytes,
    idle: leftover === 0 && !midFrame && pending.length === 0 && code === undefined,
  });
  /** 8-byte BE size at `at`; undefined when above 2^31 - 1 (MAX_FRAME_SIZE). */
  const long = (at: number): number | undefined => {
    const hi = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
    const lo = ((bytes[at + 4]! << 24) | (bytes[at + 5]! << 16) | (bytes[at + 6]! << 8) | bytes[at + 7]!) >>> 0;
    return hi === 0 && lo <= 0x7fffffff ? lo : undefined;
  };
  while (pos < n) {
    let flags: number;
    let size: number;
    let headerLength: number;
    if (framing === "zmtp1") {
      headerLength = bytes[pos] === 0xff ? 10 : 2;
      if (pos + headerLength > n) return result(undefined, n - pos);
      const length = headerLength === 10 ? long(pos + 1) : bytes[pos]!;
      if (length === undefined) return result("ZMTP_FRAME_TOO_LARGE", 0);
      if (length === 0) return result("ZMTP_BAD_FRAME", 0);
      flags = bytes[pos + headerLength - 1]! & FLAG_MORE;
      size = length - 1;
    } else {
      flags = bytes[pos]!;
      headerLength = (flags & FLAG_LONG) !== 0 ? 9 : 2;
      if (pos + headerLength > n) return result(undefined, n - pos);
      const s = headerLength === 9 ? long(pos + 1) : bytes[pos + 1]!;
      if (s === undefined) return result("ZMTP_FRAME_TOO_LARGE", 0);
      if ((flags & FLAG_COMMAND) !== 0 && framing === "zmtp2") return result("ZMTP_BAD_FRAME", 0);
      size = s;
    }
    if (maxMessageSize >= 0 && size > maxMessageSize) return result("ZMTP_FRAME_TOO_LARGE", 0);
    const bodyStart = pos + headerLength;
    if (bodyStart + size > n) return result(undefined, n - bodyStart, true);
    const body = bytes.subarray(bodyStart, bodyStart + size);
    pos = bodyStart + size;
    if ((flags & FLAG_COMMAND) !== 0 && framing === "zmtp3") {
      hash.add(2, body);
    } else if ((flags & FLAG_MORE) !== 0) {
      pending.push(body);
      pendingBytes += size;
    } else {
      for (const f of pending) hash.add(0, f);
      hash.add(1, body);
      pending = [];
      pendingBytes = 0;
    }
  }
  return result(undefined, 0);
}

function fuzzFrames(rng: Rng, corpus: readonly FrameSeed[], iterations: number): void {
  const framings: readonly Framing[] = ["zmtp3", "zmtp2", "zmtp1"];
  for (let i = 0; i < iterations; i++) {
    const mode = rng.int(10);
    let input: Uint8Array;
    let seed: FrameSeed | undefined;
    let framing: Framing;
    if (mode < 2) {
      input = randomInput(rng);
      framing = rng.pick(framings);
    } else {
      seed = rng.pick(corpus);
      // Mostly the seed's own framing; sometimes decoded as another.
      framing = rng.chance(0.9) ? seed.framing : rng.pick(framings);
      input = mode === 2 ? seed.bytes : mutate(rng, seed.bytes);
    }
    const maxMessageSize = rng.chance(0.5) ? -1 : rng.pick([0, 1, 16, 255, 256, 300, rng.int(700)]);
    const run = runFrameDecoder(framing, maxMessageSize, chunked(rng, input), input);
    // Same events, verdict and leftovers as the reference model...
    const model = referenceDecode(framing, maxMessageSize, input);
    if (run.hash !== model.hash || run.events !== model.events || run.error?.code !== model.code) {
      fail(
        `FrameDecoder(${framing}, max ${maxMessageSize}) disagrees with the model: ` +
          `${run.events} events/${run.error?.code ?? "ok"} vs ${model.events}/${model.code ?? "ok"}`,
        input,
      );
    }
    if (!run.error && (run.buffered !== model.buffered || run.idle !== model.idle)) {
      fail(`FrameDecoder(${framing}) holds ${run.buffered} bytes (idle ${run.idle}), model ${model.buffered} (idle ${model.idle})`, input);
    }
    // ... and the same as the whole input fed in one chunk.
    if ((i & 3) === 0) {
      const whole = runFrameDecoder(framing, maxMessageSize, [input], input);
      if (run.hash !== whole.hash || run.events !== whole.events || run.error?.code !== whole.error?.code || run.buffered !== whole.buffered) {
        fail(`FrameDecoder(${framing}) depends on chunking`, input);
      }
    }
    if (run.error) stats.errors++;
    if (mode === 2 && seed && framing === seed.framing) {
      // Unmutated: exactly the encoded events, or FRAME_TOO_LARGE when a frame exceeds the limit.
      stats.valid++;
      const tooLarge = maxMessageSize >= 0 && seed.largest > maxMessageSize;
      if (tooLarge) {
        if (run.error?.code !== "ZMTP_FRAME_TOO_LARGE") fail(`expected ZMTP_FRAME_TOO_LARGE, got ${run.error?.code ?? "success"}`, input);
      } else if (run.error || run.hash !== seed.hash || run.events !== seed.events) {
        fail(`valid ${framing} input decoded wrongly (${run.error?.code ?? "no error"})`, input);
      }
    }
  }
  stats.frames += iterations;
  totalInputs += iterations;
}

// ---------------------------------------------------------------------------
// GreetingExchange
// ---------------------------------------------------------------------------

const MECHANISMS = ["NULL", "PLAIN", "CURVE"] as const;
const SOCKET_TYPES = Object.keys(SocketTypes) as SocketTypeName[];

function legacyGreeting(rng: Rng): Uint8Array {
  const type = rng.int(22);
  const revision = rng.int(2);
  const g = new Uint8Array(12);
  g[0] = 0xff;
  g[8] = 1;
  g[9] = 0x7f;
  g[10] = revision;
  g[11] = type;
  return g;
}

function unversionedGreeting(rng: Rng): Uint8Array {
  // A ZMTP 1.0 identity frame: length (identity + 1), flags, identity.
  const id = rng.bytes(rng.int(6));
  return concatBytes([Uint8Array.of(id.length + 1, 0), id, Uint8Array.of(1, 0, 5, 0, 1, 2, 3, 4)]);
}

function fuzzGreeting(rng: Rng, iterations: number): void {
  for (let i = 0; i < iterations; i++) {
    const mechanism = rng.pick(MECHANISMS);
    const socketType = rng.pick(SOCKET_TYPES);
    const legacy = rng.chance(0.3) ? rng.chance(0.5) : undefined;
    const identity = rng.chance(0.7) ? undefined : rng.bytes(rng.chance(0.9) ? rng.int(8) : 300);
    const asServer = rng.chance(0.2);
    const ex = new GreetingExchange({ mechanism, socketType, legacy, identity, asServer });
    const ours = encodeGreeting({ mechanism, socketType, identity, asServer });
    const sent: Uint8Array[] = [ex.start()];

    const mode = rng.int(10);
    const valid = mode === 0;
    let input: Uint8Array;
    if (mode <= 1) {
      const peerGreeting = encodeGreeting({
        mechanism: mode === 0 ? mechanism : rng.pick(MECHANISMS),
        socketType: rng.pick(SOCKET_TYPES),
        minor: rng.int(3),
        asServer: rng.chance(0.5),
        identity: rng.bytes(rng.int(4)),
      });
      input = concatBytes([peerGreeting, rng.bytes(rng.int(16))]);
    } else if (mode === 2) {
      input = randomInput(rng);
    } else if (mode === 3) {
      input = mutate(rng, legacyGreeting(rng));
    } else if (mode === 4) {
      input = rng.chance(0.5) ? unversionedGreeting(rng) : mutate(rng, unversionedGreeting(rng));
    } else {
      input = mutate(rng, encodeGreeting({ mechanism: rng.pick(MECHANISMS), socketType: "PAIR", minor: rng.int(256) }));
    }

    let fed = 0;
    let peer: ReturnType<GreetingExchange["feed"]>["peer"];
    try {
      for (const chunk of chunked(rng, input)) {
        fed += chunk.length;
        const step = ex.feed(chunk);
        if (step.send) sent.push(step.send);
        if (step.peer) {
          peer = step.peer;
          break;
        }
      }
    } catch (error) {
      checkError(error, GREETING_CODES, "GreetingExchange", input);
      stats.errors++;
      if (valid) fail(`valid greeting refused: ${String(error)}`, input);
      continue;
    }
    if (!peer) {
      if (ex.done) fail("GreetingExchange done without a peer", input);
      if (valid) fail("valid greeting not completed", input);
      continue;
    }
    if (!ex.done) fail("peer returned but exchange not done", input);
    const out = concatBytes(sent);
    const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, k) => x === b[k]);
    let consumed: number;
    if (peer.framing === "zmtp3") {
      consumed = 64;
      // We sent our whole 64-byte greeting, byte for byte.
      if (!same(out, ours)) fail("zmtp3 peer: we did not send exactly our greeting", input);
      if (peer.mechanism !== mechanism) fail(`accepted mechanism ${peer.mechanism} vs ours ${mechanism}`, input);
      if (peer.major !== input[10] || peer.minor !== input[11]) fail("major/minor not as sent", input);
      if (peer.major < 2) fail(`zmtp3 framing for major ${peer.major}`, input);
    } else {
      if (mechanism !== "NULL" || legacy === false) fail(`accepted a ZMTP ${peer.major}.0 peer with ${mechanism}, legacy ${String(legacy)}`, input);
      if (peer.mechanism !== "NULL") fail("legacy peer with a mechanism", input);
      if (peer.framing === "zmtp2" || (peer.framing === "zmtp1" && peer.socketType !== undefined)) {
        // Versioned 1.0/2.0: signature + our major + our socket-type byte.
        consumed = 12;
        const expected = concatBytes([ours.subarray(0, 11), Uint8Array.of(socketTypeNumber(socketType))]);
        if (!same(out, expected)) fail("legacy peer: we did not send signature + 0x03 + socket type", input);
        if (peer.socketType === undefined || input[11] !== socketTypeNumber(peer.socketType)) fail("legacy socket type", input);
        if ((peer.framing === "zmtp2") !== (input[10] === 1)) fail("revision/framing mismatch", input);
      } else {
        // Unversioned 1.0: our signature doubles as our identity frame header; the identity follows.
        consumed = 0;
        const expected = concatBytes([ours.subarray(0, 10), identity ?? new Uint8Array(0)]);
        if (!same(out, expected)) fail("unversioned peer: we did not send signature + identity", input);
      }
    }
    // The rest is exactly what followed the greeting in the chunks fed so far.
    if (!same(peer.rest, input.subarray(consumed, fed))) fail(`rest is not input[${consumed}..${fed})`, input);
    if (valid && peer.framing !== "zmtp3") fail("valid greeting misread", input);
    // A finished exchange refuses more input with EINVAL.
    if ((i & 15) === 0) {
      try {
        ex.feed(new Uint8Array(1));
        fail("feed after done did not throw", input);
      } catch (error) {
        checkError(error, codes("EINVAL"), "GreetingExchange after done", input);
      }
    }
    if (valid) stats.valid++;
  }
  stats.greeting += iterations;
  totalInputs += iterations;
}

// ---------------------------------------------------------------------------
// Commands and metadata
// ---------------------------------------------------------------------------

const NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+";

function randomName(rng: Rng): string {
  const n = rng.chance(0.95) ? 1 + rng.int(14) : 1 + rng.int(255);
  let s = "";
  for (let i = 0; i < n; i++) s += NAME_CHARS[rng.int(NAME_CHARS.length)]!;
  return s;
}

function randomProperties(rng: Rng): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  const n = rng.int(5);
  for (let i = 0; i < n; i++) out.push([rng.pick(["Socket-Type", "Identity", "User-Id", randomName(rng)]), rng.bytes(rng.int(20))]);
  return out;
}

function metadataCorpus(rng: Rng): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < 300; i++) {
    const props = randomProperties(rng);
    // Duplicated names are allowed on the wire; keep some.
    out.push(encodeMetadata(props));
  }
  return out;
}

function commandCorpus(rng: Rng): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < 400; i++) {
    switch (rng.int(9)) {
      case 0:
        out.push(encodeCommandBody("READY", encodeMetadata(randomProperties(rng))));
        break;
      case 1: {
        let reason = "";
        const n = rng.int(20);
        for (let k = 0; k < n; k++) reason += String.fromCharCode(32 + rng.int(95));
        out.push(encodeCommand({ name: "ERROR", reason }));
        break;
      }
      case 2:
        out.push(encodeCommand({ name: "SUBSCRIBE", topic: rng.bytes(rng.int(12)) }));
        break;
      case 3:
        out.push(encodeCommand({ name: "CANCEL", topic: rng.bytes(rng.int(12)) }));
        break;
      case 4:
        out.push(encodeCommand({ name: "PING", ttl: rng.int(0x10000), context: rng.bytes(rng.int(17)) }));
        break;
      case 5:
        out.push(encodeCommand({ name: "PONG", context: rng.bytes(rng.int(17)) }));
        break;
      case 6:
        out.push(encodeCommandBody("INITIATE", encodeMetadata(randomProperties(rng))));
        break;
      case 7: {
        const u = rng.bytes(rng.int(6));
        const p = rng.bytes(rng.int(6));
        out.push(encodeCommandBody("HELLO", concatBytes([Uint8Array.of(u.length), u, Uint8Array.of(p.length), p])));
        break;
      }
      default:
        out.push(encodeCommandBody(rng.pick(["WELCOME", "MESSAGE", "X", "HELLO-"]), rng.bytes(rng.int(6))));
    }
  }
  return out;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** Checks a successful decodeMetadata result against its input window. */
function checkMetadata(props: Map<string, Uint8Array>, bytes: Uint8Array, start: number, end: number, input: Uint8Array): void {
  for (const [name, value] of props) {
    try {
      validatePropertyName(name);
    } catch {
      fail(`decodeMetadata returned an invalid name ${JSON.stringify(name)}`, input);
    }
    // Values are views inside the window.
    const from = value.byteOffset - bytes.byteOffset;
    if (value.buffer !== bytes.buffer || from < start || from + value.length > end) fail(`value of ${name} outside [start, end)`, input);
  }
  // Re-encoding gives the window back, unless duplicate names were folded (then it is shorter).
  const again = encodeMetadata(props);
  const window = bytes.subarray(start, end);
  if (again.length === window.length ? !sameBytes(again, window) : again.length > window.length) {
    fail("decodeMetadata -> encodeMetadata does not give the input back", input);
  }
}

function fuzzMetadata(rng: Rng, corpus: readonly Uint8Array[], iterations: number): void {
  for (let i = 0; i < iterations; i++) {
    const mode = rng.int(10);
    const input = mode < 2 ? randomInput(rng) : mode === 2 ? rng.pick(corpus) : mutate(rng, rng.pick(corpus));
    let result: Map<string, Uint8Array> | undefined;
    let code: string | undefined;
    try {
      result = decodeMetadata(input);
      checkMetadata(result, input, 0, input.length, input);
    } catch (error) {
      code = checkError(error, METADATA_CODES, "decodeMetadata", input).code;
      stats.errors++;
      if (mode === 2) fail(`valid metadata refused: ${String(error)}`, input);
    }
    if (mode === 2) stats.valid++;
    // The same bytes as a [start, end) window of a larger buffer give the same outcome.
    if ((i & 3) === 0) {
      const before = rng.bytes(rng.int(6));
      const after = rng.bytes(1 + rng.int(6));
      const big = concatBytes([before, input, after]);
      let windowCode: string | undefined;
      let windowed: Map<string, Uint8Array> | undefined;
      try {
        windowed = decodeMetadata(big, before.length, before.length + input.length);
        checkMetadata(windowed, big, before.length, before.length + input.length, input);
      } catch (error) {
        windowCode = checkError(error, METADATA_CODES, "decodeMetadata(window)", input).code;
      }
      if (windowCode !== code) fail(`windowed decode gave ${windowCode ?? "success"}, whole gave ${code ?? "success"}`, input);
      if (result && windowed) {
        const a = [...result];
        const b = [...windowed];
        if (a.length !== b.length || a.some(([n, v], k) => n !== b[k]![0] || !sameBytes(v, b[k]![1]))) fail("windowed decode differs", input);
      }
    }
  }
  stats.metadata += iterations;
  totalInputs += iterations;
}

function fuzzCommands(rng: Rng, corpus: readonly Uint8Array[], iterations: number): void {
  for (let i = 0; i < iterations; i++) {
    const mode = rng.int(10);
    const input = mode < 2 ? randomInput(rng) : mode === 2 ? rng.pick(corpus) : mutate(rng, rng.pick(corpus));
    let command: Command | undefined;
    try {
      const raw = parseCommandBody(input);
      const nameLength = input[0]!;
      if (raw.name.length !== nameLength || raw.data.length !== input.length - 1 - nameLength) fail("parseCommandBody split wrongly", input);
      if (raw.data.buffer !== input.buffer || raw.data.byteOffset !== input.byteOffset + 1 + nameLength)
        fail("data is not a view after the name", input);
      command = decodeCommand(raw);
    } catch (error) {
      checkError(error, COMMAND_CODES, "parseCommandBody/decodeCommand", input);
      stats.errors++;
      if (mode === 2) fail(`valid command refused: ${String(error)}`, input);
      continue;
    }
    if (mode === 2) stats.valid++;
    if (command === undefined) continue;
    // A decoded command re-encodes to the same body wherever the encoding is canonical.
    let canonical: boolean;
    switch (command.name) {
      case "READY":
        canonical = true;
        break;
      case "ERROR":
        canonical = input.length === 7 + command.reason.length && ![...command.reason].some((c) => c.charCodeAt(0) > 0x7f);
        break;
      case "PING":
      case "PONG":
        canonical = command.context.length <= 16;
        break;
      default:
        canonical = true;
    }
    if (!canonical) continue;
    const again = encodeCommand(command);
    if (again.length === input.length ? !sameBytes(again, input) : command.name !== "READY" || again.length > input.length) {
      fail(`decodeCommand(${command.name}) -> encodeCommand does not give the body back`, input);
    }
  }
  stats.commands += iterations;
  totalInputs += iterations;
}

// ---------------------------------------------------------------------------
// ZmtpConnection
// ---------------------------------------------------------------------------

interface ConnectionSeed {
  label: string;
  options: () => ConnectionOptions;
  /** What a well-behaved peer sends. */
  stream: Uint8Array;
  /** Whether that stream makes the connection ready. */
  readies: boolean;
  /** Messages the peer's stream carries after the handshake. */
  messages: number;
}

function commandFrame(body: Uint8Array): Uint8Array {
  return new FrameEncoder().encodeCommand(body);
}

function traffic(rng: Rng, framing: Framing, withCommands: boolean): { bytes: Uint8Array; messages: number } {
  const encoder = new FrameEncoder({ framing });
  const parts: Uint8Array[] = [];
  let messages = 0;
  const n = rng.int(4);
  for (let i = 0; i < n; i++) {
    if (withCommands && rng.chance(0.3)) {
      parts.push(
        commandFrame(
          encodeCommand(
            rng.pick<Command>([
              { name: "PING", ttl: 10, context: rng.bytes(rng.int(17)) },
              { name: "PONG", context: rng.bytes(3) },
              { name: "SUBSCRIBE", topic: rng.bytes(3) },
              { name: "CANCEL", topic: new Uint8Array(0) },
              // After the handshake libzmq drops READY, ERROR and unknown commands.
              { name: "READY", properties: new Map() },
              { name: "ERROR", reason: "late" },
            ]),
          ),
        ),
      );
    } else if (withCommands && rng.chance(0.05)) {
      parts.push(commandFrame(encodeCommandBody("UNKNOWN", rng.bytes(rng.int(4)))));
    } else {
      const frames = Array.from({ length: 1 + rng.int(3) }, () => rng.bytes(rng.chance(0.9) ? rng.int(20) : 300));
      parts.push(...encoder.encodeMessage(frames));
      messages++;
    }
  }
  return { bytes: concatBytes(parts), messages };
}

const PEERS: readonly [SocketTypeName, SocketTypeName][] = [
  ["DEALER", "ROUTER"],
  ["ROUTER", "DEALER"],
  ["REQ", "REP"],
  ["REP", "REQ"],
  ["PUSH", "PULL"],
  ["PULL", "PUSH"],
  ["PAIR", "PAIR"],
  ["PUB", "SUB"],
  ["SUB", "PUB"],
];

function readyFor(type: SocketTypeName, rng: Rng): Uint8Array {
  const props: [string, Uint8Array | string][] = [["Socket-Type", type]];
  if (type === "REQ" || type === "DEALER" || type === "ROUTER") props.push(["Identity", rng.bytes(rng.int(6))]);
  if (rng.chance(0.3)) props.push(["X-Extra", rng.bytes(rng.int(10))]);
  return encodeMetadata(props);
}

function connectionCorpus(rng: Rng): ConnectionSeed[] {
  const corpus: ConnectionSeed[] = [];
  for (let i = 0; i < 240; i++) {
    const [local, peer] = rng.pick(PEERS);
    const routingId = rng.chance(0.5) ? undefined : rng.bytes(rng.int(6));
    const maxMessageSize = rng.chance(0.8) ? undefined : rng.pick([0, 64, 1024]);
    const base = { socketType: local, routingId, maxMessageSize };
    const kind = rng.int(7);
    const minor = rng.int(2);
    const t = traffic(rng, kind === 4 ? "zmtp2" : kind === 5 ? "zmtp1" : "zmtp3", kind < 4);
    // maxMessageSize may refuse the traffic (or even the handshake); the seed still must not throw.
    const limited = maxMessageSize !== undefined;
    if (kind <= 1) {
      // NULL peer: greeting, READY, traffic.
      const stream = concatBytes([
        encodeGreeting({ mechanism: "NULL", socketType: peer, minor }),
        commandFrame(encodeCommandBody("READY", readyFor(peer, rng))),
        t.bytes,
      ]);
      corpus.push({ label: `NULL ${local}<-${peer}`, options: () => ({ ...base }), stream, readies: !limited, messages: t.messages });
    } else if (kind === 2) {
      // We are a PLAIN client; the peer is a server that says WELCOME then READY.
      const stream = concatBytes([
        encodeGreeting({ mechanism: "PLAIN", socketType: peer, minor }),
        commandFrame(encodeCommandBody("WELCOME")),
        commandFrame(encodeCommandBody("READY", readyFor(peer, rng))),
        t.bytes,
      ]);
      const mechanism: MechanismOptions = { type: "PLAIN", username: rng.bytes(rng.int(5)), password: "secret" };
      corpus.push({
        label: `PLAIN client ${local}<-${peer}`,
        options: () => ({ ...base, mechanism }),
        stream,
        readies: !limited,
        messages: t.messages,
      });
    } else if (kind === 3) {
      // We are a PLAIN server; the peer is a client: HELLO, INITIATE, traffic.
      const u = rng.bytes(rng.int(5));
      const stream = concatBytes([
        encodeGreeting({ mechanism: "PLAIN", socketType: peer, minor }),
        commandFrame(encodeCommandBody("HELLO", concatBytes([Uint8Array.of(u.length), u, Uint8Array.of(2), utf8("pw")]))),
        commandFrame(encodeCommandBody("INITIATE", readyFor(peer, rng))),
        t.bytes,
      ]);
      const verdict = rng.int(7);
      const authenticate = (): boolean | AuthResult => {
        switch (verdict) {
          case 0:
            return false;
          case 1:
            return { status: "300" };
          case 2:
            return { status: "500" };
          case 3:
            throw new Error("authenticator failed");
          case 4:
            return { status: "200", userId: "fuzz" };
          default:
            return true;
        }
      };
      const mechanism: MechanismOptions = { type: "PLAIN", server: true, authenticate };
      corpus.push({
        label: `PLAIN server ${local}<-${peer} verdict ${verdict}`,
        options: () => ({ ...base, mechanism }),
        stream,
        readies: verdict >= 4 && !limited,
        messages: t.messages,
      });
    } else if (kind === 4) {
      // ZMTP 2.0 peer: 12-byte greeting, identity frame, traffic.
      const g = new Uint8Array(12);
      g.set([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1, socketTypeNumber(peer)]);
      const stream = concatBytes([g, ...new FrameEncoder({ framing: "zmtp2" }).encodeMessage([rng.bytes(rng.int(5))]), t.bytes]);
      corpus.push({ label: `ZMTP 2.0 ${local}<-${peer}`, options: () => ({ ...base }), stream, readies: !limited, messages: t.messages });
    } else if (kind === 6) {
      // The peer refuses the handshake with ERROR (NULL, or a PLAIN server after HELLO).
      const plain = rng.chance(0.5);
      const reason = rng.pick(["400", "500", "300", "go away", ""]);
      const stream = concatBytes([
        encodeGreeting({ mechanism: plain ? "PLAIN" : "NULL", socketType: peer, minor }),
        commandFrame(encodeCommand({ name: "ERROR", reason })),
        t.bytes,
      ]);
      const mechanism: MechanismOptions = plain ? { type: "PLAIN", username: "u", password: "p" } : { type: "NULL" };
      corpus.push({
        label: `ERROR from ${plain ? "PLAIN" : "NULL"} ${local}<-${peer}`,
        options: () => ({ ...base, mechanism }),
        stream,
        readies: false,
        messages: 0,
      });
    } else {
      // Unversioned ZMTP 1.0 peer: identity frame, traffic.
      const stream = concatBytes([...new FrameEncoder({ framing: "zmtp1" }).encodeMessage([rng.bytes(rng.int(5))]), t.bytes]);
      corpus.push({ label: `ZMTP 1.0 ${local}<-${peer}`, options: () => ({ ...base }), stream, readies: !limited, messages: t.messages });
    }
  }
  return corpus;
}

const RANDOM_OPTIONS: readonly (() => ConnectionOptions)[] = [
  () => ({ socketType: "DEALER" }),
  () => ({ socketType: "ROUTER", routingId: utf8("r") }),
  () => ({ socketType: "SUB", legacy: false }),
  () => ({ socketType: "PAIR", maxMessageSize: 32 }),
  () => ({ socketType: "REQ", mechanism: { type: "PLAIN", username: "u", password: "p" } }),
  () => ({ socketType: "REP", mechanism: { type: "PLAIN", server: true, authenticate: () => true } }),
];

interface ConnectionRun {
  errors: number;
  ready: number;
  messages: number;
}

function runConnection(options: ConnectionOptions, chunks: readonly Uint8Array[], input: Uint8Array): { run: ConnectionRun; check: () => void } {
  const run: ConnectionRun = { errors: 0, ready: 0, messages: 0 };
  let fed = 0;
  let sent = 0;
  let largestAlloc = 0;
  const after = (what: string) => {
    if (run.errors > 0) fail(`${what} after onError`, input);
  };
  const alloc: Allocator = (size) => {
    if (size > largestAlloc) largestAlloc = size;
    return new Uint8Array(size);
  };
  const conn = new ZmtpConnection(
    { ...options, alloc },
    {
      send: (chunk) => {
        after("send");
        sent += chunk.length;
      },
      onReady: (peer) => {
        after("onReady");
        if (run.ready++ > 0) fail("onReady twice", input);
        if (peer.framing === "zmtp3" && peer.socketType === undefined && peer.properties.has("Socket-Type")) fail("Socket-Type lost", input);
      },
      onMessage: (frames) => {
        after("onMessage");
        if (run.ready === 0) fail("onMessage before onReady", input);
        if (frames.length === 0) fail("empty message", input);
        run.messages++;
      },
      onCommand: (command) => {
        after("onCommand");
        if (run.ready === 0) fail("onCommand before onReady", input);
        if (!["PING", "PONG", "SUBSCRIBE", "CANCEL", "JOIN", "LEAVE"].includes(command.name)) fail(`onCommand(${command.name})`, input);
      },
      onError: (error) => {
        if (run.errors++ > 0) fail("onError twice", input);
        const e = checkError(error, CONNECTION_CODES, `ZmtpConnection(${options.socketType})`, input);
        if (e.field === "internal") fail(`a non-protocol error escaped: ${e.message}`, input);
      },
    },
  );
  conn.start();
  const check = () => {
    // Output is bounded by what came in: a PONG per PING, plus the handshake.
    if (sent > fed + 2048) fail(`sent ${sent} bytes after ${fed} fed`, input);
    if (largestAlloc > Math.max(PREALLOCATE_LIMIT, fed + 1024)) fail(`allocated ${largestAlloc} bytes after ${fed} fed`, input);
  };
  for (const chunk of chunks) {
    fed += chunk.length;
    try {
      conn.feed(chunk);
    } catch (error) {
      fail(`ZmtpConnection.feed threw ${String(error)}`, input);
    }
    check();
  }
  return { run, check };
}

async function fuzzConnection(rng: Rng, corpus: readonly ConnectionSeed[], iterations: number): Promise<void> {
  for (let i = 0; i < iterations; i++) {
    const mode = rng.int(10);
    let options: ConnectionOptions;
    let input: Uint8Array;
    let seed: ConnectionSeed | undefined;
    if (mode < 2) {
      options = rng.pick(RANDOM_OPTIONS)();
      input = rng.chance(0.5) ? randomInput(rng) : concatBytes([encodeGreeting({ mechanism: "NULL", socketType: "DEALER" }), randomInput(rng)]);
    } else {
      seed = rng.pick(corpus);
      options = seed.options();
      input = mode === 2 ? seed.stream : mutate(rng, seed.stream);
    }
    // Now and then the PLAIN server decides asynchronously.
    const asyncAuth = options.mechanism?.type === "PLAIN" && "server" in options.mechanism && rng.chance(0.05);
    if (asyncAuth && options.mechanism?.type === "PLAIN" && "server" in options.mechanism) {
      const sync = options.mechanism.authenticate;
      options = { ...options, mechanism: { type: "PLAIN", server: true, authenticate: async (c) => sync(c) } };
    }
    const { run, check } = runConnection(options, chunked(rng, input), input);
    if (asyncAuth) {
      for (let k = 0; k < 8; k++) await Promise.resolve();
      check();
    }
    if (run.errors > 0) stats.errors++;
    if (run.ready > 0) stats.ready++;
    if (mode === 2 && seed) {
      stats.valid++;
      if (seed.readies && (run.ready !== 1 || run.errors !== 0 || run.messages !== seed.messages)) {
        fail(`${seed.label}: valid stream gave ready ${run.ready}, errors ${run.errors}, messages ${run.messages}/${seed.messages}`, input);
      }
    }
  }
  stats.connection += iterations;
  totalInputs += iterations;
}

// ---------------------------------------------------------------------------

describe(`fuzz (${TOTAL} inputs, seed ${SEED})`, () => {
  const rng = new Rng(SEED);

  it("FrameDecoder: zmtp3/zmtp2/zmtp1, with and without maxMessageSize", () => {
    withoutStacks(() => fuzzFrames(rng, frameCorpus(rng), budget(SHARE.frames)));
    expect(stats.frames).toBe(budget(SHARE.frames));
    expect(stats.valid).toBeGreaterThan(0);
  });

  it("GreetingExchange", () => {
    withoutStacks(() => fuzzGreeting(rng, budget(SHARE.greeting)));
    expect(stats.greeting).toBe(budget(SHARE.greeting));
  });

  it("parseCommandBody + decodeCommand", () => {
    withoutStacks(() => fuzzCommands(rng, commandCorpus(rng), budget(SHARE.commands)));
    expect(stats.commands).toBe(budget(SHARE.commands));
  });

  it("decodeMetadata", () => {
    withoutStacks(() => fuzzMetadata(rng, metadataCorpus(rng), budget(SHARE.metadata)));
    expect(stats.metadata).toBe(budget(SHARE.metadata));
  });

  it("ZmtpConnection never throws; errors arrive once through onError", async () => {
    await withoutStacksAsync(() => fuzzConnection(rng, connectionCorpus(rng), budget(SHARE.connection)));
    expect(stats.connection).toBe(budget(SHARE.connection));
  });

  it(`ran at least ${TOTAL} inputs`, () => {
    expect(totalInputs).toBeGreaterThanOrEqual(TOTAL);
    expect(stats.errors).toBeGreaterThan(0);
  });
});
