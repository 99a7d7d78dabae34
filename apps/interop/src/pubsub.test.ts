// Publish-subscribe interop: zmq-ts's Publisher, Subscriber, XPublisher and
// XSubscriber (@zmq/zeromq) against real peers.
//
// The matrix: PUB-SUB, XPUB-SUB, PUB-XSUB and XPUB-XSUB with our socket as
// the publisher or the subscriber and either side binding, over {tcp, ipc} x
// {libzmq 4.3.5 in process (npm zeromq), pyzmq on Debian's libzmq 4.3.4},
// plus JeroMQ 0.3.6 (ZMTP 2.0: subscriptions travel as 0x01/0x00-prefixed data
// frames) over tcp. Every cell subscribes before and after connecting,
// checks prefix filtering (messages that match nothing must not arrive),
// multipart messages with empty frames, unsubscribing, and subscribing to
// everything ("").
//
// Then focused tests: the exact subscription and cancel bytes our SUB sends
// to ZMTP 3.1 / 3.0 / 2.0 publishers (byte-identical to libzmq's SUB); XPUBs
// on both sides reporting subscriptions, counted re-subscriptions, cancels and
// the last-unsubscribe when a subscriber goes away; the publisher restarting
// on the same endpoint (the subscriber re-subscribes and receives again); and
// 10,000 topics each way.
//
// Waiting is by events, never by a bare sleep. There is no event for "the
// subscription has reached the publisher", so: when the publisher is an XPUB,
// its receive() of the subscription message is that event; when it is a
// PUB, it publishes a probe on the subscribed topic in a loop until the
// subscriber receives one (bounded by a deadline). A PUB-side unsubscribe is
// synchronised by subscribing to a fresh topic after it and probing that one:
// one connection carries (un)subscriptions in order. That a message which
// matches nothing did not arrive is shown by order: it is published before a
// matching one, and the matching one must be the next message received.
// libzmq and JeroMQ subscribers act on a new bind-side connection or a
// reconnect only while the application is using the socket, so a peer's
// subscriber is kept in receive() while an XPUB of ours waits on it (see
// awaitSubscribed).
import { type Socket as NetSocket, createServer } from "node:net";
import { createCleanup, greetingBytes, hex, later, nextEvent, retryInUse } from "@zmq/kernel/testing";
import { Publisher, Subscriber, XPublisher, XSubscriber } from "@zmq/zeromq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as zmq from "zeromq";
import {
  type Frame,
  type Peer,
  type PeerKind,
  type PeerSocketOptions,
  type PeerSocketType,
  ipcEndpoint,
  prepareJava,
  removeTempDirs,
  startPeer,
  stopAllPeers,
} from "./peers.js";

type Ours = Publisher | Subscriber | XPublisher | XSubscriber;
type Transport = "tcp" | "ipc";
type Role = "pub" | "sub";
type PubType = "PUB" | "XPUB";
type SubType = "SUB" | "XSUB";

/** Our sockets fail a stuck send or receive after this long, well inside the test timeouts. */
const IO_TIMEOUT = 8_000;
/** How long a probe loop may run before the subscription is declared lost. */
const SYNC_DEADLINE = 5_000;

const ourSockets = createCleanup<Ours>();
const cleanups = createCleanup();
afterEach(async () => {
  ourSockets.closeAll();
  cleanups.closeAll();
  await stopAllPeers();
});
beforeAll(prepareJava, 60_000);
afterAll(removeTempDirs);

const ours = ourSockets.track;

/** Our socket of a type, with the timeouts its type has (as in zeromq.js). */
function ourSocket(type: PubType | SubType, extra: { sendHighWaterMark?: number; receiveHighWaterMark?: number } = {}): Ours {
  switch (type) {
    case "PUB":
      return ours(new Publisher({ linger: 0, sendTimeout: IO_TIMEOUT, ...extra }));
    case "SUB":
      return ours(new Subscriber({ linger: 0, receiveTimeout: IO_TIMEOUT, ...extra }));
    case "XPUB":
      return ours(new XPublisher({ linger: 0, sendTimeout: IO_TIMEOUT, receiveTimeout: IO_TIMEOUT, ...extra }));
    case "XSUB":
      return ours(new XSubscriber({ linger: 0, sendTimeout: IO_TIMEOUT, receiveTimeout: IO_TIMEOUT, ...extra }));
  }
}

