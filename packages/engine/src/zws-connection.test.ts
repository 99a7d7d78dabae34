// ZwsConnection, sans-I/O: the flags byte of each ZWS frame, the mechanism
// handshake with no greeting (NULL, PLAIN), bare ZWS2.0's routing-id
// exchange, subprotocol offers and choices as libzmq makes them, and the
// errors bad input gets.
import { type Command, type ConnectionOptions, type PeerInfo, type WireError, encodeReady } from "@zmq/wire";
import { describe, expect, it } from "vitest";
import { ZWS_BARE, ZwsConnection, zwsOffer, zwsSelect } from "./zws-connection.js";

interface Recorder {
  sent: Uint8Array[];
  messages: string[][];
  commands: Command[];
  peer: PeerInfo | undefined;
  error: WireError | undefined;
}

function make(options: ConnectionOptions, protocol: string): { conn: ZwsConnection; rec: Recorder } {
  const rec: Recorder = { sent: [], messages: [], commands: [], peer: undefined, error: undefined };
  const conn = new ZwsConnection(options, protocol, {
    send: (p) => rec.sent.push(p),
    onReady: (peer) => (rec.peer = peer),
    onMessage: (frames) => rec.messages.push(frames.map((f) => new TextDecoder().decode(f))),
    onCommand: (c) => rec.commands.push(c),
    onError: (e) => (rec.error = e),
  });
  return { conn, rec };
}

/** Chunks that feedAt was given, so a test can see which bytes a received value views. */
const chunks: Uint8Array[] = [];

/** Feeds a payload as a stream that reads frames out of larger chunks does (feedAt, the payload between other bytes), or whole (feed). */
function deliver(conn: ZwsConnection, payload: Uint8Array, split: boolean): void {
  if (!split) return conn.feed(payload);
  const chunk = new Uint8Array(payload.length + 5).fill(0xee);
  chunk.set(payload, 3);
  chunks.push(chunk);
  conn.feedAt(chunk, 3, payload.length);
}

/** Two connections joined: whatever one sends, the other is fed (`split`: by feedAt). */
function pair(a: ConnectionOptions, b: ConnectionOptions, protocol: string, split = false) {
  const left = make(a, protocol);
  const right = make(b, protocol);
  const pump = () => {
    for (let moved = true; moved;) {
      moved = false;
      for (const [from, to] of [
        [left, right],
        [right, left],
      ] as const) {
        const out = from.rec.sent.splice(0);
        for (const p of out) deliver(to.conn, p, split);
        if (out.length > 0) moved = true;
      }
    }
  };
  left.conn.start();
  right.conn.start();
  pump();
  return { left, right, pump };
}

const bytes = (...parts: (number | string)[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "number" ? [p] : [...new TextEncoder().encode(p)])));

describe("subprotocols", () => {
  it("offers libzmq's list, and bare ZWS2.0 first on request", () => {
    expect(zwsOffer("NULL")).toEqual(["ZWS2.0/NULL", "ZWS2.0"]);
    expect(zwsOffer("NULL", true)).toEqual(["ZWS2.0", "ZWS2.0/NULL"]);
    expect(zwsOffer("PLAIN")).toEqual(["ZWS2.0/PLAIN"]);
    expect(zwsOffer("CURVE")).toEqual(["ZWS2.0/CURVE"]);
  });

  it("picks the first offered one its mechanism speaks; bare ZWS2.0 only for NULL", () => {
    expect(zwsSelect("NULL", ["ZWS2.0/NULL", "ZWS2.0"])).toBe("ZWS2.0/NULL");
    expect(zwsSelect("NULL", ["ZWS2.0", "ZWS2.0/NULL"])).toBe("ZWS2.0");
    expect(zwsSelect("NULL", ["chat", " ZWS2.0"])).toBe("ZWS2.0");
    expect(zwsSelect("PLAIN", ["ZWS2.0", "ZWS2.0/NULL"])).toBeUndefined();
    expect(zwsSelect("PLAIN", ["ZWS2.0/CURVE", "ZWS2.0/PLAIN"])).toBe("ZWS2.0/PLAIN");
    expect(zwsSelect("CURVE", ["ZWS2.0/CURVE"])).toBe("ZWS2.0/CURVE");
    expect(zwsSelect("NULL", [])).toBeUndefined();
  });
});

