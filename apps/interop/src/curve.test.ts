// CURVE (RFC 26) between zmq-ts (@zmq/zeromq's default Context) and real
// peers: libzmq 4.3.5 in this process (npm `zeromq`) and pyzmq on Debian's
// libzmq 4.3.4 (peers/peer.py, a child process). For each peer: zmq-ts as
// the CURVE server and as the client, each side binding, over tcp and ipc,
// with each side's key pair made by its own library (our curveKeyPair, the
// peer's zmq.curveKeyPair / zmq.curve_keypair); multipart messages with empty
// frames, a 16 MiB message and 100,000 (libzmq) or 10,000 (pyzmq) messages
// each way; PUB/SUB with encrypted subscriptions and ROUTER/DEALER; a wrong
// server key; a client key refused by a ZAP handler on either side; the peer
// restarting and the handshake happening again. A last block checks the
// handshake bytes against RFC 26 and against libzmq's, through a relay that
// records what passes.
import { randomBytes } from "node:crypto";
import { type Socket as NetSocket, connect as netConnect, createServer } from "node:net";
import { createCleanup, hex, later, nextEvent, watchEvents } from "@zmq/kernel/testing";
import {
  Dealer,
  Pair,
  Publisher,
  Pull,
  Push,
  Router,
  Subscriber,
  XPublisher,
  type ZapRequest,
  curveAllowList,
  curveKeyPair,
  defaultContext,
  serveZap,
  z85Decode,
} from "@zmq/zeromq";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import * as zmq from "zeromq";
import {
  type Frame,
  type Peer,
  type PeerKeyPair,
  type PeerKind,
  type PeerSocketOptions,
  type PeerSocketType,
  digest,
  ipcEndpoint,
  removeTempDirs,
  seqMessage,
  seqMismatch,
  startPeer,
  stopAllPeers,
} from "./peers.js";

type Transport = "tcp" | "ipc";
type Role = "server" | "client";
type Ours = Pair | Push | Pull | Router | Dealer | Publisher | Subscriber | XPublisher;

/** Our sockets fail a stuck send or receive after this long instead of hanging the test. */
const IO_TIMEOUT = 15_000;
const OUR_OPTIONS = { linger: 0, sendTimeout: IO_TIMEOUT, receiveTimeout: IO_TIMEOUT };

const cleanup = createCleanup();
afterEach(async () => {
  cleanup.closeAll();
  await stopAllPeers();
});
afterAll(removeTempDirs);
const track = cleanup.track;

const peerName: Record<PeerKind, string> = { libzmq: "libzmq 4.3.5", pyzmq: "pyzmq (libzmq 4.3.4)", jeromq: "JeroMQ 0.3.6" };
/** Messages each way in the ordering test: libzmq in this process takes 100,000 in a few seconds; pyzmq's loop is slower. */
const MANY: Record<"libzmq" | "pyzmq", number> = { libzmq: 100_000, pyzmq: 10_000 };
const MiB = 1 << 20;

// ---- keys and options ---------------------------------------------------------------------

interface CurveKeys {
  /** The CURVE server's long-term key pair. */
  server: PeerKeyPair;
  /** The CURVE client's long-term key pair. */
  client: PeerKeyPair;
}

/** Each side's long-term key pair, made by that side's own library. */
async function keysFor(peer: Peer, we: Role): Promise<CurveKeys> {
  const ours = curveKeyPair();
  const theirs = await peer.curveKeyPair();
  for (const pair of [ours, theirs]) {
    expect(pair.publicKey).toMatch(/^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/);
    expect(z85Decode(pair.secretKey)).toHaveLength(32);
  }
  return we === "server" ? { server: ours, client: theirs } : { server: theirs, client: ours };
}

const ourServer = (k: CurveKeys) => ({ curveServer: true, curveSecretKey: k.server.secretKey });
const ourClient = (k: CurveKeys) => ({ curveServerKey: k.server.publicKey, curvePublicKey: k.client.publicKey, curveSecretKey: k.client.secretKey });
const ourOptions = (we: Role, k: CurveKeys) => ({ ...OUR_OPTIONS, ...(we === "server" ? ourServer(k) : ourClient(k)) });
const peerServer = (k: CurveKeys): PeerSocketOptions => ({ curve_server: true, curve_secretkey: k.server.secretKey });
const peerClient = (k: CurveKeys): PeerSocketOptions => ({
  curve_serverkey: k.server.publicKey,
  curve_publickey: k.client.publicKey,
  curve_secretkey: k.client.secretKey,
});
const peerOptions = (we: Role, k: CurveKeys): PeerSocketOptions => (we === "server" ? peerClient(k) : peerServer(k));

const address = (transport: Transport) => (transport === "tcp" ? "tcp://127.0.0.1:*" : ipcEndpoint("curve"));

