// The interop matrix: zmq-ts's Push/Pull and Pair (@zmq/zeromq) against real
// peers. For each pattern: {tcp, ipc} x {we bind, we connect} x {libzmq 4.3.5
// in process (npm zeromq), pyzmq on Debian's libzmq 4.3.4}, plus JeroMQ 0.3.6
// (ZMTP 2.0) over tcp with either side binding. Every cell checks, both ways:
// multipart messages with empty frames, a 1 MiB and a 16 MiB message (by
// length and SHA-256), 10,000 messages in order with none lost, and delivery
// after the peer restarts on the same endpoint. A last block checks that our
// greeting and READY (or HELLO) are byte-identical to libzmq's.
//
// Push/Pull cells use two channels, our Push -> peer PULL ("in") and peer
// PUSH -> our Pull ("out"); Pair cells use one PAIR channel both ways.
import { randomBytes } from "node:crypto";
import { type Socket as NetSocket, connect as netConnect, createServer } from "node:net";
import { createCleanup, greetingBytes, hex, later, nextEvent } from "@zmq/kernel/testing";
import { Pair, Pull, Push } from "@zmq/zeromq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as zmq from "zeromq";
import {
  type Frame,
  type Peer,
  type PeerKind,
  type PeerMode,
  type PeerSocketType,
  digest,
  ipcEndpoint,
  prepareJava,
  removeTempDirs,
  seqMessage,
  seqMismatch,
  startPeer,
  stopAllPeers,
} from "./peers.js";

type Ours = Push | Pull | Pair;
type Transport = "tcp" | "ipc";
type Pattern = "push-pull" | "pair";

/** Our sockets fail a stuck send or receive after this long instead of hanging the test. */
const IO_TIMEOUT = 20_000;
// Only the options each type has in zeromq.js, so that this code runs there too.
const PUSH_OPTIONS = { linger: 0, sendTimeout: IO_TIMEOUT };
const PULL_OPTIONS = { linger: 0, receiveTimeout: IO_TIMEOUT };
const PAIR_OPTIONS = { ...PUSH_OPTIONS, ...PULL_OPTIONS };

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

// ---- cells ----------------------------------------------------------------------

interface Channel {
  /** The peer socket's name. */
  name: string;
  peerType: PeerSocketType;
  socket: Ours;
  /** The resolved endpoint (the same one again after a restart). */
  endpoint: string;
}

interface Link {
  peer: Peer;
  /** Our socket that sends to the peer socket `toPeer`. */
  sender: Push | Pair;
  toPeer: string;
  /** Our socket that receives from the peer socket `fromPeer`. */
  receiver: Pull | Pair;
  fromPeer: string;
  /** Kills the peer, waits for our side to see the disconnect, starts a new peer on the same endpoints. */
  restart(beforeNewPeer?: () => void): Promise<void>;
}

interface Cell {
  pattern: Pattern;
  transport: Transport;
  we: PeerMode;
  kind: PeerKind;
}

async function openLink({ pattern, transport, we, kind }: Cell): Promise<Link> {
  const peerMode: PeerMode = we === "bind" ? "connect" : "bind";
  const channels: Channel[] =
    pattern === "pair"
      ? [{ name: "pair", peerType: "PAIR", socket: ours(new Pair(PAIR_OPTIONS)), endpoint: "" }]
      : [
          { name: "in", peerType: "PULL", socket: ours(new Push(PUSH_OPTIONS)), endpoint: "" },
          { name: "out", peerType: "PUSH", socket: ours(new Pull(PULL_OPTIONS)), endpoint: "" },
        ];

  const openPeer = async (peer: Peer): Promise<void> => {
    for (const c of channels) await peer.open(c.name, c.peerType, peerMode, c.endpoint);
  };

  let peer = await startPeer(kind);
  for (const c of channels) {
    const address = transport === "tcp" ? "tcp://127.0.0.1:*" : ipcEndpoint(c.name);
    if (we === "bind") {
      await c.socket.bind(address);
      c.endpoint = c.socket.lastEndpoint!;
      await peer.open(c.name, c.peerType, "connect", c.endpoint);
    } else {
      c.endpoint = await peer.open(c.name, c.peerType, "bind", address);
      c.socket.connect(c.endpoint);
    }
  }

  const link: Link = {
    peer,
    sender: channels[0]!.socket as Push | Pair,
    toPeer: channels[0]!.name,
    receiver: channels.at(-1)!.socket as Pull | Pair,
    fromPeer: channels.at(-1)!.name,
    async restart(beforeNewPeer) {
      const gone = channels.map((c) => nextEvent(c.socket, "disconnect"));
      await peer.stop();
      await Promise.all(gone);
      beforeNewPeer?.();
      peer = link.peer = await startPeer(kind);
      await openPeer(peer);
    },
  };
  return link;
}