const buf = (f: Frame): Buffer => (typeof f === "string" ? Buffer.from(f) : Buffer.from(f));
/** A subscription message as an XPUB hands it over, or an XSUB sends it: 01 topic / 00 topic. */
const subMsg = (on: boolean, topic: Frame): Buffer => Buffer.concat([Buffer.from([on ? 1 : 0]), buf(topic)]);
const address = (transport: Transport, label: string): string => (transport === "tcp" ? "tcp://127.0.0.1:*" : ipcEndpoint(label));
const peerName: Record<PeerKind, string> = { libzmq: "libzmq 4.3.5", pyzmq: "pyzmq (libzmq 4.3.4)", jeromq: "JeroMQ 0.3.6" };
const KINDS = [
  { kind: "libzmq", transport: "tcp" },
  { kind: "libzmq", transport: "ipc" },
  { kind: "pyzmq", transport: "tcp" },
  { kind: "pyzmq", transport: "ipc" },
  { kind: "jeromq", transport: "tcp" },
] as const;

// ---- the two ends of a link, whoever's sockets they are ------------------------------------

interface PubEnd {
  readonly type: PubType;
  send(frames: Frame[]): Promise<void>;
  /** XPUB: the next subscription message it hands to the application. */
  nextSubscription(): Promise<Buffer[]>;
}

interface SubEnd {
  readonly type: SubType;
  /** A peer's socket (driven through commands), not ours. */
  readonly remote: boolean;
  /** SUB: subscribe(); XSUB: sends 01 topic. */
  subscribe(topic: Frame): Promise<void>;
  /** SUB: unsubscribe(); XSUB: sends 00 topic. */
  unsubscribe(topic: Frame): Promise<void>;
  /** The next message, probes included. */
  receive(): Promise<Buffer[]>;
}

function ourPubEnd(socket: Publisher | XPublisher, type: PubType): PubEnd {
  return {
    type,
    send: (frames) => socket.send(frames),
    nextSubscription: () => (socket as XPublisher).receive(),
  };
}

function ourSubEnd(socket: Subscriber | XSubscriber, type: SubType): SubEnd {
  const change = (on: boolean, topic: Frame): Promise<void> => {
    if (type === "XSUB") return (socket as XSubscriber).send(subMsg(on, topic));
    if (on) (socket as Subscriber).subscribe(buf(topic));
    else (socket as Subscriber).unsubscribe(buf(topic));
    return Promise.resolve();
  };
  return {
    type,
    remote: false,
    subscribe: (topic) => change(true, topic),
    unsubscribe: (topic) => change(false, topic),
    receive: () => socket.receive(),
  };
}

function peerPubEnd(peer: () => Peer, name: string, type: PubType): PubEnd {
  return {
    type,
    send: (frames) => peer().send(name, frames),
    nextSubscription: () => peer().recvFrames(name),
  };
}

function peerSubEnd(peer: () => Peer, name: string, type: SubType): SubEnd {
  const change = (on: boolean, topic: Frame): Promise<void> => {
    if (type === "XSUB") return peer().send(name, [subMsg(on, topic)]);
    return on ? peer().subscribe(name, [topic]) : peer().unsubscribe(name, [topic]);
  };
  return {
    type,
    remote: true,
    subscribe: (topic) => change(true, topic),
    unsubscribe: (topic) => change(false, topic),
    receive: () => peer().recvFrames(name),
  };
}

// ---- synchronisation ------------------------------------------------------------------------

const PROBE = "!probe";
const isProbe = (frames: Buffer[]): boolean => frames.length === 1 && frames[0]!.toString("latin1").endsWith(PROBE);

/** The next message that is not a probe (probes still in flight after a sync are skipped). */
async function receiveData(sub: SubEnd): Promise<Buffer[]> {
  for (;;) {
    const frames = await sub.receive();
    if (!isProbe(frames)) return frames;
  }
}

const probeOf = (topic: Frame): Buffer => Buffer.concat([buf(topic), Buffer.from(PROBE)]);

/** Receives until the probe for `topic`, skipping older probes; any other message is an error. */
async function receiveProbe(sub: SubEnd, topic: Frame): Promise<void> {
  const probe = probeOf(topic);
  for (;;) {
    const frames = await sub.receive();
    if (!isProbe(frames)) throw new Error(`a message arrived while waiting for ${JSON.stringify(probe.toString())}: ${hex(frames).join(" ")}`);
    if (frames[0]!.equals(probe)) return;
  }
}

/**
 * Publishes `topic + "!probe"` every 20 ms until the subscriber receives a
 * probe for that topic: then every subscription sent before `topic`'s has
 * reached the publisher too.
 */