/**
 * Opens the peer socket `name` and links our socket to it, `weBind` saying
 * which side binds; resolves the endpoint.
 */
async function link(
  peer: Peer,
  socket: Ours,
  name: string,
  peerType: PeerSocketType,
  transport: Transport,
  weBind: boolean,
  options: PeerSocketOptions,
): Promise<string> {
  if (weBind) {
    await socket.bind(address(transport));
    const endpoint = socket.lastEndpoint!;
    await peer.open(name, peerType, "connect", endpoint, options);
    return endpoint;
  }
  const endpoint = await peer.open(name, peerType, "bind", address(transport), options);
  socket.connect(endpoint);
  return endpoint;
}

/** A CURVE Pair with the peer: our Pair in role `we`, `weBind` saying who binds. Resolves once our side has shaken hands. */
async function curvePair(kind: PeerKind, transport: Transport, we: Role, weBind: boolean) {
  const peer = await startPeer(kind);
  const keys = await keysFor(peer, we);
  const pair = track(new Pair(ourOptions(we, keys)));
  const shaken = nextEvent(pair, "handshake");
  const endpoint = await link(peer, pair, "pair", "PAIR", transport, weBind, peerOptions(we, keys));
  await shaken;
  expect(pair.securityMechanism).toBe("curve");
  return { peer, pair, keys, endpoint };
}

const MULTIPART: Frame[] = ["", "a", "", "", Buffer.from([0, 1, 2, 0xff]), Buffer.alloc(255, 1), Buffer.alloc(256, 2), ""];

/** `message` from us to the peer socket `name`, and back from it to us. */
async function bothWays(peer: Peer, name: string, socket: Pair | Dealer, message: Frame[]): Promise<void> {
  const got = later(peer.recv(name));
  await socket.send(message);
  expect(await got).toEqual(message.map(digest));
  await peer.send(name, message);
  expect(hex(await socket.receive())).toEqual(hex(message));
}

/** seqMessage(0 ... count - 1) from us to the peer, then from the peer to us, each checked in order. */
async function manyBothWays(peer: Peer, pair: Pair, count: number): Promise<void> {
  const checked = later(peer.recvSeq("pair", count));
  const sending = later(
    (async () => {
      for (let i = 0; i < count; i++) await pair.send(seqMessage(i));
    })(),
  );
  // A peer that finds a wrong message stops reading: report that, not our send timing out.
  await Promise.race([sending, checked]);
  await checked;
  await sending;

  const sent = later(peer.sendSeq("pair", count));
  for (let i = 0; i < count; i++) {
    const bad = seqMismatch(await pair.receive(), i);
    if (bad) throw new Error(`from the ${peer.kind} peer: ${bad}`);
  }
  await sent;
}

// ---- against each peer ----------------------------------------------------------------------

