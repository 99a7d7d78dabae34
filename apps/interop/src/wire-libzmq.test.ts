// @zmq/wire's ZmtpConnection over node:net against real libzmq 4.3.5 (the
// npm package `zeromq`): handshakes for every classic socket pair, traffic
// both ways including large frames, PLAIN in both roles with libzmq's ZAP,
// and refusals. All traffic stays on 127.0.0.1.
import { createServer, type Server, type Socket } from "node:net";
import { createCleanup, retryInUse, text as str } from "@zmq/kernel/testing";
import { connectWirePeer, startWirePeer, type WirePeer } from "@zmq/examples/wire-peer";
import { type SocketTypeName, WireError } from "@zmq/wire";
import { afterEach, describe, expect, it } from "vitest";
import * as zmq from "zeromq";

const cleanup = createCleanup();
afterEach(cleanup.closeAll);
const track = cleanup.track;

const port = (s: zmq.Socket) => Number(s.lastEndpoint!.split(":").pop());

async function libzmqBound<T extends zmq.Socket>(socket: T): Promise<T> {
  track(socket);
  socket.linger = 0;
  await socket.bind("tcp://127.0.0.1:*");
  return socket;
}

async function ours(s: zmq.Socket, socketType: SocketTypeName, routingId?: string): Promise<WirePeer> {
  const peer = await connectWirePeer(port(s), { socketType, routingId: routingId ? Buffer.from(routingId) : undefined });
  return track(peer);
}

const big = Buffer.alloc(70_000, 0x5a);
const huge = Buffer.alloc(1 << 20, 0x33);

