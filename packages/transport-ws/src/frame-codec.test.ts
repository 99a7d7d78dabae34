// RFC 6455 framing, sans-I/O: lengths at the 7/16/64-bit edges, masking
// both ways, streams split at every byte boundary, fragments with control
// frames between them, and every violation the decoder refuses.
import { describe, expect, it } from "vitest";
import {
  OP_BINARY,
  OP_CLOSE,
  OP_CONTINUATION,
  OP_PING,
  OP_PONG,
  OP_TEXT,
  WsFrameDecoder,
  encodeFrameList,
  encodeFrames,
  headerSize,
  writeHeader,
} from "./frame-codec.js";
import { maskInPlace, xorView } from "./masking.js";

const alloc = (n: number) => new Uint8Array(n);

interface Seen {
  events: string[];
  binaries: Uint8Array[];
  /** How many binary messages came by onBinaryAt (chunk and place). */
  inPlace: number;
  error: string | undefined;
  code: number | undefined;
}

/** A decoder and what it reported; `inPlace`: the sink also takes whole messages as chunk and place (onBinaryAt). */
function decoder(expectMasked: boolean, maxPayload = 1 << 24, inPlace = false) {
  const seen: Seen = { events: [], binaries: [], inPlace: 0, error: undefined, code: undefined };
  const atPlace = (chunk: Uint8Array, start: number, length: number) => {
    seen.inPlace++;
    seen.events.push(`binary ${length}`);
    seen.binaries.push(chunk.slice(start, start + length));
  };
  const d = new WsFrameDecoder(
    { expectMasked, maxPayload, alloc },
    {
      onBinary: (p) => {
        seen.events.push(`binary ${p.length}`);
        seen.binaries.push(p.slice());
      },
      ...(inPlace ? { onBinaryAt: atPlace } : {}),
      onText: () => seen.events.push("text"),
      onPing: (p) => seen.events.push(`ping ${p.length}`),
      onPong: () => seen.events.push("pong"),
      onClose: (code) => seen.events.push(`close ${code}`),
      onError: (reason, code) => {
        seen.error = reason;
        seen.code = code;
      },
    },
  );
  return { d, seen };
}

/** A frame by hand: FIN and RSV bits, opcode, optional mask. */
function frame(opcode: number, payload: Uint8Array, options: { mask?: Uint8Array; fin?: boolean; rsv?: number } = {}): Uint8Array {
  const { mask, fin = true, rsv = 0 } = options;
  const head = new Uint8Array(headerSize(payload.length, mask !== undefined));
  writeHeader(head, opcode, payload.length, mask);
  head[0] = (fin ? 0x80 : 0) | rsv | opcode;
  const body = payload.slice();
  if (mask) maskInPlace(body, mask);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

const MASK = new Uint8Array([0x12, 0x34, 0x56, 0x78]);
const filled = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

describe("encoding", () => {
  it("uses the 7-bit, 16-bit and 64-bit lengths at their edges", () => {
    for (const [n, header] of [
      [0, 2],
      [125, 2],
      [126, 4],
      [65535, 4],
      [65536, 10],
    ] as const) {
      const out = encodeFrames(OP_BINARY, [filled(n)], false, alloc);
      expect(out.length, `length ${n}`).toBe(header + n);
      expect(out[0]).toBe(0x82);
      const { d, seen } = decoder(false);
      d.feed(out);
      expect(seen.binaries[0]).toEqual(filled(n));
    }
    expect([...encodeFrames(OP_BINARY, [new Uint8Array([1, 2])], false, alloc)]).toEqual([0x82, 0x02, 1, 2]);
  });

  it("masks client frames (mask bit, key, XORed payload) and the decoder unmasks them; large ones go in aligned buffers of their own", () => {
    const payloads = [filled(10), filled(5000), filled(300), filled(70000)];
    const chunks = encodeFrameList(OP_BINARY, payloads, true, alloc);
    expect(chunks.length).toBe(6);
    const wire = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      wire.set(c, at);
      at += c.length;
    }
    expect(wire[1]! & 0x80).toBe(0x80);
    expect(wire.subarray(6, 16)).not.toEqual(filled(10));
    const { d, seen } = decoder(true);
    d.feed(wire);
    expect(seen.binaries).toEqual(payloads);
    expect(seen.error).toBeUndefined();
  });

  it("maskInPlace word by word agrees with byte by byte, aligned or not", () => {
    for (const offset of [0, 1, 2, 3]) {
      const data = filled(2000 + offset);
      const view = data.subarray(offset);
      const expected = view.map((b, i) => b ^ MASK[i & 3]!);
      maskInPlace(view, MASK);
      expect(view).toEqual(expected);
    }
  });

  it("xorView (a word a turn through a DataView) agrees with byte by byte at every offset and length", () => {
    const key = ((MASK[0]! << 24) | (MASK[1]! << 16) | (MASK[2]! << 8) | MASK[3]!) >>> 0;
    for (const offset of [0, 1, 2, 3, 5]) {
      for (let length = 0; length <= 70; length++) {
        const data = filled(offset + length + 3);
        const expected = data.map((b, i) => (i >= offset && i < offset + length ? b ^ MASK[(i - offset) & 3]! : b));
        xorView(new DataView(data.buffer), offset, length, key);
        expect(data, `offset ${offset}, length ${length}`).toEqual(expected);
      }
    }
  });
});