// ---- what every cell checks ---------------------------------------------------------

const MULTIPART: Frame[] = ["", "a", "", "", Buffer.from([0, 1, 2, 0xff]), Buffer.alloc(255, 1), Buffer.alloc(256, 2), ""];

async function multipartBothWays(link: Link): Promise<void> {
  for (const message of [[""], MULTIPART]) {
    const got = later(link.peer.recv(link.toPeer));
    await link.sender.send(message);
    expect(await got).toEqual(message.map(digest));

    await link.peer.send(link.fromPeer, message);
    const frames = await link.receiver.receive();
    expect(hex(frames)).toEqual(hex(message));
    expect(frames.every((f) => Buffer.isBuffer(f))).toBe(true);
  }
}

async function largeBothWays(link: Link, size: number): Promise<void> {
  const payload = randomBytes(size);
  const got = later(link.peer.recv(link.toPeer));
  await link.sender.send(["large", payload, ""]);
  expect(await got).toEqual([digest("large"), digest(payload), digest("")]);

  const [sent, frames] = await Promise.all([link.peer.sendRandom(link.fromPeer, [size, 0]), link.receiver.receive()]);
  expect(frames.map((f) => f.length)).toEqual([size, 0]);
  expect(frames.map(digest)).toEqual(sent);
}

async function manyBothWays(link: Link, count: number): Promise<void> {
  const checked = later(link.peer.recvSeq(link.toPeer, count));
  const sending = later(
    (async () => {
      for (let i = 0; i < count; i++) await link.sender.send(seqMessage(i));
    })(),
  );
  // A peer that finds a wrong message stops reading: report that, not our send timing out.
  await Promise.race([sending, checked]);
  await checked;
  await sending;

  const sent = later(link.peer.sendSeq(link.fromPeer, count));
  for (let i = 0; i < count; i++) {
    const bad = seqMismatch(await link.receiver.receive(), i);
    if (bad) throw new Error(`from the ${link.peer.kind} peer: ${bad}`);
  }
  await sent;
}

async function roundTrip(link: Link, tag: string): Promise<void> {
  const got = later(link.peer.recv(link.toPeer));
  await link.sender.send([tag, "from us"]);
  expect(await got).toEqual([digest(tag), digest("from us")]);
  await link.peer.send(link.fromPeer, [tag, "from the peer"]);
  expect((await link.receiver.receive()).map(String)).toEqual([tag, "from the peer"]);
}

async function deliveryAfterRestart(link: Link): Promise<void> {
  await roundTrip(link, "before");
  // Sent while no peer is there: a connecting socket keeps it in its pipe
  // across the reconnect; a binding socket holds it until a peer connects.
  let queued: Promise<void> | undefined;
  await link.restart(() => {
    queued = later(link.sender.send(["queued", "while down"]));
  });
  expect(await link.peer.recv(link.toPeer)).toEqual([digest("queued"), digest("while down")]);
  await queued;
  await roundTrip(link, "after");
}

// ---- the matrix -------------------------------------------------------------------------

const MiB = 1 << 20;

function cells(): Cell[] {
  const out: Cell[] = [];
  for (const pattern of ["push-pull", "pair"] as const) {
    for (const kind of ["libzmq", "pyzmq"] as const) {
      for (const transport of ["tcp", "ipc"] as const) {
        for (const we of ["bind", "connect"] as const) out.push({ pattern, transport, we, kind });
      }
    }
    for (const we of ["bind", "connect"] as const) out.push({ pattern, transport: "tcp", we, kind: "jeromq" });
  }
  return out;
}

const peerName: Record<PeerKind, string> = { libzmq: "libzmq 4.3.5", pyzmq: "pyzmq (libzmq 4.3.4)", jeromq: "JeroMQ 0.3.6" };