describe("handshake and traffic with libzmq", () => {
  it("libzmq PUSH -> our PULL: multipart, empty frames, large frames", async () => {
    const push = await libzmqBound(new zmq.Push());
    const pull = await ours(push, "PULL");
    expect(pull.peer).toMatchObject({ protocol: "ZMTP/3.1", socketType: "PUSH" });
    expect(pull.peer.properties.has("Identity")).toBe(false);
    await push.send(["a", "", "c"]);
    await push.send([big]);
    await push.send([huge, ""]);
    expect(str(await pull.receive())).toEqual(["a", "", "c"]);
    expect(Buffer.compare((await pull.receive())[0]!, big)).toBe(0);
    const last = await pull.receive();
    expect(last[0]!.length).toBe(huge.length);
    expect(Buffer.compare(last[0]!, huge)).toBe(0);
    expect(last[1]!.length).toBe(0);
    expect(Buffer.isBuffer(last[0])).toBe(true);
  });

  it("our PUSH -> libzmq PULL: 1000 messages in order, none lost", async () => {
    const pull = await libzmqBound(new zmq.Pull());
    const push = await ours(pull, "PUSH");
    for (let i = 0; i < 1000; i++) push.send([Buffer.from(String(i)), i % 100 === 0 ? big : Buffer.alloc(0)]);
    for (let i = 0; i < 1000; i++) {
      const [n, body] = await pull.receive();
      expect(n!.toString()).toBe(String(i));
      expect(body!.length).toBe(i % 100 === 0 ? big.length : 0);
    }
  });

  it("libzmq ROUTER routes to our DEALER by its Identity; our DEALER reaches it", async () => {
    const router = await libzmqBound(new zmq.Router());
    const dealer = await ours(router, "DEALER", "our-dealer");
    expect(dealer.peer.socketType).toBe("ROUTER");
    dealer.send([Buffer.from("hello")]);
    const [id, msg] = await router.receive();
    expect(id!.toString()).toBe("our-dealer");
    expect(msg!.toString()).toBe("hello");
    await router.send(["our-dealer", "world"]);
    expect(str(await dealer.receive())).toEqual(["world"]);
  });

  it("libzmq DEALER with a routing id -> our ROUTER sees it", async () => {
    const dealer = await libzmqBound(new zmq.Dealer({ routingId: "lib-dealer" }));
    const router = await ours(dealer, "ROUTER");
    expect(Buffer.from(router.peer.routingId).toString()).toBe("lib-dealer");
    await dealer.send(["x", "y"]);
    expect(str(await router.receive())).toEqual(["x", "y"]);
  });

  it("libzmq REP answers our REQ-shaped traffic", async () => {
    const rep = await libzmqBound(new zmq.Reply());
    const req = await ours(rep, "REQ");
    req.send([Buffer.alloc(0), Buffer.from("question")]);
    expect(str(await rep.receive())).toEqual(["question"]);
    await rep.send("answer");
    expect(str(await req.receive())).toEqual(["", "answer"]);
  });

  it("libzmq SUB's subscription reaches our PUB as a SUBSCRIBE command, and PUB traffic flows", async () => {
    const sub = await libzmqBound(new zmq.Subscriber());
    sub.subscribe("news");
    const received = sub.receive();
    const pub = await ours(sub, "PUB");
    expect(pub.peer.socketType).toBe("SUB");
    pub.send([Buffer.from("news"), Buffer.from("today")]);
    expect(str(await received)).toEqual(["news", "today"]);
  });

  it("libzmq PAIR <-> our PAIR both ways", async () => {
    const pair = await libzmqBound(new zmq.Pair());
    const ourPair = await ours(pair, "PAIR");
    ourPair.send([Buffer.from("ping")]);
    expect(str(await pair.receive())).toEqual(["ping"]);
    await pair.send("pong");
    expect(str(await ourPair.receive())).toEqual(["pong"]);
  });

  it("an incompatible pair fails with a typed error on our side", async () => {
    const push = await libzmqBound(new zmq.Push());
    const err = await connectWirePeer(port(push), { socketType: "PUSH" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Either we read libzmq's READY and refuse PUSH-PUSH ourselves, or libzmq read ours first and hung up before
    // sending its own (it refuses the pair too): both are a refusal; a completed handshake is the failure.
    expect(err).toBeInstanceOf(Error);
    if (WireError.is(err)) expect(err.code).toBe("ZMTP_INCOMPATIBLE_SOCKET_TYPE");
    else expect((err as Error).message).toBe("connection closed before the handshake completed");
  });
});

describe("PLAIN with libzmq", () => {
  /** libzmq's ZAP handler, in zeromq.js's default context. */
  async function zapHandler(accept: (user: string, pass: string) => boolean): Promise<zmq.Reply> {
    const zap = track(new zmq.Reply({ linger: 0 }));
    // libzmq frees the previous test's handler endpoint a moment after its close(): EADDRINUSE until then.
    await retryInUse(() => zap.bind("inproc://zeromq.zap.01"));
    void (async () => {
      try {
        for await (const [version, id, , , , mechanism, user, pass] of zap) {
          expect(mechanism!.toString()).toBe("PLAIN");
          const ok = accept(user!.toString(), pass!.toString());
          await zap.send([version!, id!, ok ? "200" : "400", ok ? "OK" : "denied", ok ? user! : "", ""]);
        }
      } catch {
        // closed at the end of the test
      }
    })();
    return zap;
  }

  it("our PLAIN client logs in to a libzmq PLAIN server", async () => {
    await zapHandler((u, p) => u === "admin" && p === "secret");
    const server = await libzmqBound(new zmq.Pull({ plainServer: true }));
    const client = track(
      await connectWirePeer(port(server), { socketType: "PUSH", mechanism: { type: "PLAIN", username: "admin", password: "secret" } }),
    );
    expect(client.peer).toMatchObject({ protocol: "ZMTP/3.1", socketType: "PULL" });
    client.send([Buffer.from("authenticated")]);
    expect(str(await server.receive())).toEqual(["authenticated"]);
  });

  it("a wrong password gets ERROR 400 from libzmq and a typed error here", async () => {
    await zapHandler(() => false);
    const server = await libzmqBound(new zmq.Pull({ plainServer: true }));
    const err = await connectWirePeer(port(server), {
      socketType: "PUSH",
      mechanism: { type: "PLAIN", username: "admin", password: "wrong" },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(WireError.is(err)).toBe(true);
    expect((err as WireError).code).toBe("ZMTP_AUTH_FAILED");
    expect((err as WireError).status).toBe("400");
  });

  it("a libzmq PLAIN client logs in to our PLAIN server", async () => {
    const seen: string[] = [];
    const peers: Promise<WirePeer>[] = [];
    const server: Server = createServer((socket: Socket) => {
      cleanup.defer(() => socket.destroy());
      peers.push(
        startWirePeer(socket, {
          socketType: "PULL",
          mechanism: {
            type: "PLAIN",
            server: true,
            authenticate: async ({ username, password }) => {
              seen.push(`${username}:${password}`);
              await Promise.resolve();
              return username === "lib" && password === "pw" ? { status: "200", userId: "lib-user" } : false;
            },
          },
        }),
      );
    });
    cleanup.defer(() => server.close());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    const push = track(new zmq.Push({ plainUsername: "lib", plainPassword: "pw", linger: 0 }));
    push.connect(`tcp://127.0.0.1:${address.port}`);
    await push.send("over PLAIN");
    while (peers.length === 0) await new Promise((r) => setImmediate(r));
    const peer = track(await peers[0]!);
    expect(seen).toEqual(["lib:pw"]);
    expect(peer.peer).toMatchObject({ userId: "lib-user", socketType: "PUSH" });
    expect(str(await peer.receive())).toEqual(["over PLAIN"]);
  });
});