async function probeUntilReceived(pub: PubEnd, sub: SubEnd, topic: Frame): Promise<void> {
  let arrived = false;
  const got = later(receiveProbe(sub, topic).then(() => (arrived = true)));
  const deadline = Date.now() + SYNC_DEADLINE;
  let probes = 0;
  while (!arrived) {
    if (Date.now() > deadline)
      throw new Error(`no ${JSON.stringify(probeOf(topic).toString())} arrived after ${probes} probes in ${SYNC_DEADLINE} ms`);
    await pub.send([probeOf(topic)]);
    probes++;
    await Promise.race([got, new Promise((r) => setTimeout(r, 20))]);
  }
  await got;
}

let syncCounter = 0;

/** Subscribes, and returns once the publisher has the subscription (an XPUB must report exactly it). */
async function subscribeSynced(pub: PubEnd, sub: SubEnd, topic: Frame): Promise<void> {
  await sub.subscribe(topic);
  await awaitSubscribed(pub, sub, topic);
}

/**
 * Returns once the publisher has `topic`'s subscription. An XPUB's report
 * of it is the event. libzmq and JeroMQ run a socket's pending commands,
 * such as attaching a binding socket's new connection (which sends the
 * subscriptions made so far) or re-sending subscriptions after a
 * reconnect, only while the application uses the socket: a real subscriber
 * sits in receive(), so a peer's does here, until a probe published once
 * the XPUB has reported the subscription.
 */
async function awaitSubscribed(pub: PubEnd, sub: SubEnd, topic: Frame): Promise<void> {
  if (pub.type === "PUB") {
    await probeUntilReceived(pub, sub, topic);
    return;
  }
  const receiving = sub.remote ? later(receiveProbe(sub, topic)) : undefined;
  expect(hex(await pub.nextSubscription())).toEqual(hex([subMsg(true, topic)]));
  if (receiving) {
    await pub.send([probeOf(topic)]);
    await receiving;
  }
}

/** Unsubscribes, and returns once the publisher has the cancel. */
async function unsubscribeSynced(pub: PubEnd, sub: SubEnd, topic: Frame): Promise<void> {
  await sub.unsubscribe(topic);
  if (pub.type === "XPUB") {
    expect(hex(await pub.nextSubscription())).toEqual(hex([subMsg(false, topic)]));
  } else {
    await subscribeSynced(pub, sub, `sync${++syncCounter}`);
  }
}

// ---- the matrix -------------------------------------------------------------------------------

interface Cell {
  pubType: PubType;
  subType: SubType;
  kind: PeerKind;
  transport: Transport;
  /** Which side is our socket. */
  we: Role;
  /** Which side binds. */
  binder: Role;
}

const MULTIPART: Frame[] = ["news/sport", "", "goal", "", Buffer.from([0, 1, 2, 0xff]), Buffer.alloc(300, 7), ""];

async function runCell(cell: Cell): Promise<void> {
  const { pubType, subType, kind, transport, we, binder } = cell;
  const peer = await startPeer(kind);
  const thePeer = (): Peer => peer;
  const types: Record<Role, PeerSocketType> = { pub: pubType, sub: subType };
  const other: Role = we === "pub" ? "sub" : "pub";

  // Our socket and the peer's; the subscriber's first subscription is made before anything connects.
  const mine = ourSocket(types[we] as PubType | SubType);
  const pub = we === "pub" ? ourPubEnd(mine as Publisher | XPublisher, pubType) : peerPubEnd(thePeer, "pub", pubType);
  const sub = we === "sub" ? ourSubEnd(mine as Subscriber | XSubscriber, subType) : peerSubEnd(thePeer, "sub", subType);

  const label = `${pubType}-${subType}-${binder}`;
  if (binder === we) {
    if (we === "sub") await sub.subscribe("A");
    await mine.bind(address(transport, label));
    await peer.open(other, types[other], "connect", mine.lastEndpoint!);
    if (we === "pub") await sub.subscribe("A");
  } else {
    const endpoint = await peer.open(other, types[other], "bind", address(transport, label));
    if (we === "sub") await sub.subscribe("A");
    mine.connect(endpoint);
    if (we === "pub") await sub.subscribe("A");
  }
  // "A" before the connection for our subscriber (and for a binding peer's, before we connect).
  await awaitSubscribed(pub, sub, "A");
  // "news/" after it.
  await subscribeSynced(pub, sub, "news/");

  // Prefix filtering, multipart messages, empty frames.
  for (const message of [
    ["news", "shorter than the subscription"],
    ["nEws/x"],
    ["", "empty topic"],
    ["B", "other"],
    MULTIPART,
    ["a"],
    ["Alpha", ""],
    ["zzz"],
    ["A"],
  ]) {
    await pub.send(message);
  }
  expect(hex(await receiveData(sub))).toEqual(hex(MULTIPART));
  expect(hex(await receiveData(sub))).toEqual(hex(["Alpha", ""]));
  expect(hex(await receiveData(sub))).toEqual(hex(["A"]));

  // Unsubscribe.
  await unsubscribeSynced(pub, sub, "A");
  await pub.send(["Alpha", "after the unsubscribe"]);
  await pub.send(["news/after"]);
  expect(hex(await receiveData(sub))).toEqual(hex(["news/after"]));

  // Everything.
  await subscribeSynced(pub, sub, "");
  await pub.send(["zzz", "anything"]);
  expect(hex(await receiveData(sub))).toEqual(hex(["zzz", "anything"]));

  // An XSUB's other messages reach an XPUB's application (JeroMQ 0.3.6's XSUB sends only subscriptions).
  if (pubType === "XPUB" && subType === "XSUB" && !(we === "pub" && kind === "jeromq")) {
    const upstream: Frame[] = ["upstream", "", "data"];
    if (we === "sub") await (mine as XSubscriber).send(upstream);
    else await peer.send("sub", upstream);
    expect(hex(await pub.nextSubscription())).toEqual(hex(upstream));
  }
}