for (const kind of ["libzmq", "pyzmq"] as const) {
  describe(`CURVE with ${peerName[kind]}`, () => {
    describe("handshake in every role, then multipart messages with empty frames both ways", () => {
      for (const transport of ["tcp", "ipc"] as const) {
        for (const we of ["server", "client"] as const) {
          for (const weBind of [true, false]) {
            it(`over ${transport}: we are the ${we}, ${weBind ? "we" : "they"} bind`, async () => {
              const { peer, pair } = await curvePair(kind, transport, we, weBind);
              for (const message of [[""], MULTIPART]) await bothWays(peer, "pair", pair, message);
            }, 15_000);
          }
        }
      }

      it("our socket takes the keys as 32-byte buffers, the peer as Z85", async () => {
        const peer = await startPeer(kind);
        const keys = await keysFor(peer, "client");
        const pair = track(
          new Pair({
            ...OUR_OPTIONS,
            curveServerKey: z85Decode(keys.server.publicKey),
            curvePublicKey: z85Decode(keys.client.publicKey),
            curveSecretKey: z85Decode(keys.client.secretKey),
          }),
        );
        await link(peer, pair, "pair", "PAIR", "tcp", false, peerServer(keys));
        await bothWays(peer, "pair", pair, ["raw", "", "keys"]);
        expect(pair.securityMechanism).toBe("curve");
      }, 15_000);
    });

    describe("volume", () => {
      for (const transport of ["tcp", "ipc"] as const) {
        for (const we of ["server", "client"] as const) {
          // The CURVE server binds in tcp, the client in ipc.
          const weBind = (we === "server") === (transport === "tcp");
          it(`a 16 MiB message both ways over ${transport}, we are the ${we}`, async () => {
            const { peer, pair } = await curvePair(kind, transport, we, weBind);
            const payload = randomBytes(16 * MiB);
            const got = later(peer.recv("pair"));
            await pair.send(["large", payload, ""]);
            expect(await got).toEqual([digest("large"), digest(payload), digest("")]);
            const [sent, frames] = await Promise.all([peer.sendRandom("pair", [16 * MiB, 0]), pair.receive()]);
            expect(frames.map((f) => f.length)).toEqual([16 * MiB, 0]);
            expect(frames.map(digest)).toEqual(sent);
          }, 15_000);

          it(`${MANY[kind].toLocaleString("en")} messages each way in order over ${transport}, we are the ${we}`, async () => {
            const { peer, pair } = await curvePair(kind, transport, we, weBind);
            await manyBothWays(peer, pair, MANY[kind]);
          }, 20_000);
        }
      }
    });

    describe("PUB/SUB: subscriptions travel encrypted", () => {
      it("a peer SUB's subscription reaches our XPUB (we are the server, we bind, tcp); only the topic is delivered", async () => {
        const peer = await startPeer(kind);
        const keys = await keysFor(peer, "server");
        const xpub = track(new XPublisher(ourOptions("server", keys)));
        await link(peer, xpub, "sub", "SUB", "tcp", true, peerClient(keys));
        await peer.subscribe("sub", ["news"]);
        expect((await xpub.receive()).map(String)).toEqual(["\x01news"]);
        await xpub.send(["other", "dropped"]);
        await xpub.send(["news", "", "flash"]);
        expect(await peer.recv("sub")).toEqual(["news", "", "flash"].map(digest));
        await peer.unsubscribe("sub", ["news"]);
        expect((await xpub.receive()).map(String)).toEqual(["\x00news"]);
      }, 15_000);

      it("our SUB's subscription reaches a peer XPUB (we are the client, they bind, ipc); only the topic is delivered", async () => {
        const peer = await startPeer(kind);
        const keys = await keysFor(peer, "client");
        const sub = track(new Subscriber(ourOptions("client", keys)));
        await link(peer, sub, "xpub", "XPUB", "ipc", false, peerServer(keys));
        sub.subscribe("news");
        expect((await peer.recvFrames("xpub")).map(String)).toEqual(["\x01news"]);
        await peer.send("xpub", ["other", "dropped"]);
        await peer.send("xpub", ["news", "", "flash"]);
        expect((await sub.receive()).map(String)).toEqual(["news", "", "flash"]);
        sub.unsubscribe("news");
        expect((await peer.recvFrames("xpub")).map(String)).toEqual(["\x00news"]);
      }, 15_000);

      it("our PUB (the client, connecting over tcp) publishes to a peer SUB (the server) once its subscription is in", async () => {
        const peer = await startPeer(kind);
        const keys = await keysFor(peer, "client");
        const pub = track(new Publisher(ourOptions("client", keys)));
        await link(peer, pub, "sub", "SUB", "tcp", false, peerServer(keys));
        await peer.subscribe("sub", ["news"]);
        // A PUB says nothing when a subscription arrives: publish until the peer has one.
        const got = later(peer.recvFrames("sub"));
        let done = false;
        void got.finally(() => (done = true)).catch(() => {});
        while (!done) {
          await pub.send(["other", "dropped"]);
          await pub.send(["news", "", "flash"]);
          await Promise.race([got, new Promise((r) => setTimeout(r, 10))]);
        }
        expect((await got).map(String)).toEqual(["news", "", "flash"]);
      }, 15_000);

      it("a peer PUB (the client, connecting over ipc) publishes to our SUB (the server)", async () => {
        const peer = await startPeer(kind);
        const keys = await keysFor(peer, "server");
        const sub = track(new Subscriber(ourOptions("server", keys)));
        sub.subscribe("news");
        await link(peer, sub, "pub", "PUB", "ipc", true, peerClient(keys));
        // Each send is a round trip to the peer, which paces the loop.
        const got = later(sub.receive());
        let done = false;
        void got.finally(() => (done = true)).catch(() => {});
        while (!done) {
          await peer.send("pub", ["other", "dropped"]);
          await peer.send("pub", ["news", "", "flash"]);
        }
        expect((await got).map(String)).toEqual(["news", "", "flash"]);
      }, 15_000);
    });

    describe("ROUTER/DEALER", () => {
      for (const transport of ["tcp", "ipc"] as const) {
        it(`our ROUTER (the server, binding over ${transport}) routes to a peer DEALER by its routing id`, async () => {
          const peer = await startPeer(kind);
          const keys = await keysFor(peer, "server");
          const router = track(new Router(ourOptions("server", keys)));
          await link(peer, router, "dealer", "DEALER", transport, true, { ...peerClient(keys), routing_id: "peer-dealer" });
          await peer.send("dealer", ["", "request", ""]);
          const [id, ...rest] = await router.receive();
          expect(Buffer.from(id!).toString()).toBe("peer-dealer");
          expect(hex(rest)).toEqual(hex(["", "request", ""]));
          await router.send(["peer-dealer", "", "reply", "", "end"]);
          expect((await peer.recvFrames("dealer")).map(String)).toEqual(["", "reply", "", "end"]);
        }, 15_000);

        it(`our DEALER (the client, connecting over ${transport}) reaches a peer ROUTER, which answers by our routing id`, async () => {
          const peer = await startPeer(kind);
          const keys = await keysFor(peer, "client");
          const dealer = track(new Dealer({ ...ourOptions("client", keys), routingId: "our-dealer" }));
          await link(peer, dealer, "router", "ROUTER", transport, false, peerServer(keys));
          await dealer.send(["", "request", ""]);
          expect((await peer.recvFrames("router")).map(String)).toEqual(["our-dealer", "", "request", ""]);
          await peer.send("router", ["our-dealer", "", "reply", "", "end"]);
          expect((await dealer.receive()).map(String)).toEqual(["", "reply", "", "end"]);
        }, 15_000);
      }

      // Every frame @zmq/zeromq delivers is a Buffer; with NULL the routing id
      // a ROUTER puts in front is one too. Over CURVE the peer's Identity comes
      // out of the decrypted INITIATE (server) or READY (client) as a plain Uint8Array.
      it("the routing id frame our CURVE ROUTER delivers is a Buffer, as server and as client", async () => {
        const peer = await startPeer(kind);
        const asServer = await keysFor(peer, "server");
        const server = track(new Router(ourOptions("server", asServer)));
        await link(peer, server, "dealer-1", "DEALER", "tcp", true, { ...peerClient(asServer), routing_id: "peer-dealer-1" });
        const asClient = await keysFor(peer, "client");
        const client = track(new Router(ourOptions("client", asClient)));
        await link(peer, client, "dealer-2", "DEALER", "tcp", false, { ...peerServer(asClient), routing_id: "peer-dealer-2" });
        await peer.send("dealer-1", ["x"]);
        await peer.send("dealer-2", ["y"]);
        const [fromServer, fromClient] = [await server.receive(), await client.receive()];
        expect(fromServer.map((f) => Buffer.from(f).toString())).toEqual(["peer-dealer-1", "x"]);
        expect(fromClient.map((f) => Buffer.from(f).toString())).toEqual(["peer-dealer-2", "y"]);
        expect([...fromServer, ...fromClient].map((f) => Buffer.isBuffer(f))).toEqual([true, true, true, true]);
      }, 15_000);
    });

    describe("a wrong server key: the client never gets in", () => {
      if (kind === "libzmq") {
        it("the reference: libzmq's own client against libzmq's server reports handshake:error:other (EPIPE), the server ERR_ZMTP_CRYPTOGRAPHIC", async () => {
          const server = zmq.curveKeyPair();
          const client = zmq.curveKeyPair();
          const pull = track(new zmq.Pull({ linger: 0, curveServer: true, curveSecretKey: server.secretKey }));
          const serverFailed = new Promise<zmq.EventOfType<"handshake:error:protocol">>((r) => pull.events.on("handshake:error:protocol", r));
          await pull.bind("tcp://127.0.0.1:*");
          const push = track(
            new zmq.Push({
              linger: 0,
              curveServerKey: zmq.curveKeyPair().publicKey,
              curvePublicKey: client.publicKey,
              curveSecretKey: client.secretKey,
            }),
          );
          const clientFailed = new Promise<zmq.EventOfType<"handshake:error:other">>((r) => push.events.on("handshake:error:other", r));
          push.connect(pull.lastEndpoint!);
          expect((await clientFailed).error.code).toBe("EPIPE");
          expect((await serverFailed).error.code).toBe("ERR_ZMTP_CRYPTOGRAPHIC");
        }, 15_000);
      }

      for (const transport of ["tcp", "ipc"] as const) {
        it(`our client with a wrong server key (${transport}): handshake:error:other (EPIPE) here, ERR_ZMTP_CRYPTOGRAPHIC there, no message`, async () => {
          const peer = await startPeer(kind);
          const keys = await keysFor(peer, "client");
          const wrong = { ...keys, server: { ...keys.server, publicKey: curveKeyPair().publicKey } };
          const push = track(new Push(ourOptions("client", wrong)));
          const events = watchEvents(push);
          await link(peer, push, "pull", "PULL", transport, false, { ...peerServer(keys), rcvtimeo: 0, monitor: true });
          void push.send(["never", "delivered"]).catch(() => {});
          // libzmq's server drops the connection when HELLO does not open; a
          // libzmq client sees that as handshake:error:other with EPIPE, and so do we.
          const failed = await events.next("handshake:error:other");
          expect(failed.error.code).toBe("EPIPE");
          expect(await peer.nextEvent("pull", "handshake:error:protocol")).toBe("ERR_ZMTP_CRYPTOGRAPHIC");
          expect(events.counts.get("handshake") ?? 0).toBe(0);
          await expect(peer.recv("pull")).rejects.toThrow();
        }, 15_000);

        it(`a peer client with a wrong server key (${transport}): ERR_ZMTP_CRYPTOGRAPHIC here, handshake:error:other (EPIPE) there, no message`, async () => {
          const peer = await startPeer(kind);
          const keys = await keysFor(peer, "server");
          const wrong = { ...keys, server: { ...keys.server, publicKey: (await peer.curveKeyPair()).publicKey } };
          const pull = track(new Pull({ ...ourOptions("server", keys), receiveTimeout: 0 }));
          const events = watchEvents(pull);
          await link(peer, pull, "push", "PUSH", transport, true, { ...peerClient(wrong), monitor: true });
          await peer.send("push", ["never", "delivered"]);
          const failed = await events.next("handshake:error:protocol");
          expect(failed.error.code).toBe("ERR_ZMTP_CRYPTOGRAPHIC");
          expect(await peer.nextEvent("push", "handshake:error:other")).toBe("EPIPE");
          expect(events.counts.get("handshake") ?? 0).toBe(0);
          await expect(pull.receive()).rejects.toMatchObject({ code: "EAGAIN" });
        }, 15_000);
      }
    });

    describe("ZAP decides on the client's long-term key", () => {
      /** Our ZAP handler in the default Context: admits `allowed`, records every request. */
      function ourZap(allowed: string[]): ZapRequest[] {
        const asked: ZapRequest[] = [];
        const allow = curveAllowList(allowed);
        track(
          serveZap(defaultContext(), (request) => {
            asked.push(request);
            return allow(request);
          }),
        );
        return asked;
      }

      it("our server's handler (serveZap + curveAllowList) refuses a peer client: handshake:error:auth 400 on both sides", async () => {
        const peer = await startPeer(kind);
        const keys = await keysFor(peer, "server");
        const asked = ourZap([curveKeyPair().publicKey]);
        const pull = track(new Pull({ ...ourOptions("server", keys), receiveTimeout: 0 }));
        const events = watchEvents(pull);
        await link(peer, pull, "push", "PUSH", "tcp", true, { ...peerClient(keys), monitor: true });
        await peer.send("push", ["never", "delivered"]);
        const refused = await events.next("handshake:error:auth");
        expect(refused.error.status).toBe(400);
        expect(await peer.nextEvent("push", "handshake:error:auth")).toBe("400");
        expect(asked.length).toBeGreaterThanOrEqual(1);
        expect(asked[0]).toMatchObject({ domain: "", address: "127.0.0.1", mechanism: "CURVE" });
        expect(asked[0]!.credentials).toHaveLength(1);
        expect(asked[0]!.credentials[0]).toHaveLength(32);
        expect(hex(asked[0]!.credentials)).toEqual(hex([z85Decode(keys.client.publicKey)]));
        expect(events.counts.get("handshake") ?? 0).toBe(0);
        await expect(pull.receive()).rejects.toMatchObject({ code: "EAGAIN" });
      }, 15_000);

      it("our server's handler admits a listed peer client", async () => {
        const peer = await startPeer(kind);
        const keys = await keysFor(peer, "server");
        const asked = ourZap([keys.client.publicKey]);
        const pull = track(new Pull(ourOptions("server", keys)));
        await link(peer, pull, "push", "PUSH", "tcp", true, peerClient(keys));
        await peer.send("push", ["admitted", ""]);
        expect((await pull.receive()).map(String)).toEqual(["admitted", ""]);
        expect(asked).toHaveLength(1);
        expect(asked[0]!.mechanism).toBe("CURVE");
        expect(hex(asked[0]!.credentials)).toEqual(hex([z85Decode(keys.client.publicKey)]));
      }, 15_000);

      it("the peer server's handler refuses our client: handshake:error:auth 400 on both sides", async () => {
        const peer = await startPeer(kind);
        const keys = await keysFor(peer, "client");
        await peer.serveZap([(await peer.curveKeyPair()).publicKey]);
        const push = track(new Push(ourOptions("client", keys)));
        const events = watchEvents(push);
        await link(peer, push, "pull", "PULL", "tcp", false, { ...peerServer(keys), rcvtimeo: 0, monitor: true });
        void push.send(["never", "delivered"]).catch(() => {});
        const refused = await events.next("handshake:error:auth");
        expect(refused.error.status).toBe(400);
        expect(await peer.nextEvent("pull", "handshake:error:auth")).toBe("400");
        const asked = await peer.zapRequests();
        expect(asked.length).toBeGreaterThanOrEqual(1);
        expect(asked[0]).toMatchObject({ domain: "", address: "127.0.0.1", mechanism: "CURVE" });
        expect(hex(asked[0]!.credentials)).toEqual(hex([z85Decode(keys.client.publicKey)]));
        expect(events.counts.get("handshake") ?? 0).toBe(0);
        await expect(peer.recv("pull")).rejects.toThrow();
      }, 15_000);

      it("the peer server's handler admits our listed client", async () => {
        const peer = await startPeer(kind);
        const keys = await keysFor(peer, "client");
        await peer.serveZap([keys.client.publicKey]);
        const push = track(new Push(ourOptions("client", keys)));
        await link(peer, push, "pull", "PULL", "tcp", false, peerServer(keys));
        await push.send(["admitted", ""]);
        expect(await peer.recv("pull")).toEqual(["admitted", ""].map(digest));
        const asked = await peer.zapRequests();
        expect(asked).toHaveLength(1);
        expect(asked[0]!.mechanism).toBe("CURVE");
        expect(hex(asked[0]!.credentials)).toEqual(hex([z85Decode(keys.client.publicKey)]));
      }, 15_000);
    });

    describe("the peer restarts: the handshake happens again", () => {
      for (const transport of ["tcp", "ipc"] as const) {
        it(`we are the client, connecting over ${transport}; the peer's server comes back on the same endpoint`, async () => {
          let peer = await startPeer(kind);
          const keys = await keysFor(peer, "client");
          const pair = track(new Pair(ourOptions("client", keys)));
          const events = watchEvents(pair);
          const endpoint = await link(peer, pair, "pair", "PAIR", transport, false, peerServer(keys));
          await bothWays(peer, "pair", pair, ["before", ""]);
          await events.untilCount("handshake", 1);
          const gone = nextEvent(pair, "disconnect");
          await peer.stop();
          await gone;
          peer = await startPeer(kind);
          await peer.open("pair", "PAIR", "bind", endpoint, peerServer(keys));
          await events.untilCount("handshake", 2);
          await bothWays(peer, "pair", pair, ["after", "", "restart"]);
          expect(events.counts.get("handshake")).toBe(2);
        }, 15_000);

        it(`we are the server, binding over ${transport}; a restarted peer client shakes hands anew`, async () => {
          let peer = await startPeer(kind);
          const keys = await keysFor(peer, "server");
          const pair = track(new Pair(ourOptions("server", keys)));
          const events = watchEvents(pair);
          const endpoint = await link(peer, pair, "pair", "PAIR", transport, true, peerClient(keys));
          await bothWays(peer, "pair", pair, ["before", ""]);
          const gone = nextEvent(pair, "disconnect");
          await peer.stop();
          await gone;
          peer = await startPeer(kind);
          // A new client key pair too: the server knows none of them beforehand.
          const client = await peer.curveKeyPair();
          await peer.open("pair", "PAIR", "connect", endpoint, peerClient({ ...keys, client }));
          await events.untilCount("handshake", 2);
          await bothWays(peer, "pair", pair, ["after", "", "restart"]);
          expect(events.counts.get("handshake")).toBe(2);
        }, 15_000);
      }
    });
  });
}

