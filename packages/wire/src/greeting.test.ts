// The staged greeting exchange, as libzmq runs it, against ZMTP 3.x, 2.0 and
// 1.0 peers.
import { describe, expect, it } from "vitest";
import {
  type Command,
  GreetingExchange,
  type PeerInfo,
  WireError,
  ZmtpConnection,
  describeGreeting,
  encodeGreeting,
  parseCommandBody,
} from "./index.js";

const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString("hex") : "");

describe("GreetingExchange", () => {
  it("sends the signature first, the major after 10 bytes, the rest after 11", () => {
    const g = new GreetingExchange({ mechanism: "NULL", socketType: "DEALER", identity: new Uint8Array(3) });
    const ours = encodeGreeting({ mechanism: "NULL", socketType: "DEALER", identity: new Uint8Array(3) });
    expect(hex(g.start())).toBe("ff00000000000000047f");
    const peer = encodeGreeting({ mechanism: "NULL", socketType: "ROUTER" });
    expect(g.feed(peer.subarray(0, 9)).send).toBeUndefined();
    expect(hex(g.feed(peer.subarray(9, 10)).send)).toBe("03");
    const step = g.feed(peer.subarray(10, 11));
    expect(hex(step.send)).toBe(hex(ours.subarray(11)));
    expect(step.peer).toBeUndefined();
    const done = g.feed(Uint8Array.from([...peer.subarray(11), 0x04, 0x00]));
    expect(done.send).toBeUndefined();
    expect(done.peer).toMatchObject({ major: 3, minor: 1, mechanism: "NULL", framing: "zmtp3", asServer: false });
    expect(hex(done.peer!.rest)).toBe("0400");
    expect(describeGreeting(done.peer!)).toBe("ZMTP 3.1 NULL as-client");
    expect(g.done).toBe(true);
    expect(() => g.feed(new Uint8Array(1))).toThrow(WireError);
  });

  it("reads a whole greeting in one chunk and answers with everything at once", () => {
    const g = new GreetingExchange({ mechanism: "NULL", socketType: "SUB" });
    g.start();
    const peer = encodeGreeting({ mechanism: "NULL", socketType: "PUB", minor: 0 });
    const step = g.feed(peer);
    expect(hex(step.send)).toBe(hex(encodeGreeting({ mechanism: "NULL", socketType: "SUB" }).subarray(10)));
    expect(step.peer).toMatchObject({ major: 3, minor: 0 });
  });

  it("treats any major above 3 as a 3.x peer", () => {
    const g = new GreetingExchange({ mechanism: "NULL", socketType: "SUB" });
    g.start();
    const peer = encodeGreeting({ mechanism: "NULL", socketType: "PUB" });
    peer[10] = 4;
    peer[11] = 7;
    expect(g.feed(peer).peer).toMatchObject({ major: 4, minor: 7, framing: "zmtp3" });
  });

  it("downgrades for a ZMTP 2.0 peer: our socket-type byte, a 12-byte greeting", () => {
    const g = new GreetingExchange({ mechanism: "NULL", socketType: "PULL" });
    g.start();
    const step = g.feed(Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1, 8, 0, 0));
    expect(hex(step.send)).toBe("0307");
    expect(step.peer).toMatchObject({ major: 2, framing: "zmtp2", socketType: "PUSH" });
    expect(hex(step.peer!.rest)).toBe("0000");
  });

  it("recognises an unversioned ZMTP 1.0 peer from its first byte and sends our identity", () => {
    const g = new GreetingExchange({ mechanism: "NULL", socketType: "PULL", identity: Uint8Array.of(65, 66) });
    expect(hex(g.start())).toBe("ff00000000000000037f");
    const step = g.feed(Uint8Array.of(0x01, 0x00, 0x05));
    expect(hex(step.send)).toBe("4142");
    expect(step.peer).toMatchObject({ major: 1, framing: "zmtp1", socketType: undefined });
    expect(hex(step.peer!.rest)).toBe("010005");
  });

  it("recognises a 1.0 peer whose signature has bit 0 of byte 9 clear", () => {
    const g = new GreetingExchange({ mechanism: "NULL", socketType: "PULL" });
    g.start();
    const bytes = Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x07);
    const step = g.feed(bytes);
    expect(step.peer).toMatchObject({ major: 1, framing: "zmtp1" });
    expect(hex(step.peer!.rest)).toBe(hex(bytes));
  });
});

