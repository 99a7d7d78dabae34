// The CURVE handshake (RFC 26, as libzmq 4.3 speaks it), sans I/O: the
// client and server state machines driven against each other by passing
// commands across, and against hand-made peers that build and open every
// command from the layouts of the digest (zmtp-digest.md §2.2) with nothing
// but box.ts's crypto_box. Then the ZAP verdicts, every check that must
// fail with a WireError (and nothing else), and whole handshakes through two
// ZmtpConnections, with the bytes delivered whole, split at every byte
// boundary, and byte by byte.
import { nobleCrypto } from "./crypto.js";
import {
  type AuthResult,
  type Command,
  type ConnectionOptions,
  type Metadata,
  type MetadataInput,
  type PeerInfo,
  FLAG_COMMAND,
  FLAG_MORE,
  ProtocolError,
  WireError,
  ZmtpConnection,
  concatBytes,
  decodeMetadata,
  encodeCommand,
  encodeMetadata,
} from "@zmq/wire";
import { describe, expect, it } from "vitest";
import { generateKeyPair, open, precompute, randomBytes, seal } from "./box.js";
import { CurveClientMechanism } from "./client.js";
import { CurveServerMechanism } from "./server.js";

// ---------------------------------------------------------------------------
// Bytes and nonces, written out from the digest's layouts
// ---------------------------------------------------------------------------

interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const text = (bytes: Uint8Array | undefined): string => (bytes ? String.fromCharCode(...bytes) : "(none)");
const concat = (...parts: (Uint8Array | number[])[]): Uint8Array => concatBytes(parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p))));
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function u64(n: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

function readU64(bytes: Uint8Array, at: number): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(at));
}

/** A short nonce: 16-byte ASCII prefix + 8-byte big-endian counter. */
const shortNonce = (prefix: string, counter: number): Uint8Array => concat(ascii(prefix), u64(counter));
/** A long nonce: 8-byte ASCII prefix + 16 bytes. */
const longNonce = (prefix: string, tail: Uint8Array): Uint8Array => concat(ascii(prefix), tail);

const CLIENT_PROPS: MetadataInput = [
  ["Socket-Type", "DEALER"],
  ["Identity", ""],
  ["X-Side", "client"],
];
const SERVER_PROPS: MetadataInput = [
  ["Socket-Type", "ROUTER"],
  ["X-Side", "server"],
];
const CLIENT_META = encodeMetadata(CLIENT_PROPS);
const SERVER_META = encodeMetadata(SERVER_PROPS);

const props = (m: Metadata): Record<string, string> => Object.fromEntries([...m].map(([k, v]) => [k, text(v)]));

/** The WireError that `fn` throws; fails the test when it throws anything else, or nothing. */
function wireError(fn: () => unknown): WireError {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    if (WireError.is(error)) return error;
    throw new Error(`expected a WireError, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected a WireError, got a result: ${String(result)}`);
}