describe("ZWS2.0/NULL", () => {
  it("sends READY at once as a command frame (flags 0x02), with no greeting", () => {
    const { conn, rec } = make({ socketType: "DEALER", routingId: bytes("id") }, "ZWS2.0/NULL");
    conn.start();
    expect(rec.sent).toHaveLength(1);
    const ready = encodeReady([
      ["Socket-Type", "DEALER"],
      ["Identity", bytes("id")],
    ]);
    expect([...rec.sent[0]!]).toEqual([0x02, ...ready]);
  });

  it("handshakes, checks socket types, and carries multipart messages one frame per payload", () => {
    const { left, right } = pair({ socketType: "DEALER", routingId: bytes("d1") }, { socketType: "ROUTER" }, "ZWS2.0/NULL");
    expect(left.conn.ready && right.conn.ready).toBe(true);
    expect(right.rec.peer).toMatchObject({ socketType: "DEALER", protocol: "ZWS2.0/NULL" });
    expect(new TextDecoder().decode(right.rec.peer!.routingId)).toBe("d1");
    const payloads = left.conn.encodeMessages([[bytes("a"), bytes(""), bytes("bc")]]);
    expect(payloads.map((p) => [...p])).toEqual([[0x01, 0x61], [0x01], [0x00, 0x62, 0x63]]);
    // Fed one payload at a time, the message comes out whole at its last frame.
    right.conn.feed(payloads[0]!);
    right.conn.feed(payloads[1]!);
    expect(right.rec.messages).toEqual([]);
    right.conn.feed(payloads[2]!);
    expect(right.rec.messages).toEqual([["a", "", "bc"]]);
  });

  it("takes frames where they lie in larger chunks (feedAt) as it takes them whole: handshake, multipart, PING, size limit", () => {
    chunks.length = 0;
    const { left, right } = pair({ socketType: "DEALER", routingId: bytes("d1") }, { socketType: "ROUTER", maxMessageSize: 60 }, "ZWS2.0/NULL", true);
    expect(left.conn.ready && right.conn.ready).toBe(true);
    expect(new TextDecoder().decode(right.rec.peer!.routingId)).toBe("d1");
    // Handshake values are views of the chunk the stream gave, not copies of another kind (a Buffer stays a Buffer).
    expect(chunks.some((c) => c.buffer === right.rec.peer!.routingId.buffer)).toBe(true);
    for (const p of left.conn.encodeMessages([[bytes("a"), bytes(""), bytes("bc")]])) deliver(right.conn, p, true);
    expect(right.rec.messages).toEqual([["a", "", "bc"]]);
    deliver(right.conn, left.conn.encodeCommand({ name: "PING", ttl: 10, context: bytes("ctx") }), true);
    expect([...right.rec.sent.at(-1)!]).toEqual([0x02, 4, ...bytes("PONG"), ...bytes("ctx")]);
    deliver(right.conn, bytes(0x00, "x".repeat(61)), true);
    expect(right.rec.error?.code).toBe("ZMTP_FRAME_TOO_LARGE");
    deliver(right.conn, bytes(0x00, "ab"), true);
    expect(right.rec.messages).toHaveLength(1); // nothing after the error
  });

  it("refuses a peer of a socket type it cannot talk to", () => {
    const { left, right } = pair({ socketType: "PUSH" }, { socketType: "PUB" }, "ZWS2.0/NULL");
    expect(left.rec.error?.code).toBe("ZMTP_INCOMPATIBLE_SOCKET_TYPE");
    expect(right.rec.error?.code).toBe("ZMTP_INCOMPATIBLE_SOCKET_TYPE");
  });

  it("answers a PING command with PONG and reports SUBSCRIBE commands", () => {
    const { left, right } = pair({ socketType: "XSUB" }, { socketType: "XPUB" }, "ZWS2.0/NULL");
    right.conn.feed(left.conn.encodeCommand({ name: "PING", ttl: 10, context: bytes("ctx") }));
    expect([...right.rec.sent.at(-1)!]).toEqual([0x02, 4, ...bytes("PONG"), ...bytes("ctx")]);
    right.conn.feed(bytes(0x02, 9, "SUBSCRIBE", "topic"));
    expect(right.rec.commands.map((c) => c.name)).toEqual(["PING", "SUBSCRIBE"]);
  });

  it("a data frame before READY, an empty payload, or a frame over maxMessageSize is a protocol error", () => {
    const early = make({ socketType: "PULL" }, "ZWS2.0/NULL");
    early.conn.start();
    early.conn.feed(bytes(0x00, "data"));
    expect(early.rec.error?.code).toBe("ZMTP_UNEXPECTED_COMMAND");

    const { right } = pair({ socketType: "PUSH" }, { socketType: "PULL" }, "ZWS2.0/NULL");
    right.conn.feed(new Uint8Array(0));
    expect(right.rec.error?.code).toBe("ZMTP_BAD_FRAME");

    // PUSH's READY is 26 bytes: the limit counts handshake frames too, as libzmq's.
    const small = pair({ socketType: "PUSH" }, { socketType: "PULL", maxMessageSize: 30 }, "ZWS2.0/NULL");
    small.right.conn.feed(bytes(0x00, "x".repeat(30)));
    expect(small.right.rec.messages).toEqual([["x".repeat(30)]]);
    small.right.conn.feed(bytes(0x00, "x".repeat(31)));
    expect(small.right.rec.error?.code).toBe("ZMTP_FRAME_TOO_LARGE");
  });

  it("fails at start when the agreed subprotocol does not fit its mechanism", () => {
    const { conn, rec } = make({ socketType: "PUSH", mechanism: { type: "PLAIN", username: "u", password: "p" } }, "ZWS2.0/NULL");
    conn.start();
    expect(rec.error?.code).toBe("ZMTP_MECHANISM_MISMATCH");
    const bare = make({ socketType: "PUSH", mechanism: { type: "PLAIN", username: "u", password: "p" } }, ZWS_BARE);
    bare.conn.start();
    expect(bare.rec.error?.code).toBe("ZMTP_MECHANISM_MISMATCH");
  });
});