// ---- byte-level --------------------------------------------------------------------------

/** A TCP relay in front of `target` that records both directions. */
async function relay(target: string): Promise<{ endpoint: string; up: () => Buffer; down: () => Buffer }> {
  const port = Number(target.split(":").pop());
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const conns: NetSocket[] = [];
  const server = createServer((client) => {
    const upstream = netConnect(port, "127.0.0.1");
    conns.push(client, upstream);
    client.on("data", (chunk: Buffer) => {
      up.push(chunk);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      down.push(chunk);
      client.write(chunk);
    });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on("error", () => {});
      a.on("close", () => b.destroy());
    }
  });
  cleanup.defer(() => {
    server.close();
    for (const c of conns) c.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: relayPort } = server.address() as { port: number };
  return { endpoint: `tcp://127.0.0.1:${relayPort}`, up: () => Buffer.concat(up), down: () => Buffer.concat(down) };
}

interface WireFrame {
  flags: number;
  /** The frame header: flags and size (2 or 9 bytes). */
  header: Buffer;
  body: Buffer;
}

/** The complete ZMTP frames after the 64-byte greeting. */
function frames(bytes: Buffer): WireFrame[] {
  const out: WireFrame[] = [];
  let off = 64;
  while (off + 2 <= bytes.length) {
    const flags = bytes[off]!;
    const long = (flags & 0x02) !== 0;
    const headerSize = long ? 9 : 2;
    if (off + headerSize > bytes.length) break;
    const size = long ? Number(bytes.readBigUInt64BE(off + 1)) : bytes[off + 1]!;
    if (off + headerSize + size > bytes.length) break;
    out.push({ flags, header: bytes.subarray(off, off + headerSize), body: bytes.subarray(off + headerSize, off + headerSize + size) });
    off += headerSize + size;
  }
  return out;
}

