// Round-trip property tests (fast-check) for the codec: frames in all three
// framings, commands, metadata, Z85, and whole ZmtpConnections wired back to
// back in memory with bytes delivered in random chunk sizes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Command,
  type ConnectionOptions,
  type Framing,
  type MechanismOptions,
  type PeerInfo,
  type PlainAuthenticator,
  type PlainCredentials,
  type SocketTypeName,
  FLAG_COMMAND,
  FLAG_LONG,
  FLAG_MORE,
  FrameDecoder,
  FrameEncoder,
  WireError,
  ZmtpConnection,
  concatBytes,
  decodeCommand,
  decodeMetadata,
  encodeCommand,
  encodeCommandBody,
  encodeMetadata,
  parseCommandBody,
  utf8,
  z85Decode,
  z85Encode,
} from "./index.js";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so fast-check only has to pick seeds. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(size: number, seed: number): Uint8Array {
  const rng = prng(seed);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (rng() * 256) | 0;
  return out;
}

/** Splits `bytes` into chunks of 1..maxChunk bytes (at most ~4000 chunks, to bound run time). */
function split(bytes: Uint8Array, seed: number, maxChunk: number): Uint8Array[] {
  const rng = prng(seed);
  const min = Math.max(1, Math.floor(bytes.length / 4000));
  const max = Math.max(min, maxChunk);
  const out: Uint8Array[] = [];
  for (let pos = 0; pos < bytes.length;) {
    const n = min + Math.floor(rng() * (max - min + 1));
    out.push(bytes.subarray(pos, pos + n));
    pos += n;
  }
  return out;
}

function readU64(bytes: Uint8Array, offset: number): number {
  let v = 0;
  for (let i = 0; i < 8; i++) v = v * 256 + bytes[offset + i]!;
  return v;
}

type Event = { kind: "message"; frames: Uint8Array[] } | { kind: "command"; body: Uint8Array };

function decodeChunks(framing: Framing, chunks: readonly Uint8Array[]): { events: Event[]; decoder: FrameDecoder } {
  const events: Event[] = [];
  const decoder = new FrameDecoder(
    {
      onMessage: (frames) => events.push({ kind: "message", frames }),
      onCommand: (body) => events.push({ kind: "command", body }),
    },
    { framing },
  );
  for (const c of chunks) decoder.feed(c);
  return { events, decoder };
}

/** Byte-exact comparison with a readable failure (Uint8Array -> number[]). */
function expectBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual).toBeDefined();
  const a = actual!;
  expect(a.length).toBe(expected.length);
  let same = true;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== expected[i]) {
      same = false;
      break;
    }
  }
  // Only build the (slow) readable diff when they differ.
  if (!same) expect(Array.from(a)).toEqual(Array.from(expected));
}

function expectMessages(actual: readonly (readonly Uint8Array[])[], expected: readonly (readonly Uint8Array[])[]): void {
  expect(actual.length).toBe(expected.length);
  for (let m = 0; m < expected.length; m++) {
    const a = actual[m]!;
    const e = expected[m]!;
    expect(a.length).toBe(e.length);
    for (let f = 0; f < e.length; f++) expectBytes(a[f], e[f]!);
  }
}

function expectWireError(fn: () => unknown, code: string): WireError {
  try {
    fn();
  } catch (error) {
    expect(WireError.is(error)).toBe(true);
    const e = error as WireError;
    expect(e.code).toBe(code);
    return e;
  }
  throw new Error(`expected a WireError ${code}, nothing was thrown`);
}

const FRAMINGS: readonly Framing[] = ["zmtp3", "zmtp2", "zmtp1"];

// Body sizes around every header boundary: 1-byte vs 8-byte sizes (255/256),
// the ZMTP 1.0 boundary (length = size + 1 < 255), the default copy threshold
// (8192), 16-bit limits, and up to ~70000 bytes.
const BOUNDARY_SIZES = [0, 1, 2, 32, 33, 253, 254, 255, 256, 257, 300, 8191, 8192, 65535, 65536, 70000];

const bodyArb: fc.Arbitrary<Uint8Array> = fc
  .record({
    size: fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 40 }), weight: 6 },
      { arbitrary: fc.constantFrom(...BOUNDARY_SIZES), weight: 3 },
      { arbitrary: fc.integer({ min: 0, max: 70_000 }), weight: 1 },
    ),
    seed: fc.integer(),
  })
  .map(({ size, seed }) => randomBytes(size, seed));

const smallBodyArb: fc.Arbitrary<Uint8Array> = fc
  .record({ size: fc.integer({ min: 0, max: 300 }), seed: fc.integer() })
  .map(({ size, seed }) => randomBytes(size, seed));

const messageArb = fc.array(bodyArb, { minLength: 1, maxLength: 8 });
const messagesArb = fc.array(messageArb, { minLength: 1, maxLength: 6 });
const manyMessagesArb = fc.array(fc.array(smallBodyArb, { minLength: 1, maxLength: 4 }), { minLength: 50, maxLength: 250 });
const maxChunkArb = fc.constantFrom(1, 2, 3, 9, 10, 64, 257, 4096, 100_000);

// ---------------------------------------------------------------------------
// Frames
// ---------------------------------------------------------------------------