describe("bare ZWS2.0", () => {
  it("exchanges routing ids as the first message, with no READY and no socket-type check", () => {
    const { left, right } = pair({ socketType: "DEALER", routingId: bytes("me") }, { socketType: "PUB" }, ZWS_BARE);
    expect(left.conn.ready && right.conn.ready).toBe(true);
    expect(new TextDecoder().decode(right.rec.peer!.routingId)).toBe("me");
    expect(left.rec.peer!.routingId.length).toBe(0);
    expect(right.rec.peer!.socketType).toBeUndefined();
    right.conn.feed(left.conn.encodeMessages([[bytes("x")]])[0]!);
    expect(right.rec.messages).toEqual([["x"]]);
  });

  it("sends its routing id as a plain data frame", () => {
    const { conn, rec } = make({ socketType: "DEALER", routingId: bytes("r") }, ZWS_BARE);
    conn.start();
    expect(rec.sent.map((p) => [...p])).toEqual([[0x00, 0x72]]);
  });
});

describe("ZWS2.0/PLAIN", () => {
  it("runs PLAIN's HELLO / WELCOME / INITIATE / READY as command frames and admits the right password", async () => {
    const seen: string[] = [];
    const server: ConnectionOptions = {
      socketType: "PULL",
      mechanism: {
        type: "PLAIN",
        server: true,
        authenticate: ({ username, password }) => {
          seen.push(`${username}:${password}`);
          return Promise.resolve(true);
        },
      },
    };
    const { left, right, pump } = pair(
      { socketType: "PUSH", mechanism: { type: "PLAIN", username: "admin", password: "secret" } },
      server,
      "ZWS2.0/PLAIN",
    );
    for (let i = 0; i < 5 && !(left.conn.ready && right.conn.ready); i++) {
      await Promise.resolve();
      pump();
    }
    expect(seen).toEqual(["admin:secret"]);
    expect(left.conn.ready && right.conn.ready).toBe(true);
    expect(right.rec.peer!.socketType).toBe("PUSH");
  });

  it("refuses a wrong password: the client hears ERROR", async () => {
    const server: ConnectionOptions = { socketType: "PULL", mechanism: { type: "PLAIN", server: true, authenticate: () => false } };
    const { left, right, pump } = pair(
      { socketType: "PUSH", mechanism: { type: "PLAIN", username: "admin", password: "no" } },
      server,
      "ZWS2.0/PLAIN",
    );
    for (let i = 0; i < 5 && !left.rec.error; i++) {
      await Promise.resolve();
      pump();
    }
    expect(left.rec.error?.code).toBe("ZMTP_AUTH_FAILED");
    expect(right.conn.ready).toBe(false);
  });
});