for (const cell of cells()) {
  const ourSide = cell.pattern === "pair" ? "Pair" : "Push + Pull";
  describe(`${ourSide} with ${peerName[cell.kind]} over ${cell.transport}, we ${cell.we}`, () => {
    it("multipart messages with empty frames, both ways", async () => {
      await multipartBothWays(await openLink(cell));
    }, 15_000);

    it("a 1 MiB message both ways", async () => {
      await largeBothWays(await openLink(cell), MiB);
    }, 15_000);

    // JeroMQ 0.3.6 handles 16 MiB too (its V1 decoder allocates the announced
    // size; the default heap is ample), so every cell sends the full size.
    it("a 16 MiB message both ways", async () => {
      await largeBothWays(await openLink(cell), 16 * MiB);
    }, 30_000);

    it("10,000 messages each way, in order, none lost", async () => {
      await manyBothWays(await openLink(cell), 10_000);
    }, 30_000);

    it("delivers after the peer restarts on the same endpoint", async () => {
      await deliveryAfterRestart(await openLink(cell));
    }, 20_000);
  });
}

// ---- byte-level: greeting and first command ------------------------------------------------

/** The length of greeting + frames up to and including the first command frame, once `bytes` holds it all. */
function throughFirstCommand(bytes: Buffer): number | undefined {
  let off = 64;
  while (off < bytes.length) {
    const flags = bytes[off]!;
    const long = (flags & 0x02) !== 0;
    const header = long ? 9 : 2;
    if (bytes.length < off + header) return undefined;
    const size = long ? Number(bytes.readBigUInt64BE(off + 1)) : bytes[off + 1]!;
    const end = off + header + size;
    if (bytes.length < end) return undefined;
    if (flags & 0x04) return end;
    off = end;
  }
  return undefined;
}

/** How the raw end of a connection behaves, and when it has seen enough. */
interface Dialogue {
  /** Sent as soon as the connection is up. */
  hello: Uint8Array;
  /** Sent once, when the socket has sent at least `after` bytes. */
  reply?: { after: number; bytes: Buffer };
  /** The length of the record once `got` holds all of it; undefined to read on. */
  complete(got: Buffer): number | undefined;
}

/** A ZMTP 3.1 peer that greets at once: records the greeting and the first command (READY, or HELLO for PLAIN). */
const zmtp31 = (mechanism: "NULL" | "PLAIN" = "NULL"): Dialogue => ({ hello: greetingBytes({ mechanism }), complete: throughFirstCommand });

/**
 * A ZMTP 2.0 peer, as JeroMQ 0.3.6 behaves: sends the 10-byte signature; once
 * the other side's signature is in, its revision 01, socket type and an empty
 * identity frame. Records `length` bytes.
 */
const zmtp20 = (socketType: number, length: number): Dialogue => ({
  hello: greetingBytes().subarray(0, 10),
  reply: { after: 10, bytes: Buffer.from([0x01, socketType, 0x00, 0x00]) },
  complete: (got) => (got.length >= length ? length : undefined),
});

/** Plays the raw end of one connection; resolves what the socket sent (see Dialogue). */
function record(conn: NetSocket, dialogue: Dialogue): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    let replied = false;
    conn.on("error", reject);
    conn.on("close", () => reject(new Error(`connection closed after ${got.length} bytes: ${got.toString("hex")}`)));
    conn.on("data", (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (dialogue.reply && !replied && got.length >= dialogue.reply.after) {
        replied = true;
        conn.write(dialogue.reply.bytes);
      }
      const end = dialogue.complete(got);
      if (end !== undefined) {
        resolve(got.subarray(0, end));
        conn.destroy();
      }
    });
    conn.write(dialogue.hello);
  });
}

