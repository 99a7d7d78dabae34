/**
 * Hostile raw clients mixed with a good stream. A zmq-ts Pull, Router or
 * Sub is bound; a good zmq-ts peer (Push, Dealer, Pub) streams numbered
 * messages to it while raw tcp clients keep connecting and misbehaving:
 * random bytes, a valid greeting then garbage, a frame announcing 2^62
 * bytes, a READY with the wrong Socket-Type, one byte per 50 ms, and an
 * instant close. The good stream must arrive whole and in order (complete,
 * except on Sub where a Pub may drop at its HWM: counted), the process must
 * not crash, and memory must stay bounded.
 */
import { type Socket, connect } from "node:net";
import { greetingBytes } from "@zmq/kernel/testing";
import { Dealer, Publisher, Pull, Push, Router, Subscriber } from "@zmq/zeromq";
import { bounded, memory, mib, report } from "./util.js";

export type Target = "Pull" | "Router" | "Sub";

export interface HostileOptions {
  readonly target: Target;
  /** Good messages to stream. */
  readonly messages: number;
  /** Hostile clients of each kind per round; rounds run until the good stream is done. */
  readonly perRound: number;
}

export interface HostileFigures {
  readonly received: number;
  readonly lost: number;
  readonly reordered: number;
  readonly partial: number;
  /** Messages made from a hostile client's bytes (ZMTP 1.0 framing, as libzmq reads a peer without a signature). */
  readonly foreign: number;
  readonly hostileClients: number;
  readonly rounds: number;
  readonly rssGrowth: number;
  readonly heapGrowth: number;
  readonly ms: number;
}

/** The Socket-Type a good peer of the target declares. */
const PEER_TYPE: Record<Target, string> = { Pull: "PUSH", Router: "DEALER", Sub: "PUB" };

/** mulberry32: seeded, so each run sends the same garbage. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const garbage = (seed: number, length: number): Buffer => {
  const next = random(seed);
  return Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
};

/** A ZMTP 3 READY command with one property, Socket-Type. */
function ready(socketType: string): Buffer {
  const name = Buffer.from("Socket-Type");
  const value = Buffer.from(socketType);
  const body = Buffer.concat([Buffer.of(5), Buffer.from("READY"), Buffer.of(name.length), name, Buffer.alloc(4), value]);
  body.writeUInt32BE(value.length, 6 + 1 + name.length);
  return Buffer.concat([Buffer.of(0x04, body.length), body]);
}

/** A long message frame header announcing 2^62 bytes, and a few of them. */
function hugeFrame(): Buffer {
  const header = Buffer.alloc(9);
  header[0] = 0x02;
  header.writeBigUInt64BE(2n ** 62n, 1);
  return Buffer.concat([header, Buffer.alloc(64, 1)]);
}

type Kind = "random" | "greeting+garbage" | "2^62 frame" | "wrong Socket-Type" | "instant close";

function bytesFor(kind: Kind, target: Target, seed: number): Buffer {
  const greeting = Buffer.from(greetingBytes());
  switch (kind) {
    case "random":
      return garbage(seed, 4096);
    case "greeting+garbage":
      return Buffer.concat([greeting, garbage(seed, 1024)]);
    case "2^62 frame":
      return Buffer.concat([greeting, ready(PEER_TYPE[target]), hugeFrame()]);
    case "wrong Socket-Type":
      return Buffer.concat([greeting, ready("REP")]);
    case "instant close":
      return Buffer.alloc(0);
  }
}

const KINDS: readonly Kind[] = ["random", "greeting+garbage", "2^62 frame", "wrong Socket-Type", "instant close"];

/** Connects, writes the bytes, and lets the socket linger until the target drops it (or `done`). */
function hostileClient(port: number, bytes: Buffer, open: Set<Socket>): void {
  const socket = connect({ host: "127.0.0.1", port });
  open.add(socket);
  socket.on("error", () => {});
  socket.on("close", () => open.delete(socket));
  socket.on("data", () => {});
  socket.on("connect", () => {
    if (bytes.length === 0) socket.destroy();
    else socket.write(bytes);
  });
}