/** The WireError that a possibly asynchronous `fn` ends with. */
async function wireErrorAsync(fn: () => unknown): Promise<WireError> {
  let result: unknown;
  try {
    result = await fn();
  } catch (error) {
    if (WireError.is(error)) return error;
    throw new Error(`expected a WireError, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected a WireError, got a result: ${String(result)}`);
}

// ---------------------------------------------------------------------------
// The real state machines
// ---------------------------------------------------------------------------

type Verdict = AuthResult | undefined;

interface Pair {
  client: CurveClientMechanism;
  server: CurveServerMechanism;
  serverLong: KeyPair;
  clientLong: KeyPair;
  /** The credentials ZAP was asked about, one entry per request. */
  asked: Uint8Array[][];
}

function pair(options: { verdict?: Verdict | (() => Promise<Verdict>); serverKey?: Uint8Array; serverLong?: KeyPair } = {}): Pair {
  const serverLong = options.serverLong ?? generateKeyPair();
  const clientLong = generateKeyPair();
  const asked: Uint8Array[][] = [];
  const verdict = options.verdict;
  const authenticate = (credentials: readonly Uint8Array[]): Promise<Verdict> => {
    asked.push(credentials.map((c) => c.slice()));
    return typeof verdict === "function" ? verdict() : Promise.resolve(verdict);
  };
  const server = new CurveServerMechanism({ ...serverLong, authenticate }, SERVER_PROPS, nobleCrypto);
  const client = new CurveClientMechanism({ serverKey: options.serverKey ?? serverLong.publicKey, ...clientLong }, CLIENT_PROPS, nobleCrypto);
  return { client, server, serverLong, clientLong, asked };
}

interface Transcript {
  hello: Uint8Array;
  welcome: Uint8Array;
  initiate: Uint8Array;
  ready: Uint8Array;
}

/** HELLO and WELCOME, leaving the client with its INITIATE to send. */
function toInitiate(p: Pair): { hello: Uint8Array; welcome: Uint8Array; initiate: Uint8Array } {
  const hello = p.client.nextCommand()!;
  expect(p.client.nextCommand()).toBeUndefined();
  expect(p.server.processCommand(hello)).toBeUndefined();
  const welcome = p.server.nextCommand()!;
  expect(p.server.nextCommand()).toBeUndefined();
  p.client.processCommand(welcome);
  const initiate = p.client.nextCommand()!;
  expect(p.client.nextCommand()).toBeUndefined();
  return { hello, welcome, initiate };
}

async function handshake(p: Pair): Promise<Transcript> {
  const { hello, welcome, initiate } = toInitiate(p);
  const deciding = p.server.processCommand(initiate);
  expect(deciding).toBeInstanceOf(Promise);
  expect(p.server.status).toBe("handshaking");
  await deciding;
  const ready = p.server.nextCommand()!;
  expect(p.server.nextCommand()).toBeUndefined();
  expect(p.client.processCommand(ready)).toBeUndefined();
  return { hello, welcome, initiate, ready };
}

// ---------------------------------------------------------------------------
// Hand-made peers: RFC 26 from the layouts, on box.ts alone
// ---------------------------------------------------------------------------

interface InitiateOptions {
  counter?: number;
  cookie?: Uint8Array;
  /** What the vouch box holds: C' and S. */
  vouchTransient?: Uint8Array;
  vouchServerKey?: Uint8Array;
  /** Whose long-term secret key seals the vouch. */
  vouchSigner?: KeyPair;
  /** The long-term key C the INITIATE box names. */
  clientKey?: Uint8Array;
  metadata?: Uint8Array;
}

class HandClient {
  readonly transient = generateKeyPair();
  readonly long: KeyPair;
  serverTransient: Uint8Array | undefined;
  cookie: Uint8Array | undefined;
  session: Uint8Array | undefined;

  constructor(
    readonly serverKey: Uint8Array,
    long?: KeyPair,
  ) {
    this.long = long ?? generateKeyPair();
  }

  hello(counter = 1, transient: KeyPair = this.transient): Uint8Array {
    const box = seal(precompute(this.serverKey, transient.secretKey), shortNonce("CurveZMQHELLO---", counter), new Uint8Array(64));
    return concat(ascii("\x05HELLO"), [1, 0], new Uint8Array(72), transient.publicKey, u64(counter), box);
  }

  welcome(body: Uint8Array): void {
    const plain = open(precompute(this.serverKey, this.transient.secretKey), longNonce("WELCOME-", body.subarray(8, 24)), body.subarray(24));
    if (!plain) throw new Error("the WELCOME does not open");
    this.serverTransient = plain.slice(0, 32);
    this.cookie = plain.slice(32, 128);
    this.session = precompute(this.serverTransient, this.transient.secretKey);
  }

  initiate(o: InitiateOptions = {}): Uint8Array {
    const vouchNonce = randomBytes(16);
    const vouch = seal(
      precompute(this.serverTransient!, (o.vouchSigner ?? this.long).secretKey),
      longNonce("VOUCH---", vouchNonce),
      concat(o.vouchTransient ?? this.transient.publicKey, o.vouchServerKey ?? this.serverKey),
    );
    const counter = o.counter ?? 2;
    const box = seal(
      this.session!,
      shortNonce("CurveZMQINITIATE", counter),
      concat(o.clientKey ?? this.long.publicKey, vouchNonce, vouch, o.metadata ?? CLIENT_META),
    );
    return concat(ascii("\x08INITIATE"), o.cookie ?? this.cookie!, u64(counter), box);
  }

  /** The READY's nonce counter and properties. */
  ready(body: Uint8Array): { counter: number; properties: Metadata } {
    const counter = readU64(body, 6);
    const plain = open(this.session!, shortNonce("CurveZMQREADY---", counter), body.subarray(14));
    if (!plain) throw new Error("the READY does not open");
    return { counter, properties: decodeMetadata(plain) };
  }

  message(counter: number, flags: number, payload: Uint8Array): Uint8Array {
    return concat(ascii("\x07MESSAGE"), u64(counter), seal(this.session!, shortNonce("CurveZMQMESSAGEC", counter), concat([flags], payload)));
  }

  openMessage(body: Uint8Array): { counter: number; flags: number; payload: Uint8Array } | undefined {
    const counter = readU64(body, 8);
    const plain = open(this.session!, shortNonce("CurveZMQMESSAGES", counter), body.subarray(16));
    return plain && { counter, flags: plain[0]!, payload: plain.slice(1) };
  }
}

/** A CURVE server from the layouts: opens what a client sends and checks it as the digest says. */
class HandServer {
  readonly transient = generateKeyPair();
  clientTransient: Uint8Array | undefined;
  session: Uint8Array | undefined;

  constructor(readonly long: KeyPair = generateKeyPair()) {}

  /** The 64 zero bytes of HELLO's box, opened (undefined when it does not open). */
  openHello(body: Uint8Array): Uint8Array | undefined {
    const clientTransient = body.subarray(80, 112);
    return open(precompute(clientTransient, this.long.secretKey), shortNonce("CurveZMQHELLO---", readU64(body, 112)), body.subarray(120));
  }

  /** A WELCOME for `hello`, sealed under this server's long-term key (which an impostor has wrong). */
  welcome(hello: Uint8Array): Uint8Array {
    this.clientTransient = hello.slice(80, 112);
    this.session = precompute(this.clientTransient, this.transient.secretKey);
    const nonce = randomBytes(16);
    // The cookie is this server's own business: any 96 bytes do for the client.
    const plain = concat(this.transient.publicKey, randomBytes(96));
    return concat(ascii("\x07WELCOME"), nonce, seal(precompute(this.clientTransient, this.long.secretKey), longNonce("WELCOME-", nonce), plain));
  }

  openInitiate(body: Uint8Array): { cookie: Uint8Array; counter: number; clientKey: Uint8Array; vouch: Uint8Array; metadata: Metadata } {
    const counter = readU64(body, 105);
    const plain = open(this.session!, shortNonce("CurveZMQINITIATE", counter), body.subarray(113));
    if (!plain) throw new Error("the INITIATE does not open");
    const clientKey = plain.slice(0, 32);
    const vouch = open(precompute(clientKey, this.transient.secretKey), longNonce("VOUCH---", plain.subarray(32, 48)), plain.subarray(48, 128));
    if (!vouch) throw new Error("the vouch does not open");
    return { cookie: body.slice(9, 105), counter, clientKey, vouch, metadata: decodeMetadata(plain, 128) };
  }

  ready(counter: number, metadata: Uint8Array = SERVER_META): Uint8Array {
    return concat(ascii("\x05READY"), u64(counter), seal(this.session!, shortNonce("CurveZMQREADY---", counter), metadata));
  }

  message(counter: number, flags: number, payload: Uint8Array): Uint8Array {
    return concat(ascii("\x07MESSAGE"), u64(counter), seal(this.session!, shortNonce("CurveZMQMESSAGES", counter), concat([flags], payload)));
  }

  openMessage(body: Uint8Array): { counter: number; flags: number; payload: Uint8Array } | undefined {
    const counter = readU64(body, 8);
    const plain = open(this.session!, shortNonce("CurveZMQMESSAGEC", counter), body.subarray(16));
    return plain && { counter, flags: plain[0]!, payload: plain.slice(1) };
  }
}

/** A server in WaitInitiate with a hand client that has its WELCOME. */
function handClientAtInitiate(options: { verdict?: Verdict } = {}): { server: CurveServerMechanism; hand: HandClient; asked: Uint8Array[][] } {
  const serverLong = generateKeyPair();
  const asked: Uint8Array[][] = [];
  const server = new CurveServerMechanism(
    {
      ...serverLong,
      authenticate: (credentials) => {
        asked.push(credentials.map((c) => c.slice()));
        return Promise.resolve(options.verdict);
      },
    },
    SERVER_PROPS,
    nobleCrypto,
  );
  const hand = new HandClient(serverLong.publicKey);
  expect(server.processCommand(hand.hello())).toBeUndefined();
  hand.welcome(server.nextCommand()!);
  return { server, hand, asked };
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe("the CURVE state machines against each other", () => {
  it("complete the handshake and exchange their properties", async () => {
    const p = pair();
    expect([p.client.name, p.server.name, p.client.asServer, p.server.asServer]).toEqual(["CURVE", "CURVE", false, false]);
    expect([p.client.status, p.server.status]).toEqual(["handshaking", "handshaking"]);
    await handshake(p);
    expect([p.client.status, p.server.status]).toEqual(["ready", "ready"]);
    expect([p.client.error, p.server.error]).toEqual([undefined, undefined]);
    expect(props(p.server.peerProperties)).toEqual({ "Socket-Type": "DEALER", Identity: "", "X-Side": "client" });
    expect(props(p.client.peerProperties)).toEqual({ "Socket-Type": "ROUTER", "X-Side": "server" });
    expect([p.client.userId, p.server.userId]).toEqual(["", ""]);
    expect([p.client.nextCommand(), p.server.nextCommand()]).toEqual([undefined, undefined]);
  });

  it("HELLO is 200 bytes: 05 HELLO, version 01 00, 72 zeros, C', nonce 1, and a box of 64 zeros from C' to S", async () => {
    const p = pair();
    const { hello } = await handshake(p);
    expect(hello.length).toBe(200);
    expect(text(hello.subarray(0, 6))).toBe("\x05HELLO");
    expect([...hello.subarray(6, 8)]).toEqual([1, 0]);
    expect(hello.subarray(8, 80).every((b) => b === 0)).toBe(true);
    const transient = hello.subarray(80, 112);
    expect(same(transient, p.clientLong.publicKey)).toBe(false);
    expect(readU64(hello, 112)).toBe(1);
    const signature = open(precompute(transient, p.serverLong.secretKey), shortNonce("CurveZMQHELLO---", 1), hello.subarray(120));
    expect(signature).toEqual(new Uint8Array(64));
  });

  it("WELCOME is 168 bytes: 07 WELCOME, a long nonce, and a box of S' and the cookie, from S to C'", async () => {
    const p = pair();
    const { hello, welcome, initiate } = await handshake(p);
    expect(welcome.length).toBe(168);
    expect(text(welcome.subarray(0, 8))).toBe("\x07WELCOME");
    const plain = open(
      precompute(hello.subarray(80, 112), p.serverLong.secretKey),
      longNonce("WELCOME-", welcome.subarray(8, 24)),
      welcome.subarray(24),
    );
    expect(plain?.length).toBe(128);
    const serverTransient = plain!.subarray(0, 32);
    expect(same(serverTransient, p.serverLong.publicKey)).toBe(false);
    // The cookie comes back verbatim in INITIATE.
    expect(same(plain!.subarray(32), initiate.subarray(9, 105))).toBe(true);
  });

  it("INITIATE is 257 bytes + metadata, nonce 2; READY is 30 bytes + metadata, nonce 1", async () => {
    const { initiate, ready } = await handshake(pair());
    expect(initiate.length).toBe(257 + CLIENT_META.length);
    expect(text(initiate.subarray(0, 9))).toBe("\x08INITIATE");
    expect(readU64(initiate, 105)).toBe(2);
    expect(ready.length).toBe(30 + SERVER_META.length);
    expect(text(ready.subarray(0, 6))).toBe("\x05READY");
    expect(readU64(ready, 6)).toBe(1);
  });

  it("MESSAGE is 33 bytes + payload; the client's nonces go on 3, 4, ..., the server's 2, 3, ...", async () => {
    const p = pair();
    await handshake(p);
    const fromClient = [0, 1, 255, 1000].map((n) => p.client.wrapFrame({ body: randomBytes(n), flags: 0 }));
    const fromServer = [5, 0].map((n) => p.server.wrapFrame({ body: randomBytes(n), flags: FLAG_MORE }));
    expect(fromClient.map((m) => m.length)).toEqual([33, 34, 288, 1033]);
    expect(fromServer.map((m) => m.length)).toEqual([38, 33]);
    for (const m of [...fromClient, ...fromServer]) expect(text(m.subarray(0, 8))).toBe("\x07MESSAGE");
    expect(fromClient.map((m) => readU64(m, 8))).toEqual([3, 4, 5, 6]);
    expect(fromServer.map((m) => readU64(m, 8))).toEqual([2, 3]);
  });

  it("carries frames both ways, with MORE and COMMAND, in order", async () => {
    const p = pair();
    await handshake(p);
    for (let i = 0; i < 20; i++) {
      const body = randomBytes(i * 13);
      const flags = [0, FLAG_MORE, FLAG_COMMAND, FLAG_MORE | FLAG_COMMAND][i % 4]!;
      const there = p.server.unwrapFrame(p.client.wrapFrame({ body, flags }));
      expect(same(there.body, body) && there.flags === flags).toBe(true);
      const back = p.client.unwrapFrame(p.server.wrapFrame({ body, flags }));
      expect(same(back.body, body) && back.flags === flags).toBe(true);
    }
  });
});

describe("the state machines against hand-made RFC 26 peers", () => {
  it("a hand-made client completes a handshake with the real server and talks to it", async () => {
    const { server, hand, asked } = handClientAtInitiate({ verdict: { status: "200", userId: "hand" } });
    await server.processCommand(hand.initiate());
    expect(asked).toEqual([[hand.long.publicKey]]);
    const ready = hand.ready(server.nextCommand()!);
    expect(ready.counter).toBe(1);
    expect(props(ready.properties)).toEqual({ "Socket-Type": "ROUTER", "X-Side": "server" });
    expect(server.status).toBe("ready");
    expect(server.userId).toBe("hand");
    expect(props(server.peerProperties)).toEqual({ "Socket-Type": "DEALER", Identity: "", "X-Side": "client" });
    // The server's first MESSAGE has nonce 2, prefix CurveZMQMESSAGES, and the inner flags 0x01 MORE / 0x02 COMMAND.
    const first = hand.openMessage(server.wrapFrame({ body: ascii("hi"), flags: FLAG_MORE }));
    expect(first).toEqual({ counter: 2, flags: 0x01, payload: ascii("hi") });
    expect(hand.openMessage(server.wrapFrame({ body: ascii("PING"), flags: FLAG_COMMAND }))).toEqual({
      counter: 3,
      flags: 0x02,
      payload: ascii("PING"),
    });
    // The hand client's MESSAGEs, from nonce 3, with gaps.
    expect(server.unwrapFrame(hand.message(3, 0x01, ascii("a")))).toEqual({ body: ascii("a"), flags: FLAG_MORE });
    expect(server.unwrapFrame(hand.message(9, 0x02, ascii("b")))).toEqual({ body: ascii("b"), flags: FLAG_COMMAND });
    expect(server.unwrapFrame(hand.message(10, 0x00, ascii("")))).toEqual({ body: ascii(""), flags: 0 });
    expect(wireError(() => server.unwrapFrame(hand.message(10, 0x00, ascii("again")))).protocolError).toBe(ProtocolError.ZMTP_INVALID_SEQUENCE);
  });

  it("the real client's HELLO and INITIATE open as RFC 26 says, and it takes a hand-made server's READY and MESSAGEs", () => {
    const serverLong = generateKeyPair();
    const clientLong = generateKeyPair();
    const client = new CurveClientMechanism({ serverKey: serverLong.publicKey, ...clientLong }, CLIENT_PROPS, nobleCrypto);
    const hand = new HandServer(serverLong);
    const hello = client.nextCommand()!;
    expect(hand.openHello(hello)).toEqual(new Uint8Array(64));
    client.processCommand(hand.welcome(hello));
    const initiate = client.nextCommand()!;
    const opened = hand.openInitiate(initiate);
    expect(opened.counter).toBe(2);
    expect(same(opened.clientKey, clientLong.publicKey)).toBe(true);
    // The vouch binds C' (from HELLO) to S.
    expect(same(opened.vouch, concat(hello.subarray(80, 112), serverLong.publicKey))).toBe(true);
    expect(props(opened.metadata)).toEqual({ "Socket-Type": "DEALER", Identity: "", "X-Side": "client" });
    client.processCommand(hand.ready(1));
    expect(client.status).toBe("ready");
    expect(props(client.peerProperties)).toEqual({ "Socket-Type": "ROUTER", "X-Side": "server" });
    // The client's first MESSAGE has nonce 3.
    expect(hand.openMessage(client.wrapFrame({ body: ascii("x"), flags: FLAG_MORE | FLAG_COMMAND }))).toEqual({
      counter: 3,
      flags: 0x03,
      payload: ascii("x"),
    });
    // Strictly above READY's nonce, gaps allowed.
    expect(wireError(() => client.unwrapFrame(hand.message(1, 0, ascii("stale")))).protocolError).toBe(ProtocolError.ZMTP_INVALID_SEQUENCE);
    expect(client.unwrapFrame(hand.message(2, 0, ascii("y")))).toEqual({ body: ascii("y"), flags: 0 });
    expect(client.unwrapFrame(hand.message(1000, 0x01, ascii("z")))).toEqual({ body: ascii("z"), flags: FLAG_MORE });
  });

  it("the client takes a READY whose nonce is not 1 and then wants MESSAGE nonces above it", () => {
    const serverLong = generateKeyPair();
    const client = new CurveClientMechanism({ serverKey: serverLong.publicKey, ...generateKeyPair() }, CLIENT_PROPS, nobleCrypto);
    const hand = new HandServer(serverLong);
    client.processCommand(hand.welcome(client.nextCommand()!));
    client.nextCommand();
    client.processCommand(hand.ready(7));
    expect(wireError(() => client.unwrapFrame(hand.message(7, 0, ascii("")))).protocolError).toBe(ProtocolError.ZMTP_INVALID_SEQUENCE);
    expect(client.unwrapFrame(hand.message(8, 0, ascii("ok"))).body).toEqual(ascii("ok"));
  });
});

describe("ZAP verdicts on the server", () => {
  it("asks once, with the client's long-term public key as the only credential", async () => {
    const p = pair();
    await handshake(p);
    expect(p.asked).toHaveLength(1);
    expect(p.asked[0]).toHaveLength(1);
    expect(same(p.asked[0]![0]!, p.clientLong.publicKey)).toBe(true);
  });

  it("200 with a user id: READY, and the user id on the server", async () => {
    const p = pair({ verdict: { status: "200", userId: "alice" } });
    await handshake(p);
    expect([p.client.status, p.server.status, p.server.userId]).toEqual(["ready", "ready", "alice"]);
  });

  it("200 without a user id, and no handler at all (undefined): admitted with user id ''", async () => {
    for (const verdict of [{ status: "200" } as const, undefined]) {
      const p = pair({ verdict });
      await handshake(p);
      expect([p.client.status, p.server.status, p.server.userId]).toEqual(["ready", "ready", ""]);
    }
  });

  it("300: fails silently (no ERROR command), with status 300", async () => {
    const p = pair({ verdict: { status: "300" } });
    const { initiate } = toInitiate(p);
    await p.server.processCommand(initiate);
    expect(p.server.nextCommand()).toBeUndefined();
    expect(p.server.status).toBe("error");
    expect(p.server.error).toBeInstanceOf(WireError);
    expect([p.server.error!.code, p.server.error!.status]).toEqual(["ZMTP_AUTH_FAILED", "300"]);
    expect(p.client.status).toBe("handshaking");
  });

  it.each(["400", "500"] as const)("%s: an ERROR command with that reason, then failure on both sides", async (status) => {
    const p = pair({ verdict: { status } });
    const { initiate } = toInitiate(p);
    await p.server.processCommand(initiate);
    expect(p.server.status).toBe("handshaking");
    const error = p.server.nextCommand()!;
    expect(error).toEqual(encodeCommand({ name: "ERROR", reason: status }));
    expect(text(error)).toBe(`\x05ERROR\x03${status}`);
    expect(p.server.nextCommand()).toBeUndefined();
    expect(p.server.status).toBe("error");
    expect([p.server.error!.code, p.server.error!.status]).toEqual(["ZMTP_AUTH_FAILED", status]);
    const atClient = wireError(() => p.client.processCommand(error));
    expect([atClient.code, atClient.status]).toEqual(["ZMTP_AUTH_FAILED", status]);
    expect(p.client.status).toBe("error");
  });

  it("a handler that fails counts as 500", async () => {
    const p = pair({ verdict: () => Promise.reject(new Error("handler down")) });
    const { initiate } = toInitiate(p);
    await p.server.processCommand(initiate);
    expect(text(p.server.nextCommand())).toBe("\x05ERROR\x03500");
    expect(p.server.error?.status).toBe("500");
  });

  it("the handler is not asked when the INITIATE does not check out", async () => {
    const p = pair();
    const { initiate } = toInitiate(p);
    initiate[initiate.length - 1]! ^= 1;
    await wireErrorAsync(() => p.server.processCommand(initiate));
    expect(p.asked).toEqual([]);
  });
});

describe("handshake failures are WireErrors", () => {
  it("a wrong server key: the real server refuses the HELLO, and an impostor's WELCOME fails at the client", () => {
    const p = pair({ serverKey: generateKeyPair().publicKey });
    const hello = p.client.nextCommand()!;
    const atServer = wireError(() => p.server.processCommand(hello));
    expect(atServer.protocolError).toBe(ProtocolError.ZMTP_CRYPTOGRAPHIC);
    expect(p.server.status).toBe("error");
    // An impostor (the holder of another key) answers anyway: the client cannot open its WELCOME.
    const atClient = wireError(() => p.client.processCommand(new HandServer().welcome(hello)));
    expect(atClient.code).toBe("ZMTP_MALFORMED_COMMAND");
    expect(atClient.protocolError).toBe(ProtocolError.ZMTP_CRYPTOGRAPHIC);
    expect(atClient.message).toMatch(/WELCOME/);
    expect(p.client.status).toBe("error");
    expect(p.client.nextCommand()).toBeUndefined();
  });

  it("a WELCOME of another connection, or of the wrong size, fails at the client", async () => {
    const other = await handshake(pair());
    const p = pair();
    p.client.nextCommand();
    expect(wireError(() => p.client.processCommand(other.welcome)).protocolError).toBe(ProtocolError.ZMTP_CRYPTOGRAPHIC);
    for (const size of [0, 8, 24, 167, 169]) {
      const q = pair();
      q.client.nextCommand();
      const body = new Uint8Array(size);
      body.set(other.welcome.subarray(0, size));
      if (size > 168) body.set(other.welcome);
      const error = wireError(() => q.client.processCommand(body));
      expect(error).toBeInstanceOf(WireError);
    }
  });

  it("a client without a usable server key (all zeros, a low-order point) fails before sending HELLO", () => {
    const p = pair({ serverKey: new Uint8Array(32) });
    const error = wireError(() => p.client.nextCommand());
    expect(error.protocolError).toBe(ProtocolError.ZMTP_CRYPTOGRAPHIC);
    expect(p.client.status).toBe("error");
  });

  it("the server refuses malformed HELLOs: wrong size, wrong version, a low-order C', a tampered box or nonce", () => {
    const serverLong = generateKeyPair();
    const hand = new HandClient(serverLong.publicKey);
    const valid = hand.hello();
    const fresh = () => new CurveServerMechanism({ ...serverLong, authenticate: () => Promise.resolve(undefined) }, SERVER_PROPS, nobleCrypto);
    const cases: [string, Uint8Array][] = [
      ["199 bytes", valid.subarray(0, 199)],
      ["201 bytes", concat(valid, [0])],
      ["version 2.0", concat(valid.subarray(0, 6), [2, 0], valid.subarray(8))],
      ["version 1.1", concat(valid.subarray(0, 6), [1, 1], valid.subarray(8))],
      ["a zero C'", concat(valid.subarray(0, 80), new Uint8Array(32), valid.subarray(112))],
      ["another C'", concat(valid.subarray(0, 80), generateKeyPair().publicKey, valid.subarray(112))],
      ["nonce 2", concat(valid.subarray(0, 112), u64(2), valid.subarray(120))],
      ["a flipped box bit", concat(valid.subarray(0, 150), [valid[150]! ^ 4], valid.subarray(151))],
      ["HELLO sealed to another server key", new HandClient(generateKeyPair().publicKey).hello()],
    ];
    for (const [what, body] of cases) {
      const server = fresh();
      const error = wireError(() => server.processCommand(body));
      expect(error.code, what).toBe("ZMTP_MALFORMED_COMMAND");
      expect(server.nextCommand(), what).toBeUndefined();
    }
    // And the valid one is taken.
    const server = fresh();
    expect(server.processCommand(valid)).toBeUndefined();
    expect(server.nextCommand()?.length).toBe(168);
  });

  it("INITIATE with the cookie of another connection fails, as does another connection's whole INITIATE", () => {
    const a = pair();
    const b = pair({ serverLong: a.serverLong });
    const initiateA = toInitiate(a).initiate;
    const initiateB = toInitiate(b).initiate;
    const swapped = concat(initiateA.subarray(0, 9), initiateB.subarray(9, 105), initiateA.subarray(105));
    const error = wireError(() => a.server.processCommand(swapped));
    expect([error.code, error.protocolError]).toEqual(["ZMTP_MALFORMED_COMMAND", ProtocolError.ZMTP_CRYPTOGRAPHIC]);
    expect(error.message).toMatch(/cookie/);
    const c = pair({ serverLong: a.serverLong });
    toInitiate(c);
    expect(wireError(() => c.server.processCommand(initiateB)).message).toMatch(/cookie/);
    expect(b.asked).toEqual([]);
  });

  it("INITIATE with a vouch for another server key, another C', or sealed by another key than C, fails", () => {
    const cases: [string, (hand: HandClient) => InitiateOptions][] = [
      ["another server key", () => ({ vouchServerKey: generateKeyPair().publicKey })],
      ["another transient key", () => ({ vouchTransient: generateKeyPair().publicKey })],
      ["sealed by another long-term key", () => ({ vouchSigner: generateKeyPair() })],
      ["C is not the voucher", (hand) => ({ clientKey: generateKeyPair().publicKey, vouchSigner: hand.long })],
    ];
    for (const [what, options] of cases) {
      const { server, hand, asked } = handClientAtInitiate();
      const error = wireError(() => server.processCommand(hand.initiate(options(hand))));
      expect(error.protocolError, what).toBe(ProtocolError.ZMTP_CRYPTOGRAPHIC);
      expect(error.message, what).toMatch(/vouch/);
      expect(asked, what).toEqual([]);
    }
    // The hand client's INITIATE without tricks is fine (the harness is fair).
    const { server, hand } = handClientAtInitiate();
    expect(server.processCommand(hand.initiate())).toBeInstanceOf(Promise);
  });

  it("INITIATE with a low-order long-term key C, malformed metadata, or a nonce not above HELLO's fails", () => {
    const cases: [string, InitiateOptions, number][] = [
      ["C of zeros", { clientKey: new Uint8Array(32) }, ProtocolError.ZMTP_CRYPTOGRAPHIC],
      ["nonce 1", { counter: 1 }, ProtocolError.ZMTP_INVALID_SEQUENCE],
      ["nonce 0", { counter: 0 }, ProtocolError.ZMTP_INVALID_SEQUENCE],
      ["metadata cut short", { metadata: CLIENT_META.subarray(0, CLIENT_META.length - 1) }, ProtocolError.ZMTP_MALFORMED_COMMAND_INITIATE],
    ];
    for (const [what, options, protocolError] of cases) {
      const { server, hand } = handClientAtInitiate();
      const error = wireError(() => server.processCommand(hand.initiate(options)));
      expect(error.protocolError, what).toBe(protocolError);
    }
    // Nonce gaps are fine: INITIATE with nonce 5 after HELLO's 1.
    const { server, hand } = handClientAtInitiate();
    expect(server.processCommand(hand.initiate({ counter: 5 }))).toBeInstanceOf(Promise);
  });

  it("a truncated INITIATE fails: every length to 16 and from 250 to 260, every 5th between, and a cut-off box above", () => {
    const { initiate } = toInitiate(pair());
    for (let length = 0; length < initiate.length; length += length < 16 || (length > 250 && length < 260) ? 1 : 5) {
      // A fresh server each time: the real one at this point of a handshake.
      const p = pair();
      const own = toInitiate(p).initiate;
      const error = wireError(() => p.server.processCommand(own.subarray(0, length)));
      if (length >= 9 && length < 257) expect(error.protocolError, `length ${length}`).toBe(ProtocolError.ZMTP_MALFORMED_COMMAND_INITIATE);
      expect(p.asked).toEqual([]);
    }
  });

  it("the cookie key is forgotten once INITIATE came: a second INITIATE is refused", async () => {
    const p = pair();
    const { initiate } = toInitiate(p);
    expect((p.server as unknown as { cookieKey: unknown }).cookieKey).toBeInstanceOf(Uint8Array);
    const deciding = p.server.processCommand(initiate);
    expect((p.server as unknown as { cookieKey: unknown }).cookieKey).toBeUndefined();
    // While ZAP decides, and after.
    expect(wireError(() => p.server.processCommand(initiate)).code).toBe("ZMTP_UNEXPECTED_COMMAND");
    await deciding;
    expect(wireError(() => p.server.processCommand(initiate)).code).toBe("ZMTP_UNEXPECTED_COMMAND");
    p.client.processCommand(p.server.nextCommand()!);
    expect(wireError(() => p.server.processCommand(initiate)).code).toBe("ZMTP_UNEXPECTED_COMMAND");
    expect(p.asked).toHaveLength(1);
  });

  it("the cookie key is forgotten when an INITIATE fails after opening the cookie", () => {
    const { server, hand } = handClientAtInitiate();
    wireError(() => server.processCommand(hand.initiate({ vouchServerKey: generateKeyPair().publicKey })));
    expect((server as unknown as { cookieKey: unknown }).cookieKey).toBeUndefined();
  });

  // A refused INITIATE used the cookie key up; a second one is refused with a WireError too.
  it("a retried INITIATE after a refused one is refused with a WireError (not a TypeError)", () => {
    const { server, hand } = handClientAtInitiate();
    wireError(() => server.processCommand(hand.initiate({ vouchServerKey: generateKeyPair().publicKey })));
    wireError(() => server.processCommand(hand.initiate()));
  });

  it("commands out of turn are ZMTP_UNEXPECTED_COMMAND, ERROR is the peer's error, an empty body is malformed", async () => {
    const t = await handshake(pair());
    // Server waiting for HELLO (a failure is final: a fresh server for each case).
    expect(wireError(() => pair().server.processCommand(t.initiate)).code).toBe("ZMTP_UNEXPECTED_COMMAND");
    expect(wireError(() => pair().server.processCommand(encodeCommand({ name: "READY", properties: new Map() }))).code).toBe(
      "ZMTP_UNEXPECTED_COMMAND",
    );
    expect(wireError(() => pair().server.processCommand(new Uint8Array(0))).code).toBe("ZMTP_MALFORMED_COMMAND");
    expect(wireError(() => pair().server.processCommand(encodeCommand({ name: "ERROR", reason: "nope" }))).code).toBe("ZMTP_PEER_ERROR");
    // Client before HELLO went, and waiting for WELCOME.
    const q = pair();
    expect(wireError(() => q.client.processCommand(t.welcome)).code).toBe("ZMTP_UNEXPECTED_COMMAND");
    // (A failure is final, so each case gets a fresh client that sent HELLO.)
    const waiting = () => {
      const r = pair();
      r.client.nextCommand();
      return r.client;
    };
    expect(wireError(() => waiting().processCommand(t.ready)).code).toBe("ZMTP_UNEXPECTED_COMMAND");
    expect(wireError(() => waiting().processCommand(t.hello)).code).toBe("ZMTP_UNEXPECTED_COMMAND");
    const refused = wireError(() => waiting().processCommand(encodeCommand({ name: "ERROR", reason: "400" })));
    expect([refused.code, refused.status]).toEqual(["ZMTP_AUTH_FAILED", "400"]);
    // Client waiting for READY gets a second WELCOME.
    const s = pair();
    const { welcome } = toInitiate(s);
    expect(wireError(() => s.client.processCommand(welcome)).code).toBe("ZMTP_UNEXPECTED_COMMAND");
    // After the handshake, no command is a handshake command any more.
    const u = pair();
    const done = await handshake(u);
    expect(wireError(() => u.client.processCommand(done.ready)).code).toBe("ZMTP_UNEXPECTED_COMMAND");
    expect(wireError(() => u.server.processCommand(done.hello)).code).toBe("ZMTP_UNEXPECTED_COMMAND");
    expect(wireError(() => u.client.processCommand(encodeCommand({ name: "ERROR", reason: "500" }))).code).toBe("ZMTP_UNEXPECTED_COMMAND");
  });

  it("a READY that does not open, is too short, or holds malformed metadata fails at the client", () => {
    const make = () => {
      const serverLong = generateKeyPair();
      const client = new CurveClientMechanism({ serverKey: serverLong.publicKey, ...generateKeyPair() }, CLIENT_PROPS, nobleCrypto);
      const hand = new HandServer(serverLong);
      client.processCommand(hand.welcome(client.nextCommand()!));
      client.nextCommand();
      return { client, hand };
    };
    const cases: [string, (hand: HandServer) => Uint8Array][] = [
      ["29 bytes", (hand) => hand.ready(1).subarray(0, 29)],
      ["a flipped bit", (hand) => hand.ready(1).map((b, i) => (i === 20 ? b ^ 1 : b))],
      ["another nonce on the wire", (hand) => concat(ascii("\x05READY"), u64(2), hand.ready(1).subarray(14))],
      ["malformed metadata", (hand) => hand.ready(1, SERVER_META.subarray(0, 5))],
    ];
    for (const [what, body] of cases) {
      const { client, hand } = make();
      expect(wireError(() => client.processCommand(body(hand))).code, what).toMatch(/^ZMTP_MALFORMED_/);
      if (what !== "malformed metadata") expect(client.status, what).toBe("error");
    }
  });

  // The Mechanism interface says `status` is "error" once the handshake failed, whatever threw.
  it("a mechanism that threw on malformed metadata or an empty command says status 'error'", () => {
    const serverLong = generateKeyPair();
    const client = new CurveClientMechanism({ serverKey: serverLong.publicKey, ...generateKeyPair() }, CLIENT_PROPS, nobleCrypto);
    const hand = new HandServer(serverLong);
    client.processCommand(hand.welcome(client.nextCommand()!));
    client.nextCommand();
    wireError(() => client.processCommand(hand.ready(1, SERVER_META.subarray(0, 5))));
    expect(client.status).toBe("error");
    const { server, hand: handClient } = handClientAtInitiate();
    wireError(() => server.processCommand(handClient.initiate({ metadata: CLIENT_META.subarray(0, 3) })));
    expect(server.status).toBe("error");
    const fresh = pair().server;
    wireError(() => fresh.processCommand(new Uint8Array(0)));
    expect(fresh.status).toBe("error");
  });
});

describe("MESSAGE failures are WireErrors, and leave the connection usable", () => {
  async function ready(): Promise<Pair> {
    const p = pair();
    await handshake(p);
    return p;
  }
  const frame = (s: string) => ({ body: ascii(s), flags: 0 });

  it("a replayed MESSAGE", async () => {
    const p = await ready();
    const m = p.client.wrapFrame(frame("once"));
    expect(text(p.server.unwrapFrame(m).body)).toBe("once");
    const error = wireError(() => p.server.unwrapFrame(m));
    expect([error.code, error.protocolError]).toEqual(["ZMTP_MALFORMED_COMMAND", ProtocolError.ZMTP_INVALID_SEQUENCE]);
    expect(text(p.server.unwrapFrame(p.client.wrapFrame(frame("next"))).body)).toBe("next");
  });

  it("a decreasing nonce (MESSAGEs delivered out of order)", async () => {
    const p = await ready();
    const [a, b, c] = ["a", "b", "c"].map((s) => p.server.wrapFrame(frame(s)));
    expect(text(p.client.unwrapFrame(b!).body)).toBe("b");
    expect(wireError(() => p.client.unwrapFrame(a!)).protocolError).toBe(ProtocolError.ZMTP_INVALID_SEQUENCE);
    expect(text(p.client.unwrapFrame(c!).body)).toBe("c");
  });

  it("a tampered MESSAGE: every single flipped bit", async () => {
    const p = await ready();
    const m = p.client.wrapFrame(frame("tamper-proof"));
    for (let bit = 0; bit < m.length * 8; bit++) {
      const bad = m.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      const error = wireError(() => p.server.unwrapFrame(bad));
      expect(error.code).toBe("ZMTP_MALFORMED_COMMAND");
    }
    expect(text(p.server.unwrapFrame(m).body)).toBe("tamper-proof");
  });

  it("a wrong prefix", async () => {
    const p = await ready();
    const m = p.client.wrapFrame(frame("x"));
    for (const name of ["\x07MESSAGF", "\x07message", "\x06MESSAG", "\x08MESSAGE", "\x05READY\0\0"]) {
      const bad = concat(ascii(name), m.subarray(8));
      expect(wireError(() => p.server.unwrapFrame(bad)).code).toBe("ZMTP_MALFORMED_COMMAND");
    }
    expect(text(p.server.unwrapFrame(m).body)).toBe("x");
  });

  it("a truncated MESSAGE, at every length", async () => {
    const p = await ready();
    const m = p.server.wrapFrame(frame("a payload of some length"));
    for (let length = 0; length < m.length; length++) {
      expect(wireError(() => p.client.unwrapFrame(m.subarray(0, length))).code).toBe("ZMTP_MALFORMED_COMMAND");
    }
    const extended = concat(m, [0]);
    expect(wireError(() => p.client.unwrapFrame(extended)).protocolError).toBe(ProtocolError.ZMTP_CRYPTOGRAPHIC);
    expect(text(p.client.unwrapFrame(m).body)).toBe("a payload of some length");
  });

  it("a MESSAGE reflected back to its sender, or from another connection", async () => {
    const p = await ready();
    const q = await ready();
    const mine = p.client.wrapFrame(frame("to the server"));
    expect(wireError(() => p.client.unwrapFrame(mine)).protocolError).toBe(ProtocolError.ZMTP_CRYPTOGRAPHIC);
    expect(wireError(() => q.server.unwrapFrame(mine)).protocolError).toBe(ProtocolError.ZMTP_CRYPTOGRAPHIC);
    expect(text(p.server.unwrapFrame(mine).body)).toBe("to the server");
  });

  it("a MESSAGE with another MESSAGE's nonce, or a huge nonce", async () => {
    const p = await ready();
    const [a, b] = ["a", "b"].map((s) => p.client.wrapFrame(frame(s)));
    const swapped = concat(b!.subarray(0, 8), a!.subarray(8, 16), b!.subarray(16));
    expect(wireError(() => p.server.unwrapFrame(swapped)).protocolError).toBe(ProtocolError.ZMTP_CRYPTOGRAPHIC);
    for (const huge of [2n ** 53n, 2n ** 63n, 2n ** 64n - 1n]) {
      const bad = concat(a!.subarray(0, 8), u64(huge), a!.subarray(16));
      expect(wireError(() => p.server.unwrapFrame(bad)).code).toBe("ZMTP_MALFORMED_COMMAND");
    }
    expect(text(p.server.unwrapFrame(a!).body)).toBe("a");
    expect(text(p.server.unwrapFrame(b!).body)).toBe("b");
  });
});

// ---------------------------------------------------------------------------
// Through two ZmtpConnections
// ---------------------------------------------------------------------------

interface End {
  conn: ZmtpConnection;
  out: Uint8Array[];
  peer: PeerInfo | undefined;
  messages: string[][];
  commands: Command[];
  errors: WireError[];
}

function end(options: ConnectionOptions): End {
  const e: End = { conn: undefined as unknown as ZmtpConnection, out: [], peer: undefined, messages: [], commands: [], errors: [] };
  e.conn = new ZmtpConnection(options, {
    send: (chunk) => e.out.push(chunk.slice()),
    onReady: (peer) => (e.peer = peer),
    onMessage: (frames) => e.messages.push(frames.map(text)),
    onCommand: (command) => e.commands.push(command),
    onError: (error) => e.errors.push(error),
  });
  return e;
}

/** How the bytes of one direction are cut into chunks: `offset` is how many went before. */
type Cutter = (bytes: Uint8Array, offset: number) => Uint8Array[];

const whole: Cutter = (bytes) => [bytes];
const byteByByte: Cutter = (bytes) => Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
const splitAt =
  (k: number): Cutter =>
  (bytes, offset) =>
    k > offset && k < offset + bytes.length ? [bytes.subarray(0, k - offset), bytes.subarray(k - offset)] : [bytes];

/** Moves bytes both ways until neither side has anything to say, letting ZAP promises settle. */
async function pump(a: End, b: End, cut: Cutter): Promise<void> {
  const sent = new Map<End, number>([
    [a, 0],
    [b, 0],
  ]);
  for (let quiet = 0; quiet < 3;) {
    let moved = false;
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      if (from.out.length === 0) continue;
      const bytes = concatBytes(from.out.splice(0));
      moved = true;
      for (const piece of cut(bytes, sent.get(from)!)) to.conn.feed(piece);
      sent.set(from, sent.get(from)! + bytes.length);
    }
    if (moved) quiet = 0;
    else {
      quiet++;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

function connections(verdict: Verdict = { status: "200", userId: "dealer-1" }): { client: End; server: End; clientLong: KeyPair } {
  const serverLong = generateKeyPair();
  const clientLong = generateKeyPair();
  const client = end({
    socketType: "DEALER",
    routingId: ascii("d1"),
    metadata: [["X-Side", "client"]],
    mechanism: {
      type: "custom",
      name: "CURVE",
      create: (properties) => new CurveClientMechanism({ serverKey: serverLong.publicKey, ...clientLong }, properties, nobleCrypto),
    },
  });
  const server = end({
    socketType: "ROUTER",
    mechanism: {
      type: "custom",
      name: "CURVE",
      create: (properties) => new CurveServerMechanism({ ...serverLong, authenticate: () => Promise.resolve(verdict) }, properties, nobleCrypto),
    },
  });
  return { client, server, clientLong };
}

/** Handshake with the given cutter, then traffic both ways, then checks. */
async function converse(cut: Cutter): Promise<void> {
  const { client, server } = connections();
  client.conn.start();
  server.conn.start();
  await pump(client, server, cut);
  expect(client.errors).toEqual([]);
  expect(server.errors).toEqual([]);
  expect([client.conn.ready, server.conn.ready]).toEqual([true, true]);
  expect(server.peer).toMatchObject({ protocol: "ZMTP/3.1", socketType: "DEALER", userId: "dealer-1" });
  expect(text(server.peer!.routingId)).toBe("d1");
  expect(text(server.peer!.properties.get("X-Side"))).toBe("client");
  expect(client.peer).toMatchObject({ socketType: "ROUTER", userId: "" });
  expect(client.peer!.greeting.mechanism).toBe("CURVE");
  // Traffic, cut the same way.
  client.out.push(...client.conn.encodeMessages([[ascii("hello"), ascii("server")], [ascii("")]]));
  server.out.push(...server.conn.encodeMessages([[ascii("hello"), ascii(""), ascii("client")]]));
  client.out.push(client.conn.encodeCommand({ name: "PING", ttl: 10, context: ascii("ctx") }));
  await pump(client, server, cut);
  expect(server.messages).toEqual([["hello", "server"], [""]]);
  expect(client.messages).toEqual([["hello", "", "client"]]);
  expect(server.commands).toEqual([{ name: "PING", ttl: 10, context: ascii("ctx") }]);
  expect(client.commands).toEqual([{ name: "PONG", context: ascii("ctx") }]);
  expect([...client.errors, ...server.errors]).toEqual([]);
}

describe("CURVE through two ZmtpConnections", () => {
  it("the bytes delivered whole", async () => {
    await converse(whole);
  });

  it("the bytes delivered byte by byte", async () => {
    await converse(byteByByte);
  });

  it("the handshake split at every byte boundary", async () => {
    // Both directions are cut at the same offset k, for every k the longer stream has.
    const { client, server } = connections();
    client.conn.start();
    server.conn.start();
    // Measure the handshake once: everything both sides send until both are ready.
    let longest = 0;
    const measure: Cutter = (bytes, offset) => {
      longest = Math.max(longest, offset + bytes.length);
      return [bytes];
    };
    await pump(client, server, measure);
    expect([client.conn.ready, server.conn.ready]).toEqual([true, true]);
    expect(longest).toBe(
      64 +
        2 +
        200 +
        9 +
        257 +
        encodeMetadata([
          ["Socket-Type", "DEALER"],
          ["Identity", "d1"],
          ["X-Side", "client"],
        ]).length,
    );
    for (let k = 1; k < longest; k++) {
      const pair = connections();
      pair.client.conn.start();
      pair.server.conn.start();
      await pump(pair.client, pair.server, splitAt(k));
      if (!pair.client.conn.ready || !pair.server.conn.ready) {
        throw new Error(`split at ${k}: not ready (${[...pair.client.errors, ...pair.server.errors].map((e) => e.message).join("; ")})`);
      }
    }
    await converse(splitAt(100));
  });

  it("a refused client (ZAP 400) gets the ERROR and both connections fail", async () => {
    const { client, server } = connections({ status: "400" });
    client.conn.start();
    server.conn.start();
    await pump(client, server, whole);
    expect([client.conn.ready, server.conn.ready]).toEqual([false, false]);
    expect(client.errors.map((e) => [e.code, e.status])).toEqual([["ZMTP_AUTH_FAILED", "400"]]);
    expect(server.errors.map((e) => [e.code, e.status])).toEqual([["ZMTP_AUTH_FAILED", "400"]]);
  });
});