/** Walks an encoded stream with the known frame sizes and checks every header byte for byte. */
function checkHeaders(bytes: Uint8Array, messages: readonly (readonly Uint8Array[])[], framing: Framing): void {
  let p = 0;
  for (const frames of messages) {
    for (let i = 0; i < frames.length; i++) {
      const size = frames[i]!.length;
      const more = i < frames.length - 1 ? FLAG_MORE : 0;
      if (framing === "zmtp1") {
        if (size + 1 < 255) {
          expect(bytes[p]).toBe(size + 1);
          expect(bytes[p + 1]).toBe(more);
          p += 2;
        } else {
          expect(bytes[p]).toBe(0xff);
          expect(readU64(bytes, p + 1)).toBe(size + 1);
          expect(bytes[p + 9]).toBe(more);
          p += 10;
        }
      } else {
        const flags = bytes[p]!;
        // LONG exactly when the body is larger than 255 bytes (libzmq's encoder).
        expect((flags & FLAG_LONG) !== 0).toBe(size > 255);
        expect(flags).toBe(more | (size > 255 ? FLAG_LONG : 0));
        if (size > 255) {
          expect(readU64(bytes, p + 1)).toBe(size);
          p += 9;
        } else {
          expect(bytes[p + 1]).toBe(size);
          p += 2;
        }
      }
      expectBytes(bytes.subarray(p, p + size), frames[i]!);
      p += size;
    }
  }
  expect(p).toBe(bytes.length);
}