describe("decoding", () => {
  it("cuts a stream split at every byte boundary into the same messages", () => {
    const wire = new Uint8Array([
      ...frame(OP_BINARY, filled(3), { mask: MASK }),
      ...frame(OP_PING, filled(2), { mask: MASK }),
      ...frame(OP_BINARY, filled(200), { mask: MASK }),
      ...frame(OP_PONG, new Uint8Array(0), { mask: MASK }),
      ...frame(OP_CLOSE, new Uint8Array([0x03, 0xe8]), { mask: MASK }),
    ]);
    const expected = ["binary 3", "ping 2", "binary 200", "pong", "close 1000"];
    for (let split = 0; split <= wire.length; split++) {
      const { d, seen } = decoder(true);
      d.feed(wire.slice(0, split));
      d.feed(wire.slice(split));
      expect(seen.events, `split at ${split}`).toEqual(expected);
      expect(seen.binaries[1]).toEqual(filled(200));
    }
    const { d, seen } = decoder(true);
    for (const byte of wire) d.feed(new Uint8Array([byte]));
    expect(seen.events).toEqual(expected);
  });

  it("a sink taking messages where they lie gets the same messages: whole frames in one chunk in place, others as payloads", () => {
    const wire = new Uint8Array([
      ...frame(OP_BINARY, filled(3), { mask: MASK }),
      ...frame(OP_BINARY, filled(40), { mask: MASK, fin: false }),
      ...frame(OP_PING, filled(2), { mask: MASK }),
      ...frame(OP_CONTINUATION, filled(5), { mask: MASK }),
      ...frame(OP_BINARY, filled(200), { mask: MASK }),
      ...frame(OP_BINARY, filled(600), { mask: MASK }),
    ]);
    const expected = ["binary 3", "ping 2", "binary 45", "binary 200", "binary 600"];
    const whole = decoder(true, 1 << 24, true);
    whole.d.feed(wire.slice());
    expect(whole.seen.events).toEqual(expected);
    expect(whole.seen.inPlace).toBe(2); // 3 and 200 bytes; the fragmented message is gathered, 600 is over the in-place size
    expect(whole.seen.binaries[0]).toEqual(filled(3));
    expect(whole.seen.binaries[2]).toEqual(filled(200));
    for (let split = 0; split <= wire.length; split++) {
      const { d, seen } = decoder(true, 1 << 24, true);
      d.feed(wire.slice(0, split));
      d.feed(wire.slice(split));
      expect(seen.events, `split at ${split}`).toEqual(expected);
      expect(seen.binaries[2]).toEqual(filled(200));
    }
    for (const masked of [true, false]) {
      const server = decoder(masked, 1 << 24, true);
      const frames = [frame(OP_BINARY, filled(70), masked ? { mask: MASK } : {}), frame(OP_BINARY, filled(9000), masked ? { mask: MASK } : {})];
      server.d.feed(new Uint8Array([...frames[0]!, ...frames[1]!]));
      expect(server.seen.binaries).toEqual([filled(70), filled(9000)]);
      expect(server.seen.inPlace).toBe(masked ? 1 : 2); // unmasked frames in one chunk are never copied, whatever their size
    }
  });

  it("decodes masked and unmasked frames of every length class cut into chunks of any size", () => {
    const sizes = [0, 1, 2, 125, 126, 300, 511, 512, 513, 4099, 65535, 65536, 70001];
    for (const masked of [true, false]) {
      const wire = new Uint8Array(
        sizes.flatMap((n) => [...frame(OP_BINARY, filled(n), masked ? { mask: new Uint8Array([n & 0xff, 0xa5, 0x5a, (n >> 8) & 0xff]) } : {})]),
      );
      // Chunk sizes from a fixed sequence: single bytes, header-sized pieces, and pieces spanning several frames.
      for (const step of [1, 3, 7, 13, 14, 15, 64, 1000, 4096, 40_000]) {
        const { d, seen } = decoder(masked);
        for (let at = 0, i = 0; at < wire.length; i++) {
          const n = Math.max(1, (step * (i % 5)) % (step + 3));
          d.feed(wire.slice(at, at + n));
          at += n;
        }
        expect(seen.error, `masked ${masked}, step ${step}`).toBeUndefined();
        expect(seen.binaries.map((b) => b.length)).toEqual(sizes);
        seen.binaries.forEach((b, k) => expect(Buffer.from(b).equals(Buffer.from(filled(sizes[k]!))), `size ${sizes[k]}`).toBe(true));
      }
    }
  });

  it("a large frame trickled a byte at a time is held in a few buffers, not a view per byte", () => {
    const payload = filled(300_000);
    const wire = frame(OP_BINARY, payload, { mask: MASK });
    const { d, seen } = decoder(true);
    const inner = d as unknown as { chunks: Uint8Array[] };
    let most = 0;
    for (let i = 0; i < wire.length - 1; i++) {
      d.feed(wire.slice(i, i + 1));
      most = Math.max(most, inner.chunks.length);
    }
    // What is held: a handful of chunks, over buffers at most about twice the bytes received.
    expect(most).toBeLessThanOrEqual(16);
    const held = new Set(inner.chunks.map((c) => c.buffer));
    let bytes = 0;
    for (const b of held) bytes += b.byteLength;
    expect(bytes).toBeLessThanOrEqual(2 * wire.length + 4096);
    d.feed(wire.slice(wire.length - 1));
    expect(seen.binaries).toHaveLength(1);
    expect(Buffer.from(seen.binaries[0]!).equals(Buffer.from(payload))).toBe(true);
  });

  it("gathers a fragmented message, with a control frame between its parts", () => {
    const { d, seen } = decoder(false);
    d.feed(frame(OP_BINARY, filled(4), { fin: false }));
    d.feed(frame(OP_PING, new Uint8Array(0)));
    d.feed(frame(OP_CONTINUATION, filled(3), { fin: false }));
    d.feed(frame(OP_CONTINUATION, filled(2)));
    expect(seen.events).toEqual(["ping 0", "binary 9"]);
    expect(seen.binaries[0]).toEqual(new Uint8Array([...filled(4), ...filled(3), ...filled(2)]));
  });

  it("reports text messages, and a close without a code as 1005", () => {
    const { d, seen } = decoder(false);
    d.feed(frame(OP_TEXT, new TextEncoder().encode("hi")));
    d.feed(frame(OP_CLOSE, new Uint8Array(0)));
    expect(seen.events).toEqual(["text", "close 1005"]);
  });

  for (const [name, bytes, expectMasked, code] of [
    ["reserved bits", frame(OP_BINARY, filled(1), { rsv: 0x40 }), false, 1002],
    ["a reserved data opcode", frame(0x3, filled(1)), false, 1002],
    ["a reserved control opcode", frame(0xb, filled(1)), false, 1002],
    ["an unmasked frame from a client", frame(OP_BINARY, filled(1)), true, 1002],
    ["a masked frame from a server", frame(OP_BINARY, filled(1), { mask: MASK }), false, 1002],
    ["a fragmented control frame", frame(OP_PING, filled(1), { fin: false }), false, 1002],
    ["a control frame over 125 bytes", frame(OP_PING, filled(126)), false, 1002],
    ["a continuation with nothing to continue", frame(OP_CONTINUATION, filled(1)), false, 1002],
    ["a message over maxPayload", frame(OP_BINARY, filled(101)), false, 1009],
    ["a 64-bit length over 2^53", new Uint8Array([0x82, 127, 0xff, 0, 0, 0, 0, 0, 0, 1]), false, 1009],
  ] as const) {
    it(`refuses ${name} (close code ${code}) and decodes nothing after it`, () => {
      const { d, seen } = decoder(expectMasked, 100);
      d.feed(bytes);
      expect(seen.error).toBeDefined();
      expect(seen.code).toBe(code);
      d.feed(frame(OP_BINARY, filled(1), expectMasked ? { mask: MASK } : {}));
      expect(seen.events).toEqual([]);
    });
  }

  it("refuses a new message inside a fragmented one", () => {
    const { d, seen } = decoder(false);
    d.feed(frame(OP_BINARY, filled(1), { fin: false }));
    d.feed(frame(OP_BINARY, filled(1)));
    expect(seen.error).toMatch(/inside a fragmented/);
  });

  it("counts a fragmented message's parts against maxPayload", () => {
    const { d, seen } = decoder(false, 10);
    d.feed(frame(OP_BINARY, filled(6), { fin: false }));
    d.feed(frame(OP_CONTINUATION, filled(6)));
    expect(seen.code).toBe(1009);
  });
});

