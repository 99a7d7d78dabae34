// Fixtures captured from real libzmq 4.3.5 by
// apps/interop/scripts/capture-wire-fixtures.mjs. Each one is fed whole,
// split at every byte boundary, and one byte at a time; and our own side,
// playing libzmq's role against the same peer bytes, must send exactly the
// bytes libzmq sent.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Command,
  type ConnectionOptions,
  type Framing,
  FrameDecoder,
  FrameEncoder,
  GreetingExchange,
  type PeerInfo,
  type SocketTypeName,
  WireError,
  ZmtpConnection,
  compatiblePeers,
  decodeCommand,
  encodeCommand,
  encodeCommandBody,
  parseCommandBody,
} from "./index.js";

interface Fixture {
  name: string;
  describe: string;
  libzmq: string;
  framing: Framing;
  socketType: SocketTypeName;
  mechanism: "NULL" | "PLAIN";
  routingId: string;
  peerSent: string;
  received: string;
  expect: {
    messages: string[][];
    commands: { name: string; data: string }[];
    handshakeOnly: boolean;
  };
}

const dir = join(import.meta.dirname, "..", "fixtures");
const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.startsWith("libzmq-") && f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Fixture);

const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const text = (s: string) => new TextEncoder().encode(s);

/** Every way we feed a byte string: whole, split once at each boundary, byte by byte. */
function* splits(bytes: Uint8Array): Generator<Uint8Array[]> {
  yield [bytes];
  for (let i = 1; i < bytes.length; i++) yield [bytes.subarray(0, i), bytes.subarray(i)];
  yield Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

/** The peer our side plays when it reads what libzmq sent. */
function peerOptions(f: Fixture): ConnectionOptions {
  const socketType = compatiblePeers(f.socketType)[0]!;
  if (f.mechanism === "PLAIN") {
    return { socketType, mechanism: { type: "PLAIN", server: true, authenticate: () => new Promise<boolean>(() => {}) } };
  }
  return { socketType };
}

interface Seen {
  ready: PeerInfo | undefined;
  messages: string[][];
  commands: Command[];
  errors: WireError[];
}

function readAsPeer(f: Fixture, chunks: Uint8Array[]): Seen {
  const seen: Seen = { ready: undefined, messages: [], commands: [], errors: [] };
  const conn = new ZmtpConnection(peerOptions(f), {
    send: () => {},
    onReady: (peer) => (seen.ready = peer),
    onMessage: (frames) => seen.messages.push(frames.map(toHex)),
    onCommand: (c) => seen.commands.push(c),
    onError: (e) => seen.errors.push(e),
  });
  conn.start();
  for (const c of chunks) conn.feed(c);
  return seen;
}

describe.each(fixtures.map((f) => [f.name, f] as const))("libzmq fixture %s", (_name, f) => {
  const received = fromHex(f.received);

  it("our side, in libzmq's role, sends libzmq's bytes", () => {
    const sent: Uint8Array[] = [];
    const conn = new ZmtpConnection(
      {
        socketType: f.socketType,
        routingId: text(f.routingId),
        mechanism: f.mechanism === "PLAIN" ? { type: "PLAIN", username: "admin", password: "secret" } : { type: "NULL" },
      },
      {
        send: (c) => sent.push(c.slice()),
        onReady: () => {},
        onMessage: () => {},
        onCommand: () => {},
        onError: (e) => {
          throw e;
        },
      },
    );
    conn.start();
    conn.feed(fromHex(f.peerSent));
    const ours = Buffer.concat(sent);
    expect(toHex(ours)).toBe(toHex(received.subarray(0, ours.length)));
    if (f.expect.handshakeOnly) {
      expect(ours.length).toBe(received.length);
      return;
    }
    // The rest of what libzmq sent is the traffic the case asked for.
    const encoder = new FrameEncoder({ framing: f.framing });
    const rest: Uint8Array[] = [];
    for (const c of f.expect.commands) rest.push(encoder.encodeCommand(encodeCommandBody(c.name, fromHex(c.data))));
    for (const m of f.expect.messages) rest.push(...encoder.encodeMessage(m.map(fromHex)));
    expect(toHex(Buffer.concat([ours, ...rest]))).toBe(f.received);
  });

  it("decodes at every split", () => {
    for (const chunks of splits(received)) {
      if (f.framing === "zmtp2") {
        // libzmq downgraded for a 2.0 peer: a 12-byte greeting, then frames with an identity first.
        expect(toHex(received.subarray(0, 12))).toBe(`ff00000000000000${toHex(new Uint8Array([f.routingId.length + 1]))}7f0308`);
        const messages: string[][] = [];
        const decoder = new FrameDecoder(
          { onMessage: (m) => messages.push(m.map(toHex)), onCommand: () => expect.fail("no commands in ZMTP 2.0") },
          { framing: "zmtp2" },
        );
        let offset = 0;
        for (const c of chunks) {
          const skip = Math.max(0, Math.min(12 - offset, c.length));
          offset += c.length;
          if (skip < c.length) decoder.feed(c.subarray(skip));
        }
        expect(messages).toEqual([[toHex(text(f.routingId))], ...f.expect.messages]);
        continue;
      }
      const seen = readAsPeer(f, chunks);
      expect(seen.errors).toEqual([]);
      if (f.expect.handshakeOnly) {
        expect(seen.ready).toBeUndefined();
        continue;
      }
      expect(seen.ready?.socketType).toBe(f.socketType);
      expect(seen.ready?.protocol).toBe("ZMTP/3.1");
      expect(Buffer.from(seen.ready!.routingId).toString()).toBe(f.routingId);
      expect(seen.ready!.properties.has("Identity")).toBe(["REQ", "DEALER", "ROUTER"].includes(f.socketType));
      expect(seen.messages).toEqual(f.expect.messages);
      expect(seen.commands.map((c) => encodeHexCommand(c))).toEqual(f.expect.commands.map((c) => `${c.name}:${c.data}`));
    }
  });

  if (f.mechanism === "PLAIN") {
    it("carries the PLAIN HELLO libzmq sent", () => {
      const bodies: Uint8Array[] = [];
      const greeting = new GreetingExchange({ mechanism: "PLAIN", socketType: "ROUTER" });
      greeting.start();
      const step = greeting.feed(received);
      expect(step.peer?.mechanism).toBe("PLAIN");
      new FrameDecoder({ onMessage: () => {}, onCommand: (b) => bodies.push(b) }).feed(step.peer!.rest);
      const hello = parseCommandBody(bodies[0]!);
      expect(hello.name).toBe("HELLO");
      expect(toHex(hello.data)).toBe(f.expect.commands[0]!.data);
    });
  }
});

function encodeHexCommand(c: Command): string {
  const raw = parseCommandBody(encodeCommand(c));
  expect(decodeCommand(raw)).toEqual(c);
  return `${raw.name}:${toHex(raw.data)}`;
}

it("has fixtures from libzmq", () => {
  expect(fixtures.length).toBeGreaterThanOrEqual(10);
  for (const f of fixtures) expect(f.libzmq).toMatch(/^4\.3\./);
});

it("refuses a truncated libzmq fixture cleanly", () => {
  const f = fixtures.find((x) => x.name === "push-zmtp31")!;
  const bytes = fromHex(f.received);
  // Corrupt the READY command's name length: the peer must fail with a typed error.
  const corrupted = bytes.slice();
  corrupted[66] = 0xff;
  const seen = readAsPeer(f, [corrupted]);
  expect(seen.ready).toBeUndefined();
  expect(seen.errors).toHaveLength(1);
  expect(WireError.is(seen.errors[0])).toBe(true);
  expect(seen.errors[0]!.code).toBe("ZMTP_MALFORMED_COMMAND");
});