describe("frames: encodeMessages -> FrameDecoder round trip", () => {
  it.each(FRAMINGS)("%s: random multipart messages survive random chunking", (framing) => {
    fc.assert(
      fc.property(messagesArb, fc.integer(), maxChunkArb, (messages, seed, maxChunk) => {
        const chunks = new FrameEncoder({ framing }).encodeMessages(messages);
        const wire = concatBytes(chunks);
        const { events, decoder } = decodeChunks(framing, split(wire, seed, maxChunk));
        expect(events.every((e) => e.kind === "message")).toBe(true);
        expectMessages(
          events.map((e) => (e.kind === "message" ? e.frames : [])),
          messages,
        );
        expect(decoder.idle).toBe(true);
        expect(decoder.buffered).toBe(0);
        // The encoder's own chunks, fed as they are, decode the same.
        const direct = decodeChunks(framing, chunks);
        expect(direct.events.length).toBe(messages.length);
      }),
      { numRuns: 60 },
    );
  });

  it.each(FRAMINGS)("%s: lists of many small messages (1- and 8-byte sizes mixed)", (framing) => {
    fc.assert(
      fc.property(manyMessagesArb, fc.integer(), maxChunkArb, (messages, seed, maxChunk) => {
        const wire = concatBytes(new FrameEncoder({ framing }).encodeMessages(messages));
        checkHeaders(wire, messages, framing);
        const { events, decoder } = decodeChunks(framing, split(wire, seed, maxChunk));
        expectMessages(
          events.map((e) => (e.kind === "message" ? e.frames : [])),
          messages,
        );
        expect(decoder.idle).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it.each(FRAMINGS)("%s: headers are byte-exact; LONG (0x02) iff body > 255", (framing) => {
    fc.assert(
      fc.property(messagesArb, (messages) => {
        checkHeaders(concatBytes(new FrameEncoder({ framing }).encodeMessages(messages)), messages, framing);
      }),
      { numRuns: 60 },
    );
  });

  it("zmtp3: every boundary size gets the right header, alone and as the last frame", () => {
    for (const size of BOUNDARY_SIZES) {
      const body = randomBytes(size, size);
      const wire = concatBytes(new FrameEncoder().encodeMessage([new Uint8Array(3), body]));
      checkHeaders(wire, [[new Uint8Array(3), body]], "zmtp3");
      const flags = wire[5]!;
      expect(flags & FLAG_LONG).toBe(size > 255 ? FLAG_LONG : 0);
      expect(wire.length).toBe(2 + 3 + (size > 255 ? 9 : 2) + size);
    }
  });

  it.each(FRAMINGS)("%s: with a small copyThreshold, large bodies are passed by reference end to end", (framing) => {
    fc.assert(
      fc.property(messagesArb, fc.constantFrom(1, 16, 256, 1000), fc.integer(), maxChunkArb, (messages, copyThreshold, seed, maxChunk) => {
        const chunks = new FrameEncoder({ framing, copyThreshold }).encodeMessages(messages);
        for (const frames of messages) {
          for (const body of frames) {
            // By reference exactly when at least copyThreshold bytes; copied otherwise.
            expect(chunks.includes(body)).toBe(body.length >= copyThreshold);
          }
        }
        // Same bytes on the wire as a copying encoder.
        expectBytes(concatBytes(chunks), concatBytes(new FrameEncoder({ framing }).encodeMessages(messages)));
        // Fed chunk by chunk as the encoder returned them.
        const { events } = decodeChunks(framing, chunks);
        expectMessages(
          events.map((e) => (e.kind === "message" ? e.frames : [])),
          messages,
        );
        // Fed as one chunk, every non-empty frame is a view into it, not a copy.
        const wire = concatBytes(chunks);
        const whole = decodeChunks(framing, [wire]).events.flatMap((e) => (e.kind === "message" ? e.frames : []));
        for (const frame of whole) if (frame.length > 0) expect(frame.buffer).toBe(wire.buffer);
        // And re-split at random, still the same messages.
        const resplit = decodeChunks(framing, split(concatBytes(chunks), seed, maxChunk));
        expectMessages(
          resplit.events.map((e) => (e.kind === "message" ? e.frames : [])),
          messages,
        );
      }),
      { numRuns: 40 },
    );
  });

  it.each(FRAMINGS)("%s: maxMessageSize refuses exactly the frames larger than it", (framing) => {
    fc.assert(
      fc.property(messagesArb, fc.integer({ min: 0, max: 70_000 }), fc.integer(), maxChunkArb, (messages, max, seed, maxChunk) => {
        const wire = concatBytes(new FrameEncoder({ framing }).encodeMessages(messages));
        const frames = messages.flat();
        const firstTooLarge = frames.findIndex((f) => f.length > max);
        const events: Uint8Array[][] = [];
        const decoder = new FrameDecoder({ onMessage: (f) => events.push(f), onCommand: () => {} }, { framing, maxMessageSize: max });
        let error: unknown;
        try {
          for (const chunk of split(wire, seed, maxChunk)) decoder.feed(chunk);
        } catch (e) {
          error = e;
        }
        if (firstTooLarge < 0) {
          expect(error).toBeUndefined();
          expectMessages(events, messages);
        } else {
          expect(WireError.is(error)).toBe(true);
          expect((error as WireError).code).toBe("ZMTP_FRAME_TOO_LARGE");
          expect((error as WireError).value).toBe(frames[firstTooLarge]!.length);
          // Every message wholly before the refused frame was delivered.
          let before = 0;
          for (let m = 0, seen = 0; m < messages.length; m++) {
            seen += messages[m]!.length;
            if (seen <= firstTooLarge) before++;
          }
          expectMessages(events, messages.slice(0, before));
          // And the decoder stays closed.
          expect(() => decoder.feed(new Uint8Array(1))).toThrow(error);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("an empty message is EINVAL", () => {
    for (const framing of FRAMINGS) {
      const e = expectWireError(() => new FrameEncoder({ framing }).encodeMessages([[new Uint8Array(1)], []]), "EINVAL");
      expect(e.field).toBe("frames");
    }
  });
});

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

const NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+";
const propertyNameArb = fc.string({ unit: fc.constantFrom(...NAME_CHARS), minLength: 1, maxLength: 255 });
const propertyValueArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 40 }), weight: 5 },
  { arbitrary: fc.integer({ min: 0, max: 1000 }).map((n) => randomBytes(n, n)), weight: 1 },
);
const propertiesArb = fc.uniqueArray(fc.tuple(propertyNameArb, propertyValueArb), {
  selector: ([name]) => name,
  maxLength: 12,
});
const asciiArb = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength });

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  propertiesArb.map((entries): Command => ({ name: "READY", properties: new Map(entries) })),
  asciiArb(255).map((reason): Command => ({ name: "ERROR", reason })),
  fc.uint8Array({ maxLength: 300 }).map((topic): Command => ({ name: "SUBSCRIBE", topic })),
  fc.uint8Array({ maxLength: 300 }).map((topic): Command => ({ name: "CANCEL", topic })),
  fc
    .record({ ttl: fc.integer({ min: 0, max: 0xffff }), context: fc.uint8Array({ maxLength: 16 }) })
    .map(({ ttl, context }): Command => ({ name: "PING", ttl, context })),
  fc.uint8Array({ maxLength: 16 }).map((context): Command => ({ name: "PONG", context })),
);

function expectSameCommand(actual: Command | undefined, expected: Command): void {
  expect(actual).toBeDefined();
  const a = actual!;
  expect(a.name).toBe(expected.name);
  switch (expected.name) {
    case "READY": {
      if (a.name !== "READY") return;
      const got = [...a.properties];
      const want = [...expected.properties];
      expect(got.map(([n]) => n)).toEqual(want.map(([n]) => n)); // order preserved
      got.forEach(([, v], i) => expectBytes(v, want[i]![1]));
      return;
    }
    case "ERROR":
      if (a.name === "ERROR") expect(a.reason).toBe(expected.reason);
      return;
    case "SUBSCRIBE":
    case "CANCEL":
      if (a.name === "SUBSCRIBE" || a.name === "CANCEL") expectBytes(a.topic, expected.topic);
      return;
    case "PING":
      if (a.name !== "PING") return;
      expect(a.ttl).toBe(expected.ttl);
      expectBytes(a.context, expected.context);
      return;
    case "PONG":
      if (a.name === "PONG") expectBytes(a.context, expected.context);
      return;
  }
}

describe("commands: encodeCommand -> parseCommandBody -> decodeCommand", () => {
  it("round-trips every typed command", () => {
    fc.assert(
      fc.property(commandArb, (command) => {
        const body = encodeCommand(command);
        // name-len name data
        expect(body[0]).toBe(command.name.length);
        expect(String.fromCharCode(...body.subarray(1, 1 + command.name.length))).toBe(command.name);
        const raw = parseCommandBody(body);
        expect(raw.name).toBe(command.name);
        expect(raw.data.length).toBe(body.length - 1 - command.name.length);
        expectSameCommand(decodeCommand(raw), command);
        // Re-encoding the decoded command gives the same bytes.
        expectBytes(encodeCommand(decodeCommand(raw)!), body);
      }),
      { numRuns: 300 },
    );
  });

  it("READY with random metadata round-trips in order and matches encodeMetadata", () => {
    fc.assert(
      fc.property(propertiesArb, (entries) => {
        const body = encodeCommand({ name: "READY", properties: new Map(entries) });
        expectBytes(body, encodeCommandBody("READY", encodeMetadata(entries)));
        expectSameCommand(decodeCommand(parseCommandBody(body)), { name: "READY", properties: new Map(entries) });
      }),
      { numRuns: 150 },
    );
  });

  it("ERROR: the reason is length-prefixed (0..255 bytes); 256 is EINVAL", () => {
    fc.assert(
      fc.property(asciiArb(255), (reason) => {
        const body = encodeCommand({ name: "ERROR", reason });
        expect(body.length).toBe(1 + 5 + 1 + reason.length);
        expect(body[6]).toBe(reason.length);
      }),
      { numRuns: 100 },
    );
    expectWireError(() => encodeCommand({ name: "ERROR", reason: "x".repeat(256) }), "EINVAL");
  });

  it("PING: ttl is a big-endian uint16; out-of-range ttl or a context over 16 bytes is EINVAL", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 16 }), (ttl, context) => {
        const body = encodeCommand({ name: "PING", ttl, context });
        expect((body[5]! << 8) | body[6]!).toBe(ttl);
        expect(body.length).toBe(7 + context.length);
      }),
      { numRuns: 100 },
    );
    for (const ttl of [-1, 0x10000, 1.5, Number.NaN]) {
      expect(expectWireError(() => encodeCommand({ name: "PING", ttl, context: new Uint8Array(0) }), "EINVAL").field).toBe("ttl");
    }
    expect(expectWireError(() => encodeCommand({ name: "PING", ttl: 1, context: new Uint8Array(17) }), "EINVAL").field).toBe("context");
  });

  it("commands interleaved with messages go through FrameEncoder.encodeCommand + FrameDecoder in order", () => {
    const itemArb = fc.oneof(
      commandArb.map((command) => ({ command })),
      fc.array(smallBodyArb, { minLength: 1, maxLength: 3 }).map((frames) => ({ frames })),
    );
    fc.assert(
      fc.property(fc.array(itemArb, { minLength: 1, maxLength: 20 }), fc.integer(), maxChunkArb, (items, seed, maxChunk) => {
        const encoder = new FrameEncoder();
        const parts: Uint8Array[] = [];
        for (const item of items) {
          if ("command" in item) {
            const body = encodeCommand(item.command);
            const frame = encoder.encodeCommand(body);
            // COMMAND flag, LONG iff body > 255 (0x04 / 0x06).
            expect(frame[0]).toBe(FLAG_COMMAND | (body.length > 255 ? FLAG_LONG : 0));
            expect(frame.length).toBe(body.length + (body.length > 255 ? 9 : 2));
            parts.push(frame);
          } else {
            parts.push(...encoder.encodeMessage(item.frames));
          }
        }
        const { events } = decodeChunks("zmtp3", split(concatBytes(parts), seed, maxChunk));
        expect(events.length).toBe(items.length);
        items.forEach((item, i) => {
          const event = events[i]!;
          if ("command" in item) {
            expect(event.kind).toBe("command");
            if (event.kind === "command") expectSameCommand(decodeCommand(parseCommandBody(event.body)), item.command);
          } else {
            expect(event.kind).toBe("message");
            if (event.kind === "message") expectMessages([event.frames], [item.frames]);
          }
        });
      }),
      { numRuns: 80 },
    );
  });

  it("FrameEncoder.encodeCommand refuses ZMTP 2.0 / 1.0 framing", () => {
    for (const framing of ["zmtp2", "zmtp1"] as const) {
      expect(expectWireError(() => new FrameEncoder({ framing }).encodeCommand(encodeCommandBody("PING", new Uint8Array(2))), "EINVAL").field).toBe(
        "framing",
      );
    }
  });
});