interface Log {
  sent: Uint8Array[];
  ready: PeerInfo[];
  messages: string[][];
  commands: Command[];
  errors: WireError[];
}

function connection(options: ConstructorParameters<typeof ZmtpConnection>[0]) {
  const log: Log = { sent: [], ready: [], messages: [], commands: [], errors: [] };
  const conn = new ZmtpConnection(options, {
    send: (c) => log.sent.push(c.slice()),
    onReady: (p) => log.ready.push(p),
    onMessage: (m) => log.messages.push(m.map((f) => Buffer.from(f).toString())),
    onCommand: (c) => log.commands.push(c),
    onError: (e) => log.errors.push(e),
  });
  conn.start();
  return { conn, log };
}

describe("ZmtpConnection with legacy peers", () => {
  it("exchanges identity frames with a ZMTP 2.0 peer, then traffic", () => {
    const { conn, log } = connection({ socketType: "ROUTER", routingId: Uint8Array.of(0x52) });
    // A 2.0 DEALER: signature, revision 1, socket type 5, identity "D", then a message.
    conn.feed(Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0, 2, 0x7f, 0x01, 0x05, 0x00, 0x01, 0x44, 0x01, 0x00, 0x00, 0x02, 0x68, 0x69));
    expect(log.errors).toEqual([]);
    expect(hex(Buffer.concat(log.sent))).toBe("ff00000000000000027f" + "03" + "06" + "000152");
    expect(log.ready).toHaveLength(1);
    expect(log.ready[0]).toMatchObject({ protocol: "ZMTP/2.0", socketType: "DEALER", framing: "zmtp2" });
    expect(Buffer.from(log.ready[0]!.routingId).toString()).toBe("D");
    expect(log.messages).toEqual([["", "hi"]]);
    const out = Buffer.concat(conn.encodeMessages([[Uint8Array.of(0x6f), Uint8Array.of(0x6b)]]));
    expect(hex(out)).toBe("01016f00016b");
    expect(() => conn.encodeCommand({ name: "PING", ttl: 0, context: new Uint8Array(0) })).toThrow(WireError);
  });

  it("refuses an incompatible ZMTP 2.0 peer", () => {
    const { conn, log } = connection({ socketType: "PULL" });
    conn.feed(Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0x01, 0x07));
    expect(log.errors.map((e) => e.code)).toEqual(["ZMTP_INCOMPATIBLE_SOCKET_TYPE"]);
    conn.feed(Uint8Array.of(0, 0));
    expect(log.errors).toHaveLength(1);
  });

  it("a NULL socket that asks ZAP refuses ZMTP 1.0 and 2.0 peers without asking, as libzmq's", () => {
    let asked = 0;
    const authenticate = () => (asked++, true);
    for (const peer of [Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0, 2, 0x7f, 0x01, 0x08), Uint8Array.of(0x02, 0x00, 0x50)]) {
      const { conn, log } = connection({ socketType: "PULL", mechanism: { type: "NULL", authenticate } });
      conn.feed(peer);
      expect(log.errors.map((e) => e.code)).toEqual(["ZMTP_UNSUPPORTED_VERSION"]);
      expect(log.ready).toEqual([]);
    }
    expect(asked).toBe(0);
  });

  it("a NULL socket that asks ZAP asks only after a whole ZMTP 3 greeting: not for a stalled or refused one", async () => {
    let asked = 0;
    const authenticate = () => (asked++, true);
    const options = { socketType: "PULL", mechanism: { type: "NULL", authenticate } } as const;
    const stalled = connection(options);
    stalled.conn.feed(encodeGreeting({ mechanism: "NULL", socketType: "PUSH" }).subarray(0, 11));
    const mismatched = connection(options);
    mismatched.conn.feed(encodeGreeting({ mechanism: "PLAIN", socketType: "PUSH" }));
    expect(mismatched.log.errors).toHaveLength(1);
    await Promise.resolve();
    expect(asked).toBe(0);
    const whole = connection(options);
    whole.conn.feed(encodeGreeting({ mechanism: "NULL", socketType: "PUSH" }));
    expect(asked).toBe(1);
    await Promise.resolve();
    expect(whole.log.sent.some((chunk) => Buffer.from(chunk).includes("READY"))).toBe(true);
  });

  it("talks ZMTP 1.0 framing to an unversioned peer", () => {
    const { conn, log } = connection({ socketType: "PULL", routingId: Uint8Array.of(0x49) });
    // 1.0 identity "P" (length 2, flags 0), then message "ab".
    conn.feed(Uint8Array.of(0x02, 0x00, 0x50, 0x03, 0x00, 0x61, 0x62));
    expect(log.errors).toEqual([]);
    expect(hex(Buffer.concat(log.sent))).toBe("ff00000000000000027f" + "49");
    expect(log.ready[0]).toMatchObject({ protocol: "ZMTP/1.0", socketType: undefined });
    expect(log.messages).toEqual([["ab"]]);
  });
});