const name = (body: Buffer) => body.subarray(1, 1 + body[0]!).toString("latin1");
const counter = (body: Buffer, at: number) => body.readBigUInt64BE(at);
/** The metadata of a socket whose only property is Socket-Type (PUSH, PULL): 1 + 11 + 4 + 4. */
const SOCKET_TYPE_ONLY = 20;

/** RFC 26 HELLO: 200 bytes. */
function checkHello(hello: WireFrame): void {
  expect(hello.header.toString("hex")).toBe("04c8"); // a short command frame of 200 bytes
  const b = hello.body;
  expect(b).toHaveLength(200);
  expect(b.subarray(0, 6).toString("latin1")).toBe("\x05HELLO");
  expect([b[6], b[7]]).toEqual([1, 0]); // version 1.0
  expect(b.subarray(8, 80).equals(Buffer.alloc(72))).toBe(true); // anti-amplification padding
  expect(b.subarray(80, 112).equals(Buffer.alloc(32))).toBe(false); // C'
  expect(counter(b, 112)).toBe(1n); // the short nonce starts at 1
  expect(b.subarray(120)).toHaveLength(80); // Box[64 zeros](C'->S)
}

/** RFC 26 INITIATE with `metadata` bytes of metadata. */
function checkInitiate(initiate: WireFrame, metadata: number): void {
  const b = initiate.body;
  expect(name(b)).toBe("INITIATE");
  expect(b).toHaveLength(257 + metadata);
  expect(initiate.flags).toBe(0x06); // over 255 bytes: a long command frame
  expect(counter(b, 105)).toBe(2n); // after HELLO's 1
  expect(b.subarray(113)).toHaveLength(16 + 32 + 16 + 80 + metadata); // Box[C + vouch nonce + vouch + metadata]
}