function cells(): Cell[] {
  const out: Cell[] = [];
  for (const [pubType, subType] of [
    ["PUB", "SUB"],
    ["XPUB", "SUB"],
    ["PUB", "XSUB"],
    ["XPUB", "XSUB"],
  ] as const) {
    for (const { kind, transport } of KINDS) {
      for (const we of ["pub", "sub"] as const) {
        for (const binder of ["pub", "sub"] as const) out.push({ pubType, subType, kind, transport, we, binder });
      }
    }
  }
  return out;
}

describe("publish-subscribe matrix", () => {
  for (const cell of cells()) {
    const ourType = cell.we === "pub" ? cell.pubType : cell.subType;
    const theirType = cell.we === "pub" ? cell.subType : cell.pubType;
    const binds = cell.binder === cell.we ? "we bind" : "we connect";
    it(`our ${ourType} with a ${peerName[cell.kind]} ${theirType} over ${cell.transport}, ${binds}`, async () => {
      await runCell(cell);
    }, 15_000);
  }
});

// ---- byte-level: how our SUB subscribes ------------------------------------------------------

/** READY with Socket-Type XPUB, as a command frame. */
function readyXpub(): Buffer {
  const body = Buffer.concat([Buffer.from("\x05READY\x0bSocket-Type"), Buffer.from([0, 0, 0, 4]), Buffer.from("XPUB")]);
  return Buffer.concat([Buffer.from([0x04, body.length]), body]);
}

/** Offsets just past each complete frame in bytes[from...] (short and long frames, 2.0 and 3.x flags alike). */
function frameEnds(bytes: Buffer, from: number): number[] {
  const ends: number[] = [];
  let off = from;
  while (off + 2 <= bytes.length) {
    const long = (bytes[off]! & 0x02) !== 0;
    const header = long ? 9 : 2;
    if (bytes.length < off + header) break;
    const size = long ? Number(bytes.readBigUInt64BE(off + 1)) : bytes[off + 1]!;
    if (bytes.length < off + header + size) break;
    off += header + size;
    ends.push(off);
  }
  return ends;
}

type Protocol = "ZMTP 3.1" | "ZMTP 3.0" | "ZMTP 2.0";

interface SubscribingSocket {
  subscribe(...topics: string[]): void;
  unsubscribe(...topics: string[]): void;
  connect(endpoint: string): void;
}

/**
 * Plays a raw XPUB speaking `protocol` to a SUB that subscribed to "A"
 * before connecting; once the subscription is in, has the SUB unsubscribe.
 * Resolves everything the SUB sent, through the cancel.
 */