describe("ZmtpConnection with 3.x peers", () => {
  function pair(a: ConstructorParameters<typeof ZmtpConnection>[0], b: ConstructorParameters<typeof ZmtpConnection>[0]) {
    const left = connection(a);
    const right = connection(b);
    let li = 0;
    let ri = 0;
    // Shuttle bytes until both sides are quiet.
    for (let rounds = 0; rounds < 20; rounds++) {
      const moved = li < left.log.sent.length || ri < right.log.sent.length;
      while (li < left.log.sent.length) right.conn.feed(left.log.sent[li++]!);
      while (ri < right.log.sent.length) left.conn.feed(right.log.sent[ri++]!);
      if (!moved) break;
    }
    return { left, right };
  }

  it("drops commands libzmq drops after the handshake and answers PING", () => {
    const { left, right } = pair({ socketType: "DEALER" }, { socketType: "ROUTER" });
    expect(left.log.ready[0]?.socketType).toBe("ROUTER");
    const encoded = [
      left.conn.encodeCommand({ name: "READY", properties: new Map() }),
      left.conn.encodeCommand({ name: "PING", ttl: 30, context: Uint8Array.of(1, 2) }),
    ];
    const before = right.log.sent.length;
    for (const e of encoded) right.conn.feed(e);
    expect(right.log.commands).toEqual([{ name: "PING", ttl: 30, context: Uint8Array.of(1, 2) }]);
    expect(hex(right.log.sent[before])).toBe("0407" + "04504f4e47" + "0102");
  });

  it("refuses data before the handshake completes", () => {
    const { conn, log } = connection({ socketType: "PULL" });
    conn.feed(encodeGreeting({ mechanism: "NULL", socketType: "PUSH" }));
    conn.feed(Uint8Array.of(0x00, 0x01, 0x41));
    expect(log.errors.map((e) => e.code)).toEqual(["ZMTP_UNEXPECTED_COMMAND"]);
  });

  it("refuses an unknown Socket-Type", () => {
    const { conn, log } = connection({ socketType: "PULL" });
    conn.feed(encodeGreeting({ mechanism: "NULL", socketType: "PUSH" }));
    const ready = Uint8Array.of(0x04, 0x19, 5, ...Buffer.from("READY"), 11, ...Buffer.from("Socket-Type"), 0, 0, 0, 3, ...Buffer.from("BAD"));
    conn.feed(ready);
    expect(log.errors.map((e) => [e.code, e.value])).toEqual([["ZMTP_BAD_SOCKET_TYPE", "BAD"]]);
  });

  it("reports an ERROR command from the peer", () => {
    const { conn, log } = connection({ socketType: "PULL" });
    conn.feed(encodeGreeting({ mechanism: "NULL", socketType: "PUSH" }));
    conn.feed(Uint8Array.of(0x04, 0x0a, 5, ...Buffer.from("ERROR"), 3, ...Buffer.from("500")));
    expect(log.errors.map((e) => [e.code, e.status])).toEqual([["ZMTP_AUTH_FAILED", "500"]]);
  });
});

describe("ZmtpConnection re-entrancy", () => {
  it("completes when each side's send feeds the other synchronously", () => {
    const ready: string[] = [];
    const errors: string[] = [];
    const messages: string[] = [];
    const conns: { a?: ZmtpConnection; b?: ZmtpConnection } = {};
    const handler = (name: string, peer: () => ZmtpConnection) => ({
      send: (chunk: Uint8Array) => peer().feed(chunk),
      onReady: (p: PeerInfo) => ready.push(`${name}:${p.socketType}`),
      onMessage: (m: Uint8Array[]) => messages.push(`${name}<-${Buffer.from(m[0]!).toString()}`),
      onCommand: () => {},
      onError: (e: WireError) => errors.push(`${name}:${e.code}:${e.message}`),
    });
    const a = (conns.a = new ZmtpConnection(
      { socketType: "DEALER" },
      handler("a", () => conns.b!),
    ));
    conns.b = new ZmtpConnection(
      { socketType: "ROUTER" },
      handler("b", () => a),
    );
    a.start();
    conns.b.start();
    expect(errors).toEqual([]);
    expect(ready.sort()).toEqual(["a:ROUTER", "b:DEALER"]);
    for (const c of a.encodeMessages([[Buffer.from("from a")]])) conns.b.feed(c);
    for (const c of conns.b.encodeMessages([[Buffer.from("from b")]])) a.feed(c);
    expect(messages.sort()).toEqual(["a<-from b", "b<-from a"]);
  });
});