// ---------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------

describe("metadata: encodeMetadata -> decodeMetadata", () => {
  it("round-trips names and values, preserving order", () => {
    fc.assert(
      fc.property(propertiesArb, (entries) => {
        const bytes = encodeMetadata(entries);
        let size = 0;
        for (const [name, value] of entries) size += 1 + name.length + 4 + value.length;
        expect(bytes.length).toBe(size);
        const decoded = [...decodeMetadata(bytes)];
        expect(decoded.map(([n]) => n)).toEqual(entries.map(([n]) => n));
        decoded.forEach(([, v], i) => expectBytes(v, entries[i]![1]));
        // Maps re-encode to the same bytes.
        expectBytes(encodeMetadata(new Map(entries)), bytes);
      }),
      { numRuns: 200 },
    );
  });

  it("string values are UTF-8", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(propertyNameArb, fc.string({ unit: "grapheme", maxLength: 20 })), { selector: ([n]) => n, maxLength: 6 }),
        (entries) => {
          const decoded = [...decodeMetadata(encodeMetadata(entries))];
          expect(decoded.map(([n]) => n)).toEqual(entries.map(([n]) => n));
          decoded.forEach(([, v], i) => expect(new TextDecoder().decode(v)).toBe(entries[i]![1]));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("decodes a [start, end) window of a larger buffer without reading outside it", () => {
    fc.assert(
      fc.property(propertiesArb, fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 20 }), (entries, before, after) => {
        const inner = encodeMetadata(entries);
        const buffer = concatBytes([before, inner, after]);
        const decoded = [...decodeMetadata(buffer, before.length, before.length + inner.length)];
        expect(decoded.map(([n]) => n)).toEqual(entries.map(([n]) => n));
        decoded.forEach(([, v], i) => {
          expectBytes(v, entries[i]![1]);
          expect(v.buffer).toBe(buffer.buffer); // values are views, not copies
        });
      }),
      { numRuns: 100 },
    );
  });

  it("refuses names outside [A-Za-z0-9-_.+] when encoding", () => {
    for (const name of ["", "a b", "é", "x".repeat(256), "Socket:Type"]) {
      expectWireError(() => encodeMetadata([[name, "v"]]), "EINVAL");
    }
  });
});

// ---------------------------------------------------------------------------
// Z85
// ---------------------------------------------------------------------------