async function subscriptionBytes(sub: SubscribingSocket, protocol: Protocol): Promise<{ bytes: Buffer; frames: Buffer[] }> {
  const server = createServer();
  cleanups.defer(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const accepted = new Promise<NetSocket>((resolve) => server.once("connection", resolve));
  sub.subscribe("A");
  sub.connect(`tcp://127.0.0.1:${port}`);
  const conn = await accepted;
  cleanups.defer(() => conn.destroy());

  // 3.x: greeting + READY at once; 2.0 (as JeroMQ 0.3.6): the signature, then
  // once the SUB's signature is in, revision 01, socket type XPUB (9) and an empty identity.
  const v2 = protocol === "ZMTP 2.0";
  const hello = v2 ? greetingBytes().subarray(0, 10) : Buffer.concat([greetingBytes({ minor: protocol === "ZMTP 3.1" ? 1 : 0 }), readyXpub()]);
  const frameStart = v2 ? 12 : 64;
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    let replied = false;
    let unsubscribed = false;
    conn.on("error", reject);
    conn.on("close", () => reject(new Error(`connection closed after ${got.length} bytes: ${got.toString("hex")}`)));
    conn.on("data", (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (v2 && !replied && got.length >= 10) {
        replied = true;
        conn.write(Buffer.from([0x01, 0x09, 0x00, 0x00]));
      }
      if (got.length < frameStart) return;
      // Frame 1: READY (3.x) or the identity (2.0); frame 2: subscribe A; frame 3: cancel A.
      const ends = frameEnds(got, frameStart);
      if (ends.length >= 2 && !unsubscribed) {
        unsubscribed = true;
        sub.unsubscribe("A");
      }
      if (ends.length >= 3) {
        const bytes = got.subarray(0, ends[2]);
        resolve({ bytes, frames: [bytes.subarray(ends[0], ends[1]), bytes.subarray(ends[1], ends[2])] });
        conn.destroy();
      }
    });
    conn.write(hello);
  });
}

describe("byte-level: our SUB's subscriptions and cancels match libzmq's", () => {
  const expected: Record<Protocol, [string, string]> = {
    // ZMTP 3.1: SUBSCRIBE and CANCEL commands.
    "ZMTP 3.1": ["040b" + Buffer.from("\x09SUBSCRIBEA").toString("hex"), "0408" + Buffer.from("\x06CANCELA").toString("hex")],
    // ZMTP 3.0 and 2.0: data frames 01 topic / 00 topic.
    "ZMTP 3.0": ["00020141", "00020041"],
    "ZMTP 2.0": ["00020141", "00020041"],
  };
  for (const protocol of ["ZMTP 3.1", "ZMTP 3.0", "ZMTP 2.0"] as const) {
    it(`to a ${protocol} XPUB: greeting, handshake, subscribe and cancel byte-identical`, async () => {
      const mine = await subscriptionBytes(ours(new Subscriber({ linger: 0 })), protocol);
      const libzmqSub = new zmq.Subscriber({ linger: 0 });
      cleanups.defer(() => libzmqSub.close());
      const theirs = await subscriptionBytes(libzmqSub, protocol);
      expect(theirs.frames.map((f) => f.toString("hex"))).toEqual(expected[protocol]);
      expect(mine.frames.map((f) => f.toString("hex"))).toEqual(expected[protocol]);
      expect(mine.bytes.toString("hex")).toBe(theirs.bytes.toString("hex"));
    }, 10_000);
  }
});

// ---- XPUB: subscriptions, counted re-subscriptions, cancels, disconnects ------------------------