describe("ZmtpConnection's first handshake command", () => {
  const quiet = (sent: Uint8Array[], ready: string[] = []) => ({
    send: (chunk: Uint8Array) => sent.push(chunk.slice()),
    onReady: (p: PeerInfo) => ready.push(String(p.socketType)),
    onMessage: () => {},
    onCommand: () => {},
    onError: (e: WireError) => {
      throw e;
    },
  });

  it("goes with the whole greeting in the first send when legacy peers are refused (PLAIN, CURVE, legacy: false)", () => {
    const sent: Uint8Array[] = [];
    const conn = new ZmtpConnection({ socketType: "DEALER", mechanism: { type: "PLAIN", username: "u", password: "p" } }, quiet(sent));
    conn.start();
    // The 64-byte greeting, then HELLO: command flag, size, "\x05HELLO", "\x01u", "\x01p"; nothing staged.
    expect(sent).toHaveLength(1);
    const hello = [0x04, 10, 5, ...Buffer.from("HELLO"), 1, ...Buffer.from("u"), 1, ...Buffer.from("p")];
    expect([...sent[0]!.subarray(64)]).toEqual(hello);
    expect([...sent[0]!.subarray(0, 64)]).toEqual([...encodeGreeting({ mechanism: "PLAIN", socketType: "DEALER" })]);
    // The server's greeting, sent whole or in stages, calls for nothing more from us.
    const server = encodeGreeting({ mechanism: "PLAIN", socketType: "ROUTER", asServer: true });
    conn.feed(server.subarray(0, 10));
    conn.feed(server.subarray(10));
    expect(sent).toHaveLength(1);
  });

  it("goes with the rest of the greeting, in the same send, once the peer's revision byte says 3.x (NULL, legacy peers welcome)", () => {
    const sent: Uint8Array[] = [];
    const conn = new ZmtpConnection({ socketType: "DEALER" }, quiet(sent));
    conn.start();
    expect(sent.map((c) => c.length)).toEqual([10]);
    const server = encodeGreeting({ mechanism: "NULL", socketType: "ROUTER" });
    conn.feed(server.subarray(0, 10));
    expect(sent.map((c) => c.length)).toEqual([10, 1]); // our revision, after the peer's signature
    conn.feed(server.subarray(10, 11));
    // The rest of the greeting (53 bytes), then READY.
    expect(sent).toHaveLength(3);
    expect([...sent[2]!.subarray(0, 53)]).toEqual([...encodeGreeting({ mechanism: "NULL", socketType: "DEALER" }).subarray(11)]);
    expect(parseCommandBody(sent[2]!.subarray(55)).name).toBe("READY");
  });

  it("is not sent to a ZMTP 2.0 peer, which gets its identity frame after the greeting", () => {
    const sent: Uint8Array[] = [];
    const conn = new ZmtpConnection({ socketType: "DEALER" }, quiet(sent));
    conn.start();
    conn.feed(new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1]));
    expect(sent.map((c) => c.length)).toEqual([10, 2]); // signature; revision and socket type: nothing more yet
  });

  it("lets two NULL peers that answer each other's whole sends be ready after two exchanges", () => {
    const ready: string[] = [];
    const aSent: Uint8Array[] = [];
    const bSent: Uint8Array[] = [];
    const a = new ZmtpConnection({ socketType: "DEALER" }, quiet(aSent, ready));
    const b = new ZmtpConnection({ socketType: "ROUTER" }, quiet(bSent, ready));
    a.start();
    b.start();
    let exchanges = 0;
    while (ready.length < 2 && exchanges < 10) {
      const [fromA, fromB] = [aSent.splice(0), bSent.splice(0)];
      for (const c of fromA) b.feed(c);
      for (const c of fromB) a.feed(c);
      exchanges++;
    }
    // Signatures cross, then revisions, then greeting rests each with its READY (a round trip less than READY after the greeting).
    expect(ready.sort()).toEqual(["DEALER", "ROUTER"]);
    expect(exchanges).toBe(3);
  });
});