describe("Z85", () => {
  it("round-trips byte arrays whose length is a multiple of 4", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer(), (words, seed) => {
        const data = randomBytes(words * 4, seed);
        const text = z85Encode(data);
        expect(text.length).toBe(words * 5);
        expectBytes(z85Decode(text), data);
      }),
      { numRuns: 300 },
    );
    expect(z85Encode(new Uint8Array(0))).toBe("");
  });

  it("matches RFC 32's test vector", () => {
    const bytes = Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    expect(z85Encode(bytes)).toBe("HelloWorld");
    expectBytes(z85Decode("HelloWorld"), bytes);
  });

  it("round-trips the extremes of a group", () => {
    expect(z85Encode(new Uint8Array(4))).toBe("00000");
    expect(z85Encode(Uint8Array.from([0xff, 0xff, 0xff, 0xff]))).toBe("%nSc0");
    expectBytes(z85Decode("%nSc0"), Uint8Array.from([0xff, 0xff, 0xff, 0xff]));
    // One past 2^32 - 1 overflows.
    expect(expectWireError(() => z85Decode("%nSc1"), "Z85_OVERFLOW").value).toBe("%nSc1");
  });

  it("reports Z85_BAD_LENGTH with the length", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }).filter((n) => n % 4 !== 0),
        (n) => {
          const e = expectWireError(() => z85Encode(new Uint8Array(n)), "Z85_BAD_LENGTH");
          expect(e.field).toBe("length");
          expect(e.value).toBe(n);
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }).filter((n) => n % 5 !== 0 || n === 0),
        (n) => {
          const e = expectWireError(() => z85Decode("0".repeat(n)), "Z85_BAD_LENGTH");
          expect(e.field).toBe("length");
          expect(e.value).toBe(n);
        },
      ),
    );
  });

  it("reports Z85_BAD_CHARACTER with the character", () => {
    for (const bad of [" ", '"', "'", ",", ";", "\\", "_", "`", "|", "~", "\u00e9", "\u0000", "\u2603"]) {
      const e = expectWireError(() => z85Decode(`Hell${bad}World`), "Z85_BAD_CHARACTER");
      expect(e.field).toBe("character");
      expect(e.value).toBe(bad);
    }
  });

  it("reports Z85_OVERFLOW with the group", () => {
    const e = expectWireError(() => z85Decode("HelloWorld%%%%%"), "Z85_OVERFLOW");
    expect(e.field).toBe("group");
    expect(e.value).toBe("%%%%%");
    expect(expectWireError(() => z85Decode("#####"), "Z85_OVERFLOW").value).toBe("#####");
  });
});

// ---------------------------------------------------------------------------
// ZmtpConnection back to back
// ---------------------------------------------------------------------------

interface Endpoint {
  readonly name: string;
  conn: ZmtpConnection;
  /** Bytes handed to handler.send and not yet delivered. */
  readonly outbox: Uint8Array[];
  /** Everything ever sent, in order. */
  readonly sent: Uint8Array[];
  readonly ready: PeerInfo[];
  readonly messages: Uint8Array[][];
  readonly commands: Command[];
  readonly errors: WireError[];
  /** Called from onReady. */
  onReady: ((peer: PeerInfo) => void) | undefined;
}

function endpoint(name: string, options: ConnectionOptions): Endpoint {
  const ep: Endpoint = {
    name,
    conn: undefined as unknown as ZmtpConnection,
    outbox: [],
    sent: [],
    ready: [],
    messages: [],
    commands: [],
    errors: [],
    onReady: undefined,
  };
  ep.conn = new ZmtpConnection(options, {
    send: (chunk) => {
      ep.outbox.push(chunk);
      ep.sent.push(chunk);
    },
    onReady: (peer) => {
      ep.ready.push(peer);
      ep.onReady?.(peer);
    },
    onMessage: (frames) => ep.messages.push(frames),
    onCommand: (command) => ep.commands.push(command),
    onError: (error) => ep.errors.push(error),
  });
  return ep;
}

/** Two endpoints whose send() feeds the other's feed(), in random chunk sizes, never re-entrantly. */
class Link {
  private readonly rng: () => number;
  constructor(
    readonly a: Endpoint,
    readonly b: Endpoint,
    seed: number,
    private readonly maxChunk: number,
  ) {
    this.rng = prng(seed);
  }

  start(): this {
    this.a.conn.start();
    this.b.conn.start();
    return this;
  }

  get pending(): boolean {
    return this.a.outbox.length > 0 || this.b.outbox.length > 0;
  }

  /** Moves one random-size chunk in a random direction. */
  private step(): void {
    const aHas = this.a.outbox.length > 0;
    const bHas = this.b.outbox.length > 0;
    const fromA = aHas && (!bHas || this.rng() < 0.5);
    const from = fromA ? this.a : this.b;
    const to = fromA ? this.b : this.a;
    const n = 1 + Math.floor(this.rng() * this.maxChunk);
    const taken: Uint8Array[] = [];
    let have = 0;
    while (have < n && from.outbox.length > 0) {
      const head = from.outbox[0]!;
      const want = n - have;
      if (head.length <= want) {
        taken.push(head);
        have += head.length;
        from.outbox.shift();
      } else {
        taken.push(head.subarray(0, want));
        from.outbox[0] = head.subarray(want);
        have += want;
      }
    }
    to.conn.feed(taken.length === 1 ? taken[0]! : concatBytes(taken));
  }

  /** Delivers until both outboxes are empty. */
  run(): void {
    for (let i = 0; this.pending; i++) {
      if (i > 2_000_000) throw new Error("link did not settle");
      this.step();
    }
  }

  /** As run(), also letting promises (async authenticators) settle; no timers. */
  async settle(): Promise<void> {
    for (let idle = 0, rounds = 0; idle < 50; rounds++) {
      if (rounds > 100_000) throw new Error("link did not settle");
      if (this.pending) {
        this.run();
        idle = 0;
      } else {
        await Promise.resolve();
        idle++;
      }
    }
  }
}

const SENDS_IDENTITY = new Set<SocketTypeName>(["REQ", "DEALER", "ROUTER"]);
const PAIRS: readonly [SocketTypeName, SocketTypeName][] = [
  ["DEALER", "ROUTER"],
  ["ROUTER", "DEALER"],
  ["DEALER", "DEALER"],
  ["ROUTER", "ROUTER"],
  ["PUSH", "PULL"],
  ["PULL", "PUSH"],
  ["PAIR", "PAIR"],
  ["REQ", "REP"],
  ["REQ", "ROUTER"],
  ["DEALER", "REP"],
  ["PUB", "SUB"],
  ["SUB", "PUB"],
  ["XPUB", "XSUB"],
  ["XPUB", "SUB"],
];