describe("XPUB sees subscriptions and cancels", () => {
  for (const { kind, transport } of KINDS) {
    // A SUB counts its subscriptions: two subscribe("A") send two, and only
    // the second unsubscribe("A") sends a cancel. A verbose XPUB reports
    // every subscription; any XPUB reports a cancel when a topic loses its
    // last subscriber, and a subscriber that goes away cancels all of its topics.
    it(`a verbose ${peerName[kind]} XPUB sees our SUB's counted subscriptions, cancels and disconnect over ${transport}`, async () => {
      const peer = await startPeer(kind);
      const endpoint = await peer.open("xpub", "XPUB", "bind", address(transport, "xpub"), { xpub_verbose: true });
      const sub = ourSocket("SUB") as Subscriber;
      sub.subscribe("A");
      sub.connect(endpoint);
      const next = async (): Promise<string> => hex(await peer.recvFrames("xpub")).join(" ");
      expect(await next()).toBe(subMsg(true, "A").toString("hex"));
      sub.subscribe("A");
      expect(await next()).toBe(subMsg(true, "A").toString("hex"));
      sub.subscribe("B");
      expect(await next()).toBe(subMsg(true, "B").toString("hex"));
      sub.unsubscribe("A"); // still subscribed once: no cancel
      sub.subscribe("sync");
      expect(await next()).toBe(subMsg(true, "sync").toString("hex"));
      sub.unsubscribe("A");
      expect(await next()).toBe(subMsg(false, "A").toString("hex"));
      // The published side still works.
      await peer.send("xpub", ["B", "data"]);
      expect((await sub.receive()).map(String)).toEqual(["B", "data"]);

      sub.close();
      const cancels = [await next(), await next()].sort();
      expect(cancels).toEqual([subMsg(false, "B"), subMsg(false, "sync")].map((b) => b.toString("hex")).sort());
    }, 15_000);

    it(`our XPUB sees a ${peerName[kind]} SUB's counted subscriptions, cancels and disconnect over ${transport}`, async () => {
      const peer = await startPeer(kind);
      const xpub = ours(new XPublisher({ linger: 0, sendTimeout: IO_TIMEOUT, receiveTimeout: IO_TIMEOUT, verbosity: "allSubs" }));
      await xpub.bind(address(transport, "xpub"));
      await peer.open("sub", "SUB", "connect", xpub.lastEndpoint!);
      await peer.subscribe("sub", ["A"]);
      const next = async (): Promise<string> => hex(await xpub.receive()).join(" ");
      expect(await next()).toBe(subMsg(true, "A").toString("hex"));
      await peer.subscribe("sub", ["A"]);
      expect(await next()).toBe(subMsg(true, "A").toString("hex"));
      await peer.subscribe("sub", ["B"]);
      expect(await next()).toBe(subMsg(true, "B").toString("hex"));
      await peer.unsubscribe("sub", ["A"]);
      await peer.subscribe("sub", ["sync"]);
      expect(await next()).toBe(subMsg(true, "sync").toString("hex"));
      await peer.unsubscribe("sub", ["A"]);
      expect(await next()).toBe(subMsg(false, "A").toString("hex"));
      await xpub.send(["A", "unsubscribed"]);
      await xpub.send(["B", "data"]);
      expect((await peer.recvFrames("sub")).map(String)).toEqual(["B", "data"]);

      await peer.close("sub");
      const cancels = [await next(), await next()].sort();
      expect(cancels).toEqual([subMsg(false, "B"), subMsg(false, "sync")].map((b) => b.toString("hex")).sort());
    }, 15_000);

    // Without verbosity: a topic is reported when it gets its first
    // subscriber and cancelled when it loses its last, across connections.
    it(`our XPUB reports first subscriptions and last cancels across two ${peerName[kind]} SUBs over ${transport}`, async () => {
      const peer = await startPeer(kind);
      const xpub = ours(new XPublisher({ linger: 0, sendTimeout: IO_TIMEOUT, receiveTimeout: IO_TIMEOUT }));
      await xpub.bind(address(transport, "xpub"));
      const next = async (): Promise<string> => hex(await xpub.receive()).join(" ");
      await peer.open("s1", "SUB", "connect", xpub.lastEndpoint!);
      await peer.subscribe("s1", ["A"]);
      expect(await next()).toBe(subMsg(true, "A").toString("hex"));
      await peer.open("s2", "SUB", "connect", xpub.lastEndpoint!);
      await peer.subscribe("s2", ["A"]); // not reported: A has a subscriber
      await peer.subscribe("s2", ["sync"]);
      expect(await next()).toBe(subMsg(true, "sync").toString("hex"));
      // Both get A.
      await xpub.send(["A", "for both"]);
      expect((await peer.recvFrames("s1")).map(String)).toEqual(["A", "for both"]);
      expect((await peer.recvFrames("s2")).map(String)).toEqual(["A", "for both"]);

      await peer.close("s1"); // A keeps s2: nothing reported
      await peer.subscribe("s2", ["sync2"]);
      expect(await next()).toBe(subMsg(true, "sync2").toString("hex"));
      await peer.close("s2");
      const cancels = [await next(), await next(), await next()].sort();
      expect(cancels).toEqual([subMsg(false, "A"), subMsg(false, "sync"), subMsg(false, "sync2")].map((b) => b.toString("hex")).sort());
    }, 15_000);
  }

  for (const kind of ["libzmq", "pyzmq"] as const) {
    it(`our XPUB's welcome message reaches a ${peerName[kind]} SUB subscribed to it`, async () => {
      const peer = await startPeer(kind);
      const xpub = ours(new XPublisher({ linger: 0, sendTimeout: IO_TIMEOUT, receiveTimeout: IO_TIMEOUT, welcomeMessage: "W:hello" }));
      await xpub.bind("tcp://127.0.0.1:*");
      // Subscribed before connecting, so that its own filter lets the welcome through.
      await peer.open("sub", "SUB", "connect", "tcp://127.0.0.1:1");
      await peer.subscribe("sub", ["W:"]);
      await peer.connect("sub", xpub.lastEndpoint!);
      expect((await peer.recvFrames("sub")).map(String)).toEqual(["W:hello"]);
      expect(hex(await xpub.receive())).toEqual(hex([subMsg(true, "W:")]));
    }, 15_000);
  }
});