/** RFC 26 WELCOME: 168 bytes. */
function checkWelcome(welcome: WireFrame): void {
  expect(welcome.header.toString("hex")).toBe("04a8");
  const b = welcome.body;
  expect(b).toHaveLength(168);
  expect(b.subarray(0, 8).toString("latin1")).toBe("\x07WELCOME");
  expect(b.subarray(24)).toHaveLength(144); // Box[S' + cookie](S->C')
}

/** RFC 26 READY with `metadata` bytes of metadata: 30 + metadata. */
function checkReady(ready: WireFrame, metadata: number): void {
  const b = ready.body;
  expect(ready.flags).toBe(0x04);
  expect(b.subarray(0, 6).toString("latin1")).toBe("\x05READY");
  expect(b).toHaveLength(30 + metadata);
  expect(counter(b, 6)).toBe(1n); // the server's first short nonce
}

/** A MESSAGE of a `payload`-byte frame with the short nonce `n`: a data frame, 33 + payload. */
function checkMessage(message: WireFrame, payload: number, n: bigint): void {
  expect(message.flags).toBe(0x00); // a plain data frame: neither COMMAND nor MORE outside
  expect(message.body.subarray(0, 8).toString("latin1")).toBe("\x07MESSAGE");
  expect(message.body).toHaveLength(33 + payload);
  expect(counter(message.body, 8)).toBe(n);
}