/** Writes a valid greeting one byte per 50 ms until stopped. */
function slowClient(port: number, open: Set<Socket>): () => void {
  const socket = connect({ host: "127.0.0.1", port });
  open.add(socket);
  socket.on("error", () => {});
  socket.on("close", () => open.delete(socket));
  socket.on("data", () => {});
  const greeting = Buffer.from(greetingBytes());
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return;
    socket.write(greeting.subarray(i % greeting.length, (i % greeting.length) + 1));
    i++;
  }, 50);
  return () => {
    clearInterval(timer);
    socket.destroy();
  };
}

export async function hostileScenario(options: HostileOptions): Promise<HostileFigures> {
  const started = Date.now();
  const before = memory();
  const { target, messages } = options;
  const receiver = target === "Pull" ? new Pull({ linger: 0 }) : target === "Router" ? new Router({ linger: 0 }) : new Subscriber({ linger: 0 });
  if (receiver instanceof Subscriber) receiver.subscribe();
  await receiver.bind("tcp://127.0.0.1:*");
  const endpoint = receiver.lastEndpoint!;
  const port = Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
  const good = target === "Pull" ? new Push({ linger: 0 }) : target === "Router" ? new Dealer({ linger: 0 }) : new Publisher({ linger: 0 });
  good.connect(endpoint);

  const open = new Set<Socket>();
  const stopSlow = Array.from({ length: options.perRound }, () => slowClient(port, open));
  let hostileClients = options.perRound;
  let rounds = 0;
  let received = 0;
  let last = -1;
  let reordered = 0;
  let partial = 0;
  let foreign = 0;
  let done = false;
  const hostility = (async () => {
    while (!done) {
      rounds++;
      for (const kind of KINDS) for (let i = 0; i < options.perRound; i++) hostileClient(port, bytesFor(kind, target, rounds * 1000 + i), open);
      hostileClients += KINDS.length * options.perRound;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  try {
    if (good instanceof Publisher) {
      // A Pub drops until the subscription has arrived: warm up first.
      const warm = setInterval(() => void good.send(["warm"]), 10);
      await bounded(receiver.receive(), 20_000, "subscription");
      clearInterval(warm);
    }
    const reading = (async () => {
      while (last < messages - 1) {
        const msg = await receiver.receive();
        const frames = target === "Router" ? msg.slice(1) : msg;
        if (frames.length === 1 && frames[0]!.toString() === "warm") continue;
        if (frames[0]?.toString() !== "n") {
          // Bytes without a ZMTP 3 signature read as ZMTP 1.0 framing make messages, as in libzmq.
          foreign++;
          continue;
        }
        const n = frames.length === 3 && frames[2]!.toString() === "end" ? Number(frames[1]!.toString()) : NaN;
        if (!Number.isInteger(n)) {
          partial++;
          continue;
        }
        if (n <= last) reordered++;
        last = Math.max(last, n);
        received++;
      }
    })();
    for (let i = 0; i < messages; i++) await good.send(["n", String(i), "end"]);
    await bounded(reading, 60_000, "good stream");
  } finally {
    done = true;
    await hostility;
    for (const stop of stopSlow) stop();
    for (const s of open) s.destroy();
    good.close();
    receiver.close();
  }
  const after = memory();
  const figures: HostileFigures = {
    received,
    lost: messages - received,
    reordered,
    partial,
    foreign,
    hostileClients,
    rounds,
    rssGrowth: after.rss - before.rss,
    heapGrowth: after.heapUsed - before.heapUsed,
    ms: Date.now() - started,
  };
  report(`hostile clients on ${target}`, { ...figures, rssGrowth: mib(figures.rssGrowth), heapGrowth: mib(figures.heapGrowth) });
  return figures;
}