describe("fuzz", () => {
  it("random bytes never throw: each stream ends decoded or refused, and nothing is decoded after a refusal", () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    for (let run = 0; run < 2000; run++) {
      const expectMasked = run % 2 === 0;
      const { d, seen } = decoder(expectMasked, 1000);
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256));
      // Sometimes start with a valid header, so that payload and later frames get exercised too.
      if (random() < 0.5) bytes[0] = 0x80 | [OP_BINARY, OP_PING, OP_CONTINUATION, OP_TEXT][Math.floor(random() * 4)]!;
      if (random() < 0.5) bytes[1] = (expectMasked ? 0x80 : 0) | (bytes[1]! & 0x7f);
      expect(() => {
        for (let at = 0; at < bytes.length;) {
          const step = 1 + Math.floor(random() * 8);
          d.feed(bytes.subarray(at, at + step));
          at += step;
        }
      }).not.toThrow();
      if (seen.error !== undefined) {
        const before = seen.events.length;
        d.feed(frame(OP_BINARY, filled(1), expectMasked ? { mask: MASK } : {}));
        expect(seen.events.length).toBe(before);
      }
    }
  });
});

describe("owned payloads", () => {
  it("a large aligned payload handed over is masked where it lies, and still decodes", () => {
    const payload = filled(4096);
    const original = payload.slice();
    const chunks = encodeFrameList(OP_BINARY, [payload], true, alloc, true);
    expect(chunks[1]).toBe(payload);
    const { d, seen } = decoder(true);
    for (const c of chunks) d.feed(c);
    expect(seen.binaries).toEqual([original]);
  });
});