/** What a socket sends when it connects to a raw server. */
async function firstBytesAsConnecter(connect: (endpoint: string) => void, dialogue: Dialogue): Promise<Buffer> {
  const server = createServer();
  cleanups.defer(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const accepted = new Promise<NetSocket>((resolve) => server.once("connection", resolve));
  connect(`tcp://127.0.0.1:${port}`);
  const conn = await accepted;
  cleanups.defer(() => conn.destroy());
  return record(conn, dialogue);
}

/** What a bound socket sends to a raw client. */
async function firstBytesAsBinder(endpoint: string, dialogue: Dialogue): Promise<Buffer> {
  const conn = netConnect(Number(endpoint.split(":").pop()), "127.0.0.1");
  cleanups.defer(() => conn.destroy());
  return record(conn, dialogue);
}

const ourClass = { PUSH: Push, PULL: Pull, PAIR: Pair } as const;
const libzmqClass = { PUSH: zmq.Push, PULL: zmq.Pull, PAIR: zmq.Pair } as const;
/** zmq.h socket type numbers, as a ZMTP 2.0 greeting carries them. */
const typeNumber = { PAIR: 0, PULL: 7, PUSH: 8 } as const;
const peerOf = { PUSH: "PULL", PULL: "PUSH", PAIR: "PAIR" } as const;

type ByteSocket = { connect(ep: string): void; bind(ep: string): Promise<void>; readonly lastEndpoint: string | null };

/** Records what one socket sends in a role; a socket that can send queues ["hi", ""] first (its frames end the record). */
async function firstBytes(socket: ByteSocket, role: PeerMode, dialogue: Dialogue): Promise<Buffer> {
  const send = (socket as { send?: (m: string[]) => Promise<void> }).send;
  const message = (): void => void send?.call(socket, ["hi", ""]).catch(() => {});
  if (role === "connect") {
    return firstBytesAsConnecter((ep) => {
      socket.connect(ep);
      message();
    }, dialogue);
  }
  await socket.bind("tcp://127.0.0.1:*");
  message();
  return firstBytesAsBinder(socket.lastEndpoint!, dialogue);
}

describe("byte-level: our handshake bytes match libzmq's", () => {
  const tracked = cleanups.track;

  for (const type of ["PUSH", "PULL", "PAIR"] as const) {
    for (const role of ["connect", "bind"] as const) {
      it(`${type}, ${role}ing, ZMTP 3.1: greeting + READY byte-identical`, async () => {
        const mine = await firstBytes(ours(new ourClass[type]({ linger: 0 })), role, zmtp31());
        const theirs = await firstBytes(tracked(new libzmqClass[type]({ linger: 0 })), role, zmtp31());
        expect(theirs.subarray(64).includes("READY")).toBe(true);
        expect(mine.toString("hex")).toBe(theirs.toString("hex"));
      }, 10_000);

      // libzmq downgrades for a ZMTP 2.0 peer (JeroMQ 0.3.6): major byte 03,
      // then its socket type byte, an identity frame and 2.0 framing.
      it(`${type}, ${role}ing, to a ZMTP 2.0 peer: greeting, identity and first message byte-identical`, async () => {
        const length = type === "PULL" ? 14 : 20; // 12-byte greeting, identity frame [, "hi" MORE, ""]
        const dialogue = zmtp20(typeNumber[peerOf[type]], length);
        const mine = await firstBytes(ours(new ourClass[type]({ linger: 0 })), role, dialogue);
        const theirs = await firstBytes(tracked(new libzmqClass[type]({ linger: 0 })), role, dialogue);
        expect(theirs.subarray(10, 12)).toEqual(Buffer.from([0x03, typeNumber[type]]));
        expect(mine.toString("hex")).toBe(theirs.toString("hex"));
      }, 10_000);
    }
  }

  it("PUSH as PLAIN client: greeting + HELLO byte-identical", async () => {
    const plain = { linger: 0, plainUsername: "admin", plainPassword: "secret" };
    const mine = await firstBytes(ours(new Push(plain)), "connect", zmtp31("PLAIN"));
    const theirs = await firstBytes(tracked(new zmq.Push(plain)), "connect", zmtp31("PLAIN"));
    expect(theirs.subarray(64).includes("HELLO")).toBe(true);
    expect(mine.toString("hex")).toBe(theirs.toString("hex"));
  }, 10_000);

  // The JeroMQ cells above test the downgrade only if JeroMQ 0.3.6 really
  // speaks ZMTP 2.0: its greeting's revision byte must be 01.
  it("the JeroMQ peer greets with ZMTP 2.0 (revision 01)", async () => {
    const peer = await startPeer("jeromq");
    const got = await firstBytesAsConnecter((ep) => void peer.open("p", "PUSH", "connect", ep).catch(() => {}), zmtp20(typeNumber.PULL, 14));
    expect(got.subarray(0, 14).toString("hex")).toBe("ff00000000000000017f" + "0108" + "0000");
  }, 15_000);
});