/** A 64-byte CURVE greeting as libzmq writes it, from either side (as-server 0). */
function checkGreeting(bytes: Buffer): void {
  const expected = Buffer.alloc(64);
  expected[0] = 0xff;
  expected[8] = 0x01; // libzmq's padding ends in 01
  expected[9] = 0x7f;
  expected[10] = 3;
  expected[11] = 1;
  expected.write("CURVE", 12, "latin1");
  expect(bytes.subarray(0, 64).toString("hex")).toBe(expected.toString("hex"));
}

describe("byte-level: the CURVE handshake on the wire, ours against RFC 26 and libzmq's", () => {
  const keys = { server: curveKeyPair(), client: zmq.curveKeyPair() };
  const lib = <T extends zmq.Socket>(s: T) => track(s);

  /** What a client sends and gets through a relay to a libzmq CURVE PULL server, until the server has the message. */
  async function asClient(client: Push | zmq.Push): Promise<{ up: Buffer; down: Buffer }> {
    const server = lib(new zmq.Pull({ linger: 0, receiveTimeout: IO_TIMEOUT, ...ourServer(keys) }));
    await server.bind("tcp://127.0.0.1:*");
    const via = await relay(server.lastEndpoint!);
    client.connect(via.endpoint);
    await client.send(["hello", ""]);
    expect((await server.receive()).map(String)).toEqual(["hello", ""]);
    return { up: via.up(), down: via.down() };
  }

  /** What a server sends and gets through a relay from a libzmq CURVE PUSH client, until the server has the message. */
  async function asServer(server: Pull | zmq.Pull): Promise<{ up: Buffer; down: Buffer }> {
    await server.bind("tcp://127.0.0.1:*");
    const via = await relay(server.lastEndpoint!);
    const client = lib(new zmq.Push({ linger: 0, sendTimeout: IO_TIMEOUT, ...ourClient(keys) }));
    client.connect(via.endpoint);
    await client.send(["hello", ""]);
    expect((await server.receive()).map(String)).toEqual(["hello", ""]);
    return { up: via.up(), down: via.down() };
  }

  it("our client: greeting, HELLO (200 bytes), INITIATE and MESSAGE laid out as RFC 26 says and as libzmq's client lays them out", async () => {
    const mine = await asClient(track(new Push({ ...OUR_OPTIONS, ...ourClient(keys) })));
    const theirs = await asClient(lib(new zmq.Push({ linger: 0, ...ourClient(keys) })));
    for (const { up } of [mine, theirs]) {
      checkGreeting(up);
      const [hello, initiate, first, second] = frames(up);
      checkHello(hello!);
      checkInitiate(initiate!, SOCKET_TYPE_ONLY);
      checkMessage(first!, 5, 3n); // "hello", MORE inside the box; the client's first MESSAGE nonce is 3
      checkMessage(second!, 0, 4n);
    }
    // Field by field against libzmq's: everything but C', the boxes and the cookie.
    expect(mine.up.subarray(0, 64).toString("hex")).toBe(theirs.up.subarray(0, 64).toString("hex"));
    const [myHello, myInitiate] = frames(mine.up);
    const [libHello, libInitiate] = frames(theirs.up);
    expect(myHello!.header.toString("hex")).toBe(libHello!.header.toString("hex"));
    expect(myHello!.body.subarray(0, 80).toString("hex")).toBe(libHello!.body.subarray(0, 80).toString("hex")); // name, version, 72 zeros
    expect(myHello!.body.subarray(112, 120).toString("hex")).toBe(libHello!.body.subarray(112, 120).toString("hex")); // nonce 1
    expect(myHello!.body.subarray(80, 112).equals(libHello!.body.subarray(80, 112))).toBe(false); // each its own C'
    expect(myInitiate!.header.toString("hex")).toBe(libInitiate!.header.toString("hex"));
    expect(myInitiate!.body.subarray(0, 9).toString("hex")).toBe(libInitiate!.body.subarray(0, 9).toString("hex"));
    expect(myInitiate!.body.subarray(105, 113).toString("hex")).toBe(libInitiate!.body.subarray(105, 113).toString("hex"));
    expect(frames(mine.up).map((f) => f.header.toString("hex"))).toEqual(frames(theirs.up).map((f) => f.header.toString("hex")));
  }, 10_000);

  it("our server: greeting, WELCOME (168 bytes) and READY (30 + metadata) as RFC 26 says and as libzmq's server; a libzmq client's INITIATE parses", async () => {
    const mine = await asServer(track(new Pull({ ...OUR_OPTIONS, ...ourServer(keys) })));
    const theirs = await asServer(lib(new zmq.Pull({ linger: 0, receiveTimeout: IO_TIMEOUT, ...ourServer(keys) })));
    for (const { up, down } of [mine, theirs]) {
      checkGreeting(down);
      const [welcome, ready] = frames(down);
      checkWelcome(welcome!);
      checkReady(ready!, SOCKET_TYPE_ONLY);
      // The libzmq client's side, which our server took apart and accepted.
      const [hello, initiate, first, second] = frames(up);
      checkHello(hello!);
      checkInitiate(initiate!, SOCKET_TYPE_ONLY);
      checkMessage(first!, 5, 3n);
      checkMessage(second!, 0, 4n);
    }
    expect(mine.down.subarray(0, 64).toString("hex")).toBe(theirs.down.subarray(0, 64).toString("hex"));
    const [myWelcome, myReady] = frames(mine.down);
    const [libWelcome, libReady] = frames(theirs.down);
    expect(myWelcome!.header.toString("hex")).toBe(libWelcome!.header.toString("hex"));
    expect(myWelcome!.body.subarray(0, 8).toString("hex")).toBe(libWelcome!.body.subarray(0, 8).toString("hex"));
    expect(myReady!.header.toString("hex")).toBe(libReady!.header.toString("hex"));
    expect(myReady!.body.subarray(0, 14).toString("hex")).toBe(libReady!.body.subarray(0, 14).toString("hex")); // name and nonce 1
    expect(frames(mine.down)).toHaveLength(2); // nothing else before the client's message arrived
  }, 10_000);
});