const routingIdArb = fc.uint8Array({ minLength: 0, maxLength: 255 });
const trafficArb = fc.array(fc.array(smallBodyArb, { minLength: 1, maxLength: 4 }), { maxLength: 6 });
const chunkArb = fc.constantFrom(1, 2, 3, 7, 11, 64, 200, 5000);
const xMetadataArb = fc.uniqueArray(
  fc.tuple(
    propertyNameArb.map((n) => `X-${n}`.slice(0, 255)),
    fc.uint8Array({ maxLength: 20 }),
  ),
  { selector: ([n]) => n, maxLength: 3 },
);

function sendMessages(ep: Endpoint, messages: readonly (readonly Uint8Array[])[]): void {
  if (messages.length === 0) return;
  for (const c of ep.conn.encodeMessages(messages)) {
    ep.outbox.push(c);
    ep.sent.push(c);
  }
}

function checkPeer(
  peer: PeerInfo | undefined,
  type: SocketTypeName,
  routingId: Uint8Array | undefined,
  metadata: readonly (readonly [string, Uint8Array])[],
): void {
  expect(peer).toBeDefined();
  const p = peer!;
  expect(p.socketType).toBe(type);
  expect(p.framing).toBe("zmtp3");
  expect(p.protocol).toBe("ZMTP/3.1");
  expect(p.greeting.major).toBe(3);
  expect(p.greeting.minor).toBe(1);
  expectBytes(p.properties.get("Socket-Type"), utf8(type));
  // Identity is sent by REQ, DEALER and ROUTER only (even when empty).
  expect(p.properties.has("Identity")).toBe(SENDS_IDENTITY.has(type));
  expectBytes(p.routingId, SENDS_IDENTITY.has(type) ? (routingId ?? new Uint8Array(0)) : new Uint8Array(0));
  for (const [name, value] of metadata) expectBytes(p.properties.get(name), value);
  // Properties arrive in libzmq's order: Socket-Type, Identity, then X-...
  const names = [...p.properties.keys()];
  expect(names[0]).toBe("Socket-Type");
  if (SENDS_IDENTITY.has(type)) expect(names[1]).toBe("Identity");
}

describe("ZmtpConnection back to back (NULL)", () => {
  it("compatible pairs reach onReady with the right peer and exchange messages in order", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PAIRS),
        fc.option(routingIdArb, { nil: undefined }),
        fc.option(routingIdArb, { nil: undefined }),
        xMetadataArb,
        trafficArb,
        trafficArb,
        fc.integer(),
        chunkArb,
        (pair, ridA, ridB, metadata, toB, toA, seed, maxChunk) => {
          const [typeA, typeB] = pair;
          const a = endpoint("a", { socketType: typeA, routingId: ridA, metadata });
          const b = endpoint("b", { socketType: typeB, routingId: ridB });
          // A sends as soon as it is ready (its bytes may share chunks with its READY's tail);
          // B sends from its own onReady.
          a.onReady = () => sendMessages(a, toB);
          b.onReady = () => sendMessages(b, toA);
          const link = new Link(a, b, seed, maxChunk).start();
          link.run();
          expect(a.errors).toEqual([]);
          expect(b.errors).toEqual([]);
          expect(a.ready.length).toBe(1);
          expect(b.ready.length).toBe(1);
          expect(a.conn.ready && b.conn.ready).toBe(true);
          checkPeer(a.ready[0], typeB, ridB, []);
          checkPeer(b.ready[0], typeA, ridA, metadata);
          expect(a.ready[0]!.userId).toBe("");
          expectMessages(b.messages, toB);
          expectMessages(a.messages, toA);
          // Later traffic, after both are ready.
          sendMessages(a, toB);
          sendMessages(b, toA);
          link.run();
          expectMessages(b.messages, [...toB, ...toB]);
          expectMessages(a.messages, [...toA, ...toA]);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("the greeting and READY bytes match libzmq's layout", () => {
    const a = endpoint("a", { socketType: "DEALER" });
    const b = endpoint("b", { socketType: "ROUTER" });
    new Link(a, b, 1, 1000).start().run();
    const wire = concatBytes(a.sent);
    const greeting = [0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1, ...utf8("NULL"), ...new Array<number>(16 + 1 + 31).fill(0)];
    expect(Array.from(wire.subarray(0, 64))).toEqual(greeting);
    // 04 29 | 05 READY | 0B Socket-Type 00000006 DEALER | 08 Identity 00000000
    const ready = [0x04, 0x29, 5, ...utf8("READY"), 11, ...utf8("Socket-Type"), 0, 0, 0, 6, ...utf8("DEALER"), 8, ...utf8("Identity"), 0, 0, 0, 0];
    expect(Array.from(wire.subarray(64))).toEqual(ready);
  });

  it("SUB -> PUB: SUBSCRIBE and CANCEL arrive as commands", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 300 })), { maxLength: 8 }),
        fc.integer(),
        chunkArb,
        (subs, seed, maxChunk) => {
          const pub = endpoint("pub", { socketType: "PUB" });
          const sub = endpoint("sub", { socketType: "SUB" });
          const link = new Link(pub, sub, seed, maxChunk).start();
          link.run();
          const sent: Command[] = subs.map(([subscribe, topic]) => (subscribe ? { name: "SUBSCRIBE", topic } : { name: "CANCEL", topic }));
          for (const command of sent) sub.outbox.push(sub.conn.encodeCommand(command));
          link.run();
          expect(pub.commands.length).toBe(sent.length);
          sent.forEach((command, i) => expectSameCommand(pub.commands[i], command));
          expect(pub.errors).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("PING gets an automatic PONG echoing the context", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PAIRS),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 16 })), { minLength: 1, maxLength: 5 }),
        fc.integer(),
        chunkArb,
        (pair, pings, seed, maxChunk) => {
          const a = endpoint("a", { socketType: pair[0] });
          const b = endpoint("b", { socketType: pair[1] });
          const link = new Link(a, b, seed, maxChunk).start();
          link.run();
          for (const [ttl, context] of pings) a.outbox.push(a.conn.encodeCommand({ name: "PING", ttl, context }));
          link.run();
          // B saw each PING (after answering it) ...
          expect(b.commands.length).toBe(pings.length);
          pings.forEach(([ttl, context], i) => expectSameCommand(b.commands[i], { name: "PING", ttl, context }));
          // ... and A got one PONG per PING with the same context.
          expect(a.commands.length).toBe(pings.length);
          pings.forEach(([, context], i) => expectSameCommand(a.commands[i], { name: "PONG", context }));
          expect(a.errors.length + b.errors.length).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("a PING context over 16 bytes is echoed truncated to 16", () => {
    const a = endpoint("a", { socketType: "PAIR" });
    const b = endpoint("b", { socketType: "PAIR" });
    const link = new Link(a, b, 7, 13).start();
    link.run();
    const context = randomBytes(40, 3);
    const data = concatBytes([Uint8Array.from([0x01, 0x2c]), context]);
    a.outbox.push(new FrameEncoder().encodeCommand(encodeCommandBody("PING", data)));
    link.run();
    expect(a.commands.length).toBe(1);
    expectSameCommand(a.commands[0], { name: "PONG", context: context.subarray(0, 16) });
  });

  it("incompatible socket types fail on both sides with ZMTP_INCOMPATIBLE_SOCKET_TYPE", () => {
    const bad: [SocketTypeName, SocketTypeName][] = [
      ["PUSH", "PUSH"],
      ["PULL", "PULL"],
      ["REQ", "REQ"],
      ["REP", "ROUTER"],
      ["PUB", "PUB"],
      ["PAIR", "DEALER"],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...bad), fc.integer(), chunkArb, ([typeA, typeB], seed, maxChunk) => {
        const a = endpoint("a", { socketType: typeA });
        const b = endpoint("b", { socketType: typeB });
        new Link(a, b, seed, maxChunk).start().run();
        for (const [ep, peerType] of [
          [a, typeB],
          [b, typeA],
        ] as const) {
          expect(ep.ready).toEqual([]);
          expect(ep.errors.length).toBe(1);
          expect(ep.errors[0]!.code).toBe("ZMTP_INCOMPATIBLE_SOCKET_TYPE");
          expect(ep.errors[0]!.value).toBe(peerType);
        }
      }),
      { numRuns: 20 },
    );
  });

  it("NULL vs PLAIN fails on both sides with ZMTP_MECHANISM_MISMATCH", () => {
    const plainOptions: MechanismOptions[] = [
      { type: "PLAIN", username: "u", password: "p" },
      { type: "PLAIN", server: true, authenticate: () => true },
    ];
    fc.assert(
      fc.property(fc.constantFrom(...plainOptions), fc.boolean(), fc.integer(), chunkArb, (plain, plainFirst, seed, maxChunk) => {
        const n = endpoint("null", { socketType: "DEALER" });
        const p = endpoint("plain", { socketType: "ROUTER", mechanism: plain });
        new Link(plainFirst ? p : n, plainFirst ? n : p, seed, maxChunk).start().run();
        expect(n.ready.length + p.ready.length).toBe(0);
        // A side fails as soon as it has the peer's whole greeting, and sends the rest of its own
        // first (as libzmq does), so both sides see the whole of the other's and fail the same way.
        // (What follows the 64 bytes, a first command sent early, is never read.)
        for (const [ep, other, peerMechanism] of [
          [n, p, "PLAIN"],
          [p, n, "NULL"],
        ] as const) {
          expect(concatBytes(other.sent).length).toBeGreaterThanOrEqual(64);
          expect(ep.errors.map((e) => e.code)).toEqual(["ZMTP_MECHANISM_MISMATCH"]);
          expect(ep.errors[0]!.value).toBe(peerMechanism);
        }
      }),
      { numRuns: 20 },
    );
  });
});