// ---- restarts -----------------------------------------------------------------------------------

/** Reads n subscription messages from an XPUB; resolves them as sorted hex (a re-subscription's order is the trie's). */
async function subscriptions(pub: PubEnd, n: number): Promise<string[]> {
  const got: string[] = [];
  for (let i = 0; i < n; i++) got.push(hex(await pub.nextSubscription()).join(" "));
  return got.sort();
}

const AB = [subMsg(true, "A"), subMsg(true, "B")].map((b) => b.toString("hex")).sort();

describe("the publisher restarts on the same endpoint", () => {
  for (const { kind, transport } of KINDS) {
    for (const pubType of ["XPUB", "PUB"] as const) {
      it(`our connecting SUB re-subscribes to a restarted ${peerName[kind]} ${pubType} over ${transport}`, async () => {
        let peer = await startPeer(kind);
        const endpoint = await peer.open("pub", pubType, "bind", address(transport, "pub"));
        const mine = ourSocket("SUB") as Subscriber;
        const sub = ourSubEnd(mine, "SUB");
        const pub = peerPubEnd(() => peer, "pub", pubType);
        mine.subscribe("A", "B");
        mine.connect(endpoint);
        if (pubType === "XPUB") expect(await subscriptions(pub, 2)).toEqual(AB);
        else await probeUntilReceived(pub, sub, "A");
        await pub.send(["B", "before"]);
        expect((await receiveData(sub)).map(String)).toEqual(["B", "before"]);

        const gone = nextEvent(mine, "disconnect");
        await peer.stop();
        await gone;
        peer = await startPeer(kind);
        await peer.open("pub", pubType, "bind", endpoint);
        if (pubType === "XPUB") expect(await subscriptions(pub, 2)).toEqual(AB);
        else await probeUntilReceived(pub, sub, "B");
        await pub.send(["C", "not subscribed"]);
        await pub.send(["A", "after"]);
        expect((await receiveData(sub)).map(String)).toEqual(["A", "after"]);
      }, 15_000);
    }

    it(`a ${peerName[kind]} SUB re-subscribes to our restarted XPUB over ${transport}`, async () => {
      const peer = await startPeer(kind);
      let xpub = ourSocket("XPUB") as XPublisher;
      await xpub.bind(address(transport, "xpub"));
      const endpoint = xpub.lastEndpoint!;
      await peer.open("sub", "SUB", "connect", endpoint, { reconnect_ivl: 50 });
      await peer.subscribe("sub", ["A"]);
      await peer.subscribe("sub", ["B"]);
      const pub = (): PubEnd => ourPubEnd(xpub, "XPUB");
      expect(await subscriptions(pub(), 2)).toEqual(AB);
      await xpub.send(["A", "before"]);
      expect((await peer.recvFrames("sub")).map(String)).toEqual(["A", "before"]);

      // Their SUB re-sends its subscriptions only while it is in receive() (see awaitSubscribed).
      const received = later(peer.recvFrames("sub"));
      xpub.close();
      xpub = ourSocket("XPUB") as XPublisher;
      const again = xpub;
      await retryInUse(() => again.bind(endpoint));
      expect(await subscriptions(pub(), 2)).toEqual(AB);
      await xpub.send(["C", "not subscribed"]);
      await xpub.send(["B", "after"]);
      expect((await received).map(String)).toEqual(["B", "after"]);
    }, 15_000);

    it(`our binding SUB subscribes a restarted ${peerName[kind]} XPUB that connects again over ${transport}`, async () => {
      let peer = await startPeer(kind);
      const mine = ourSocket("SUB") as Subscriber;
      mine.subscribe("A", "B");
      await mine.bind(address(transport, "sub"));
      const endpoint = mine.lastEndpoint!;
      const sub = ourSubEnd(mine, "SUB");
      const pub = peerPubEnd(() => peer, "pub", "XPUB");
      await peer.open("pub", "XPUB", "connect", endpoint);
      expect(await subscriptions(pub, 2)).toEqual(AB);
      await pub.send(["A", "before"]);
      expect((await sub.receive()).map(String)).toEqual(["A", "before"]);

      const gone = nextEvent(mine, "disconnect");
      await peer.stop();
      await gone;
      peer = await startPeer(kind);
      await peer.open("pub", "XPUB", "connect", endpoint);
      expect(await subscriptions(pub, 2)).toEqual(AB);
      await pub.send(["C", "not subscribed"]);
      await pub.send(["B", "after"]);
      expect((await sub.receive()).map(String)).toEqual(["B", "after"]);
    }, 15_000);
  }
});

