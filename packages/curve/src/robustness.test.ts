// CURVE under attack, over real tcp between zmq-ts sockets: a Pull CURVE
// server (Context with tcp(), inproc() and curve; the zmtp engine of
// @zmq/engine comes with the tcp transport; ZAP from serveZap with an
// allow-list) serves a good CURVE Push client that sends numbered messages
// all along, while hostile clients on raw node:net sockets
//  - send the greeting and a valid HELLO (made by the client state machine),
//    then garbage;
//  - finish a real handshake, then replay their INITIATE after READY (and on
//    a fresh connection);
//  - flood 1,000 HELLOs on fresh connections, and leave some half-open.
// The good client must keep getting every message through, in order; the
// server must report each bad connection (handshake:error:* and disconnect)
// and close it; the server's live connections (accept minus disconnect
// events) and, when gc can be had, its heap, stay bounded.
import { nobleCrypto } from "./crypto.js";
import { type Socket as NetSocket, connect as netConnect } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { serveZap } from "@zmq/engine";
import { Context, type SocketBase } from "@zmq/kernel";
import { createCleanup, greetingBytes, watchEvents } from "@zmq/kernel/testing";
import { Pull, Push } from "@zmq/pattern-pipeline";
import { inproc } from "@zmq/transport-inproc";
import { tcp } from "@zmq/transport-tcp";
import { type MetadataInput, type PeerInfo, type WireError, ZmtpConnection, concatBytes, z85Decode } from "@zmq/wire";
import { afterEach, describe, expect, it } from "vitest";
import { CurveClientMechanism } from "./client.js";
import { curve, curveAllowList, curveKeyPair } from "./index.js";

const { track, defer, closeAll } = createCleanup<SocketBase | { close(): void }>();
afterEach(closeAll);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** A command frame (short or long, as libzmq writes them). */
function commandFrame(body: Uint8Array): Uint8Array {
  if (body.length <= 255) return concatBytes([Uint8Array.of(0x04, body.length), body]);
  const header = new Uint8Array(9);
  header[0] = 0x06;
  new DataView(header.buffer).setBigUint64(1, BigInt(body.length));
  return concatBytes([header, body]);
}

/** Bytes of a ZMTP greeting (64) and of a WELCOME command frame (2 + 168): what a server sends for a HELLO. */
const GREETING_AND_WELCOME = 64 + 2 + 168;