// ---------------------------------------------------------------------------
// PLAIN
// ---------------------------------------------------------------------------

const credentialArb: fc.Arbitrary<Uint8Array | string> = fc.oneof(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 255 }));

function plainPair(
  client: { username: Uint8Array | string; password: Uint8Array | string },
  authenticate: PlainAuthenticator,
  types: [SocketTypeName, SocketTypeName] = ["DEALER", "ROUTER"],
): { client: Endpoint; server: Endpoint } {
  return {
    client: endpoint("client", { socketType: types[0], mechanism: { type: "PLAIN", ...client }, routingId: utf8("client-id") }),
    server: endpoint("server", {
      socketType: types[1],
      mechanism: { type: "PLAIN", server: true, authenticate },
      peerAddress: "10.0.0.7",
    }),
  };
}

/** The frames a side sent after its 64-byte greeting. */
function framesAfterGreeting(ep: Endpoint): Event[] {
  const wire = concatBytes(ep.sent);
  return decodeChunks("zmtp3", [wire.subarray(64)]).events;
}

describe("ZmtpConnection back to back (PLAIN)", () => {
  it("client and server reach ready; userId comes from the authenticator (sync and async)", async () => {
    await fc.assert(
      fc.asyncProperty(
        credentialArb,
        credentialArb,
        fc.string({ maxLength: 30 }),
        fc.constantFrom("sync", "async", "sync-true", "async-true"),
        fc.constantFrom(...PAIRS),
        trafficArb,
        fc.integer(),
        chunkArb,
        async (username, password, userId, kind, types, traffic, seed, maxChunk) => {
          const seen: PlainCredentials[] = [];
          const verdict = kind.endsWith("true") ? true : ({ status: "200", userId } as const);
          const authenticate: PlainAuthenticator = kind.startsWith("async")
            ? async (c) => {
                seen.push(c);
                await Promise.resolve();
                return verdict;
              }
            : (c) => {
                seen.push(c);
                return verdict;
              };
          const { client, server } = plainPair({ username, password }, authenticate, types);
          client.onReady = () => sendMessages(client, traffic);
          const link = new Link(client, server, seed, maxChunk).start();
          await link.settle();
          expect(client.errors).toEqual([]);
          expect(server.errors).toEqual([]);
          expect(client.ready.length).toBe(1);
          expect(server.ready.length).toBe(1);
          expect(server.ready[0]!.userId).toBe(kind.endsWith("true") ? "" : userId);
          expect(client.ready[0]!.userId).toBe("");
          expect(server.ready[0]!.socketType).toBe(types[0]);
          expect(client.ready[0]!.socketType).toBe(types[1]);
          expect(server.ready[0]!.greeting.mechanism).toBe("PLAIN");
          // The authenticator saw the credentials exactly once.
          expect(seen.length).toBe(1);
          expectBytes(seen[0]!.usernameBytes, typeof username === "string" ? utf8(username) : username);
          expectBytes(seen[0]!.passwordBytes, typeof password === "string" ? utf8(password) : password);
          if (typeof username === "string") expect(seen[0]!.username).toBe(username);
          expect(seen[0]!.address).toBe("10.0.0.7");
          // Traffic sent by the client from onReady arrives, even while the server was still deciding.
          expectMessages(server.messages, traffic);
          sendMessages(server, traffic);
          await link.settle();
          expectMessages(client.messages, traffic);
        },
      ),
      { numRuns: 60 },
    );
  });

  const rejections: { label: string; auth: PlainAuthenticator; status: "400" | "500" }[] = [
    { label: "false", auth: () => false, status: "400" },
    { label: "status 400", auth: () => ({ status: "400" }), status: "400" },
    { label: "status 500", auth: () => ({ status: "500" }), status: "500" },
    { label: "async false", auth: () => Promise.resolve(false), status: "400" },
    { label: "async status 400", auth: async () => Promise.resolve({ status: "400" as const }), status: "400" },
    { label: "async status 500", auth: () => Promise.resolve({ status: "500" as const }), status: "500" },
    {
      label: "throws",
      auth: () => {
        throw new Error("boom");
      },
      status: "500",
    },
    { label: "rejects", auth: () => Promise.reject(new Error("boom")), status: "500" },
  ];

  it.each(rejections)("a rejecting authenticator ($label) gives the client ZMTP_AUTH_FAILED $status", async ({ auth, status }) => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), chunkArb, async (seed, maxChunk) => {
        const { client, server } = plainPair({ username: "admin", password: "wrong" }, auth);
        await new Link(client, server, seed, maxChunk).start().settle();
        expect(client.ready).toEqual([]);
        expect(server.ready).toEqual([]);
        expect(client.errors.length).toBe(1);
        expect(client.errors[0]!.code).toBe("ZMTP_AUTH_FAILED");
        expect(client.errors[0]!.status).toBe(status);
        expect(server.errors.length).toBe(1);
        expect(server.errors[0]!.code).toBe("ZMTP_AUTH_FAILED");
        expect(server.errors[0]!.status).toBe(status);
        // The server sent exactly one command after its greeting: ERROR with the status.
        const events = framesAfterGreeting(server);
        expect(events.length).toBe(1);
        const event = events[0]!;
        expect(event.kind).toBe("command");
        if (event.kind === "command") expectSameCommand(decodeCommand(parseCommandBody(event.body)), { name: "ERROR", reason: status });
      }),
      { numRuns: 10 },
    );
  });

  it.each([
    { label: "sync", auth: (() => ({ status: "300" })) satisfies PlainAuthenticator },
    { label: "async", auth: (() => Promise.resolve({ status: "300" as const })) satisfies PlainAuthenticator },
  ])("status 300 ($label) closes the server without sending ERROR", async ({ auth }) => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), chunkArb, async (seed, maxChunk) => {
        const { client, server } = plainPair({ username: "u", password: "p" }, auth);
        await new Link(client, server, seed, maxChunk).start().settle();
        expect(server.errors.length).toBe(1);
        expect(server.errors[0]!.code).toBe("ZMTP_AUTH_FAILED");
        expect(server.errors[0]!.status).toBe("300");
        // Nothing after the greeting: no WELCOME, no ERROR.
        expect(concatBytes(server.sent).length).toBe(64);
        expect(framesAfterGreeting(server)).toEqual([]);
        // The client just waits (the transport would see the close).
        expect(client.errors).toEqual([]);
        expect(client.ready).toEqual([]);
      }),
      { numRuns: 10 },
    );
  });

  it("the client's HELLO carries length-prefixed username and password", () => {
    fc.assert(
      fc.property(credentialArb, credentialArb, (username, password) => {
        const { client } = plainPair({ username, password }, () => true);
        client.conn.start();
        // Complete the greeting with a PLAIN peer so the client sends HELLO.
        const peer = endpoint("peer", { socketType: "ROUTER", mechanism: { type: "PLAIN", server: true, authenticate: () => true } });
        peer.conn.start();
        new Link(client, peer, 1, 100).run();
        const first = framesAfterGreeting(client)[0];
        expect(first?.kind).toBe("command");
        if (first?.kind !== "command") return;
        const raw = parseCommandBody(first.body);
        expect(raw.name).toBe("HELLO");
        const u = typeof username === "string" ? utf8(username) : username;
        const p = typeof password === "string" ? utf8(password) : password;
        expectBytes(raw.data, concatBytes([Uint8Array.of(u.length), u, Uint8Array.of(p.length), p]));
      }),
      { numRuns: 50 },
    );
  });

  it("credentials over 255 bytes are EINVAL", () => {
    expectWireError(
      () =>
        new ZmtpConnection(
          { socketType: "DEALER", mechanism: { type: "PLAIN", username: "x".repeat(256), password: "" } },
          {
            send() {},
            onReady() {},
            onMessage() {},
            onCommand() {},
            onError() {},
          },
        ),
      "EINVAL",
    );
  });
});