// ---- 10,000 topics ------------------------------------------------------------------------------

const TOPICS = 10_000;
/** Fixed width, so no topic is a prefix of another. */
const topic = (i: number): string => `t/${String(i).padStart(5, "0")}/`;
/** Every third topic is unsubscribed again. */
const kept = (i: number): boolean => i % 3 !== 1;
const ALL = Array.from({ length: TOPICS }, (_, i) => topic(i));
const KEPT = ALL.filter((_, i) => kept(i));
/** Published after every topic: each must arrive (plus an extra suffix), in order; then the end marker. */
const published = (): string[] => [...ALL.map((t) => `${t}x`), "u/never subscribed", "sync/end"];
const wanted = (): string[] => [...KEPT.map((t) => `${t}x`), "sync/end"];
/**
 * Subscriptions and messages go through pipes with high-water marks; libzmq
 * drops subscriptions past SNDHWM (xsub.cpp: "drop the subscription message
 * instead") and a PUB drops messages past it, so this test lifts them (0 is
 * unlimited), as an application sending 10,000 at once must.
 */
const UNLIMITED = { sendHighWaterMark: 0, receiveHighWaterMark: 0 };
const PEER_UNLIMITED: PeerSocketOptions = { sndhwm: 0, rcvhwm: 0 };

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

describe("10,000 topics", () => {
  for (const { kind, transport } of KINDS) {
    if (transport === "ipc") continue;
    it(`our SUB subscribes to 10,000 topics at a ${peerName[kind]} PUB: exactly the subscribed ones arrive`, async () => {
      const peer = await startPeer(kind);
      const endpoint = await peer.open("pub", "PUB", "bind", "tcp://127.0.0.1:*", PEER_UNLIMITED);
      const mine = ourSocket("SUB", UNLIMITED) as Subscriber;
      // Half before connecting, half after.
      mine.subscribe(...ALL.slice(0, TOPICS / 2));
      mine.connect(endpoint);
      mine.subscribe(...ALL.slice(TOPICS / 2));
      mine.unsubscribe(...ALL.filter((_, i) => !kept(i)));
      const sub = ourSubEnd(mine, "SUB");
      await subscribeSynced(
        peerPubEnd(() => peer, "pub", "PUB"),
        sub,
        "sync",
      );

      const sending = later(
        (async () => {
          for (const part of chunks(published(), 2500)) await peer.sendEach("pub", part);
        })(),
      );
      const got: string[] = [];
      while (got.at(-1) !== "sync/end") {
        const frames = await receiveData(sub);
        got.push(frames[0]!.toString());
      }
      await sending;
      expect(got.length).toBe(wanted().length);
      expect(got).toEqual(wanted());
    }, 30_000);

    it(`a ${peerName[kind]} SUB subscribes to 10,000 topics at our XPUB: it sees them all, exactly the subscribed ones arrive`, async () => {
      const peer = await startPeer(kind);
      const xpub = ourSocket("XPUB", UNLIMITED) as XPublisher;
      await xpub.bind("tcp://127.0.0.1:*");
      await peer.open("sub", "SUB", "connect", xpub.lastEndpoint!, PEER_UNLIMITED);
      const subscribing = later(
        (async () => {
          for (const part of chunks(ALL, 2000)) await peer.subscribe("sub", part);
          await peer.unsubscribe(
            "sub",
            ALL.filter((_, i) => !kept(i)),
          );
          await peer.subscribe("sub", ["sync"]);
        })(),
      );
      // Our XPUB's view: every first subscription and every cancel, in order, until "sync".
      const live = new Set<string>();
      let subs = 0;
      let cancels = 0;
      for (;;) {
        const [frame] = await xpub.receive();
        const t = frame!.subarray(1).toString();
        if (frame![0] === 1) {
          subs++;
          live.add(t);
        } else {
          cancels++;
          live.delete(t);
        }
        if (t === "sync") break;
      }
      await subscribing;
      expect(subs).toBe(TOPICS + 1);
      expect(cancels).toBe(TOPICS - KEPT.length);
      expect([...live].sort()).toEqual([...KEPT, "sync"].sort());

      const received = later(peer.recvFirst("sub", wanted().length));
      for (const t of published()) await xpub.send(t);
      expect((await received).map(String)).toEqual(wanted());
    }, 30_000);
  }
});