/** A raw tcp connection that records what it receives and when it closes. */
class RawPeer {
  readonly socket: NetSocket;
  received = 0;
  readonly closed: Promise<void>;
  readonly connected: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(port: number, onData?: (chunk: Uint8Array) => void) {
    this.socket = netConnect({ host: "127.0.0.1", port });
    this.socket.on("error", () => {}); // resets from the server are expected
    this.connected = new Promise((resolve) => this.socket.once("connect", () => resolve()));
    this.closed = new Promise((resolve) => this.socket.once("close", () => resolve()));
    this.socket.on("data", (chunk: Buffer) => {
      this.received += chunk.length;
      onData?.(chunk);
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
    defer(() => this.socket.destroy());
  }

  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Resolves once `n` bytes came (true) or the connection closed first (false). */
  async until(n: number): Promise<boolean> {
    while (this.received < n) {
      if (this.socket.destroyed) return false;
      const more = new Promise<void>((resolve) => this.waiters.push(resolve));
      const closed = await Promise.race([more.then(() => false), this.closed.then(() => true)]);
      if (closed && this.received < n) return false;
    }
    return true;
  }
}

interface Keys {
  publicKey: string;
  secretKey: string;
}

/** A HELLO body, as a real client state machine builds it. */
function helloFor(serverKey: string, keys: Keys = curveKeyPair()): Uint8Array {
  const client = new CurveClientMechanism(
    { serverKey: z85Decode(serverKey), publicKey: z85Decode(keys.publicKey), secretKey: z85Decode(keys.secretKey) },
    [["Socket-Type", "PUSH"]],
    nobleCrypto,
  );
  return client.nextCommand()!;
}

/**
 * A CURVE client over a raw net socket: a ZmtpConnection with the client
 * state machine, whose handshake commands are recorded, so that a test can
 * replay them.
 */
function scriptedClient(port: number, serverKey: string, keys: Keys) {
  const sent: Uint8Array[] = [];
  const errors: WireError[] = [];
  let ready!: (peer: PeerInfo) => void;
  const isReady = new Promise<PeerInfo>((resolve) => (ready = resolve));
  const peer = new RawPeer(port, (chunk) => conn.feed(chunk));
  const conn: ZmtpConnection = new ZmtpConnection(
    {
      socketType: "PUSH",
      mechanism: {
        type: "custom",
        name: "CURVE",
        create: (properties: MetadataInput) => {
          const m = new CurveClientMechanism(
            { serverKey: z85Decode(serverKey), publicKey: z85Decode(keys.publicKey), secretKey: z85Decode(keys.secretKey) },
            properties,
            nobleCrypto,
          );
          const next = m.nextCommand.bind(m);
          m.nextCommand = () => {
            const body = next();
            if (body) sent.push(body.slice());
            return body;
          };
          return m;
        },
      },
    },
    {
      send: (chunk) => peer.write(chunk),
      onReady: (info) => ready(info),
      onMessage: () => {},
      onCommand: () => {},
      onError: (error) => errors.push(error),
    },
  );
  void peer.connected.then(() => conn.start());
  return { peer, conn, sent, errors, ready: isReady };
}

interface Server {
  context: Context;
  server: Pull;
  port: number;
  serverKeys: Keys;
  goodKeys: Keys;
  allowedKeys: Keys;
  events: ReturnType<typeof watchEvents>;
  /** accept events minus disconnect events. */
  live(): number;
  maxLive: number;
}

/** A CURVE Pull server on an ephemeral port, with ZAP admitting the good client's and `allowedKeys`. */
async function curveServer(): Promise<Server> {
  const context = new Context({ transports: [tcp(), inproc()], mechanisms: [curve] });
  const serverKeys = curveKeyPair();
  const goodKeys = curveKeyPair();
  const allowedKeys = curveKeyPair();
  track(serveZap(context, curveAllowList([goodKeys.publicKey, allowedKeys.publicKey])));
  const server = track(new Pull({ context, curveServer: true, curveSecretKey: serverKeys.secretKey, handshakeInterval: 1500 }));
  const events = watchEvents(server);
  await server.bind("tcp://127.0.0.1:*");
  const port = Number(new URL(server.lastEndpoint!.replace("tcp://", "http://")).port);
  const s: Server = {
    context,
    server,
    port,
    serverKeys,
    goodKeys,
    allowedKeys,
    events,
    live: () => (events.counts.get("accept") ?? 0) - (events.counts.get("disconnect") ?? 0),
    maxLive: 0,
  };
  const sample = (): void => {
    s.maxLive = Math.max(s.maxLive, s.live());
  };
  server.events.on("accept", sample);
  return s;
}

/** The good client: sends "good <n>" every few ms; the server side checks every one arrives, in order. */
function goodTraffic(s: Server) {
  const client = track(
    new Push({
      context: s.context,
      curveServerKey: s.serverKeys.publicKey,
      curvePublicKey: s.goodKeys.publicKey,
      curveSecretKey: s.goodKeys.secretKey,
    }),
  );
  client.connect(`tcp://127.0.0.1:${s.port}`);
  let sent = 0;
  let received = 0;
  const others: string[] = [];
  const outOfOrder: string[] = [];
  let stopped = false;
  let sendError: unknown;
  const sender = (async () => {
    try {
      while (!stopped) {
        await client.send(`good ${sent++}`);
        await sleep(4);
      }
    } catch (error) {
      sendError = error;
    }
  })();
  void (async () => {
    try {
      for (;;) {
        const [frame] = await s.server.receive();
        const text = new TextDecoder().decode(frame);
        if (!text.startsWith("good ")) others.push(text);
        else if (text !== `good ${received++}`) outOfOrder.push(text);
      }
    } catch {
      // The server was closed with the test.
    }
  })();
  const waitFor = async (target: number, within: number, what: string): Promise<void> => {
    const deadline = Date.now() + within;
    while (received < target) {
      if (Date.now() > deadline) throw new Error(`the good client: ${what} (${received} received, ${sent} sent)`);
      await sleep(5);
    }
  };
  return {
    received: () => received,
    others,
    /** Resolves once `n` more messages arrived. */
    more: (n: number, within = 5000): Promise<void> => waitFor(received + n, within, `${n} more messages did not come in ${within} ms`),
    /** Stops sending; every message sent must have arrived, in order. */
    async stop(): Promise<void> {
      stopped = true;
      await sender;
      expect(sendError).toBeUndefined();
      await waitFor(sent, 5000, "not every message arrived");
      expect(outOfOrder).toEqual([]);
      expect(received).toBe(sent);
    },
  };
}

function exposeGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

describe("a CURVE server under attack keeps serving its good client", () => {
  it("a raw client sends the greeting, a valid HELLO, then garbage: reported, closed, the good client unharmed", async () => {
    const s = await curveServer();
    const good = goodTraffic(s);
    await good.more(5);
    const errorsBefore = () => (s.events.counts.get("handshake:error:protocol") ?? 0) + (s.events.counts.get("handshake:error:other") ?? 0);
    const garbage: [string, () => Uint8Array][] = [
      ["a data frame before the handshake completes", () => concatBytes([Uint8Array.of(0x00, 40), new Uint8Array(40).fill(0x61)])],
      ["an unknown command", () => commandFrame(ascii("\x07GARBAGE and then some"))],
      ["a second HELLO", () => commandFrame(helloFor(s.serverKeys.publicKey))],
      [
        "an INITIATE-named command of 300 random bytes",
        () => commandFrame(concatBytes([ascii("\x08INITIATE"), crypto.getRandomValues(new Uint8Array(300))])),
      ],
      ["an empty command frame", () => Uint8Array.of(0x04, 0x00)],
      ["a MESSAGE-named command", () => commandFrame(concatBytes([ascii("\x07MESSAGE"), new Uint8Array(40)]))],
      ["random bytes", () => crypto.getRandomValues(new Uint8Array(512))],
    ];
    for (const [what, bytes] of garbage) {
      const failuresBefore = errorsBefore();
      const disconnectsBefore = s.events.counts.get("disconnect") ?? 0;
      const peer = new RawPeer(s.port);
      await peer.connected;
      peer.write(concatBytes([greetingBytes({ mechanism: "CURVE" }), commandFrame(helloFor(s.serverKeys.publicKey))]));
      expect(await peer.until(GREETING_AND_WELCOME), `${what}: WELCOME`).toBe(true);
      peer.write(bytes());
      await peer.closed;
      await s.events.untilCount("disconnect", disconnectsBefore + 1);
      expect(errorsBefore(), what).toBe(failuresBefore + 1);
    }
    // Each was reported as a protocol error (random bytes may instead wait for a frame that never ends, and time out).
    expect(s.events.counts.get("handshake:error:protocol") ?? 0).toBeGreaterThanOrEqual(garbage.length - 1);
    expect(s.events.counts.get("handshake") ?? 0).toBe(1); // only the good client
    await good.more(5);
    await good.stop();
    expect(good.others).toEqual([]);
    expect(s.live()).toBe(1);
  });

  it("a client that replays its INITIATE after READY is cut off; replayed on a new connection, refused", async () => {
    const s = await curveServer();
    const good = goodTraffic(s);
    await good.more(5);
    const hostile = scriptedClient(s.port, s.serverKeys.publicKey, s.allowedKeys);
    const info = await hostile.ready;
    expect(info.socketType).toBe("PULL");
    expect(hostile.sent.map((b) => b.length)).toEqual([200, 257 + 20]); // HELLO; INITIATE with Socket-Type PUSH (20 bytes of metadata)
    // It is a real, admitted client: its message gets through.
    for (const chunk of hostile.conn.encodeMessages([[ascii("hostile hello")]])) hostile.peer.write(chunk);
    await good.more(3);
    await sleep(20);
    expect(good.others).toEqual(["hostile hello"]);
    const protocolErrors = s.events.counts.get("handshake:error:protocol") ?? 0;
    const disconnects = s.events.counts.get("disconnect") ?? 0;
    hostile.peer.write(commandFrame(hostile.sent[1]!));
    await hostile.peer.closed;
    await s.events.untilCount("disconnect", disconnects + 1);
    expect(s.events.counts.get("handshake:error:protocol")).toBe(protocolErrors + 1);
    const event = s.events.events.filter((e) => e.type === "handshake:error:protocol").at(-1)!;
    expect(event).toMatchObject({ error: { code: "ERR_ZMTP_UNEXPECTED_COMMAND" } });

    // The same INITIATE (and HELLO) on a fresh connection: the cookie is not that connection's.
    const replay = new RawPeer(s.port);
    await replay.connected;
    replay.write(concatBytes([greetingBytes({ mechanism: "CURVE" }), commandFrame(hostile.sent[0]!)]));
    expect(await replay.until(GREETING_AND_WELCOME)).toBe(true);
    replay.write(commandFrame(hostile.sent[1]!));
    await replay.closed;
    await s.events.untilCount("disconnect", disconnects + 2);
    const last = s.events.events.filter((e) => e.type === "handshake:error:protocol").at(-1)!;
    expect(last).toMatchObject({ error: { code: "ERR_ZMTP_CRYPTOGRAPHIC" } });
    expect(s.events.counts.get("handshake")).toBe(2); // the good client and the hostile one's first time
    await good.more(5);
    await good.stop();
    expect(s.live()).toBe(1);
  });

  it("1,000 HELLOs on fresh connections, and half-open ones, leave the server bounded and the good client served", async () => {
    const s = await curveServer();
    const good = goodTraffic(s);
    await good.more(5);
    const gc = exposeGc();
    const heap = (): number => {
      gc?.();
      return process.memoryUsage().heapUsed;
    };
    // Warm up the paths once, then measure.
    const hello = helloFor(s.serverKeys.publicKey);
    const opening = concatBytes([greetingBytes({ mechanism: "CURVE" }), commandFrame(hello)]);
    const heapBefore = heap();
    const FLOOD = 1000;
    const CONCURRENT = 50;
    let welcomed = 0;
    let next = 0;
    const receivedBefore = good.received();
    const flooder = async (): Promise<void> => {
      while (next < FLOOD) {
        next++;
        const peer = new RawPeer(s.port);
        await peer.connected;
        peer.write(opening);
        if (await peer.until(GREETING_AND_WELCOME)) welcomed++;
        peer.socket.destroy();
        await peer.closed;
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: CONCURRENT }, flooder));
    const floodMs = Date.now() - started;
    // Every HELLO (the same bytes each time: HELLO is not bound to a connection) got its WELCOME.
    expect(welcomed).toBe(FLOOD);
    // The good client kept getting messages during the flood.
    expect(good.received() - receivedBefore).toBeGreaterThan(0);
    // Half-open: a HELLO and then nothing, or half a greeting. The handshake timeout (1.5 s) closes them.
    const idle = Array.from({ length: 30 }, (_, i) => {
      const peer = new RawPeer(s.port);
      void peer.connected.then(() => peer.write(i % 2 === 0 ? opening : greetingBytes({ mechanism: "CURVE" }).subarray(0, 20)));
      return peer;
    });
    await Promise.all(idle.map((p) => p.closed));
    // All connections but the good client's are gone.
    const deadline = Date.now() + 5000;
    while (s.live() > 1 && Date.now() < deadline) await sleep(20);
    expect(s.live()).toBe(1);
    expect(s.maxLive).toBeLessThanOrEqual(1 + CONCURRENT + 30);
    expect(s.events.counts.get("accept")).toBe(1 + FLOOD + 30);
    // The idle ones timed out, as handshake:error:other (EAGAIN), and none finished a handshake.
    expect(s.events.counts.get("handshake:error:other") ?? 0).toBeGreaterThanOrEqual(30);
    const timeouts = s.events.events.filter((e) => e.type === "handshake:error:other" && e.error.code === "EAGAIN").length;
    expect(timeouts).toBe(30);
    expect(s.events.counts.get("handshake")).toBe(1);
    await good.more(10);
    const heapAfter = heap();
    if (gc) {
      // 1,030 connections' worth of state would be far more than this if any of it stayed.
      expect(heapAfter - heapBefore).toBeLessThan(16 * 1024 * 1024);
    }
    await good.stop();
    expect(good.others).toEqual([]);
    console.log(
      `curve robustness: ${FLOOD} HELLOs on fresh connections in ${floodMs} ms, ${CONCURRENT} at a time; at most ${s.maxLive} live connections; ` +
        `${good.received()} good messages; heap ${gc ? `${((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MiB after gc` : "not measured (no gc)"}`,
    );
  });
});
