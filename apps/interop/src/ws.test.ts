// ZWS 2.0 (ws://) against libzmq 4.3.5 (npm `zeromq` 6.8.0, whose build
// binds and connects ws://): Req/Rep, Dealer/Router, Pub/Sub and Push/Pull,
// each with us binding and with libzmq binding, with NULL, PLAIN and CURVE.
// The binding side is the security server. Our side is the @zmq/zeromq
// Context with @zmq/transport-ws added.
import { createCleanup } from "@zmq/kernel/testing";
import { ws } from "@zmq/transport-ws";
import { Context, Dealer, type Event, Publisher, Pull, Push, Reply, Request, Router, Subscriber, curveKeyPair } from "@zmq/zeromq";
import { afterEach, describe, expect, it } from "vitest";
import * as zmq from "zeromq";

const open = createCleanup();
afterEach(open.closeAll);
const track = open.track;

const context = new Context().use(ws());

type Lib = "ours" | "libzmq";
type Security = "NULL" | "PLAIN" | "CURVE";

/** What the tests use of a socket, the same in both libraries. */
interface AnySocket {
  bind(endpoint: string): Promise<void>;
  connect(endpoint: string): void;
  send(msg: string | Buffer | (string | Buffer)[]): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
  readonly lastEndpoint: string | null;
}

/** Both libraries' socket events, as far as these tests listen. */
interface EventSource {
  on(type: string, listener: (event: unknown) => void): void;
}

interface SubSocket extends AnySocket {
  subscribe(...topics: string[]): void;
}

const OURS = { Request, Reply, Dealer, Router, Publisher, Subscriber, Push, Pull } as const;
const LIBZMQ = {
  Request: zmq.Request,
  Reply: zmq.Reply,
  Dealer: zmq.Dealer,
  Router: zmq.Router,
  Publisher: zmq.Publisher,
  Subscriber: zmq.Subscriber,
  Push: zmq.Push,
  Pull: zmq.Pull,
} as const;
type Kind = keyof typeof OURS;

function make(lib: Lib, kind: Kind, options: Record<string, unknown>): AnySocket {
  const opts = { linger: 0, ...options };
  const socket = lib === "ours" ? new OURS[kind]({ context, ...opts }) : new LIBZMQ[kind](opts);
  return track(socket as unknown as AnySocket);
}

const strings = (msg: Buffer[]) => msg.map((f) => f.toString());

/** A ZAP handler in `lib`'s context that admits admin/secret (PLAIN), any CURVE client, and NULL in domain "welcome". */
async function zapHandler(lib: Lib): Promise<void> {
  const zap = lib === "ours" ? track(new Reply({ context, linger: 0 })) : track(new zmq.Reply({ linger: 0 }));
  await zap.bind("inproc://zeromq.zap.01");
  void (async () => {
    try {
      for (;;) {
        const [version, id, domain, , , mechanism, user, pass] = strings(await zap.receive());
        const ok = mechanism === "CURVE" || (mechanism === "NULL" && domain === "welcome") || (user === "admin" && pass === "secret");
        await zap.send([version!, id!, ok ? "200" : "400", ok ? "OK" : "no", "", ""]);
      }
    } catch {
      // closed with the test
    }
  })();
}

/** Socket options for the security server (the binder) and client (the connecter). */
function securityOptions(security: Security): { server: Record<string, unknown>; client: Record<string, unknown> } {
  if (security === "NULL") return { server: {}, client: {} };
  if (security === "PLAIN") return { server: { plainServer: true }, client: { plainUsername: "admin", plainPassword: "secret" } };
  const server = curveKeyPair();
  const client = curveKeyPair();
  return {
    server: { curveServer: true, curveSecretKey: server.secretKey },
    client: { curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey },
  };
}

interface Pattern {
  readonly binder: Kind;
  readonly connecter: Kind;
  readonly connecterOptions?: Record<string, unknown>;
  exchange(binder: AnySocket, connecter: AnySocket): Promise<void>;
}

/** Publishes until the first matching message arrives (a subscription takes a moment to reach the publisher). */
async function publishUntilReceived(pub: AnySocket, sub: AnySocket): Promise<Buffer[]> {
  let done = false;
  const received = sub.receive().finally(() => (done = true));
  while (!done) {
    await pub.send(["other", "not for you"]);
    await pub.send(["topic.a", "for you"]);
    await Promise.race([received, new Promise((r) => setTimeout(r, 10))]);
  }
  return received;
}

const PATTERNS: Record<string, Pattern> = {
  "Req/Rep": {
    binder: "Reply",
    connecter: "Request",
    async exchange(rep, req) {
      await req.send(["hello", "over ws"]);
      expect(strings(await rep.receive())).toEqual(["hello", "over ws"]);
      await rep.send(["world", ""]);
      expect(strings(await req.receive())).toEqual(["world", ""]);
    },
  },
  "Dealer/Router": {
    binder: "Router",
    connecter: "Dealer",
    connecterOptions: { routingId: "dealer-7" },
    async exchange(router, dealer) {
      await dealer.send(["", "frame", Buffer.alloc(300, 7)]);
      const [id, ...rest] = await router.receive();
      expect(id!.toString()).toBe("dealer-7");
      expect(rest.map((f) => f.length)).toEqual([0, 5, 300]);
      await router.send([id!, "back"]);
      expect(strings(await dealer.receive())).toEqual(["back"]);
    },
  },
  "Pub/Sub": {
    binder: "Publisher",
    connecter: "Subscriber",
    async exchange(pub, sub) {
      (sub as SubSocket).subscribe("topic.");
      expect(strings(await publishUntilReceived(pub, sub))).toEqual(["topic.a", "for you"]);
      // Whatever else arrives was published on the same topic: the filter held.
      await pub.send(["topic.b", "last"]);
      for (;;) {
        const msg = strings(await sub.receive());
        expect(msg[0]).toMatch(/^topic\./);
        if (msg[0] === "topic.b") break;
      }
    },
  },
  "Push/Pull": {
    binder: "Pull",
    connecter: "Push",
    async exchange(pull, push) {
      for (let i = 0; i < 100; i++) await push.send([`m${i}`, Buffer.alloc(i * 100, i)]);
      for (let i = 0; i < 100; i++) {
        const [head, body] = await pull.receive();
        expect(head!.toString()).toBe(`m${i}`);
        expect(body!.length).toBe(i * 100);
      }
      // 70 KiB: a 64-bit WebSocket length.
      await push.send(Buffer.alloc(70_000, 1));
      expect((await pull.receive())[0]!.length).toBe(70_000);
    },
  },
};

describe.each(["NULL", "PLAIN", "CURVE"] as const)("ws:// with libzmq 4.3.5, %s", (security) => {
  describe.each(Object.keys(PATTERNS))("%s", (name) => {
    const pattern = PATTERNS[name]!;
    it.each([
      ["ours", "libzmq"],
      ["libzmq", "ours"],
    ] as const)("%s binds, %s connects", async (binderLib, connecterLib) => {
      const { server, client } = securityOptions(security);
      if (security !== "NULL") await zapHandler(binderLib);
      const binder = make(binderLib, pattern.binder, server);
      const connecter = make(connecterLib, pattern.connecter, { ...client, ...pattern.connecterOptions });
      await binder.bind("ws://127.0.0.1:*/zmq");
      expect(binder.lastEndpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/zmq$/);
      connecter.connect(binder.lastEndpoint!);
      await pattern.exchange(binder, connecter);
      const ours = (binderLib === "ours" ? binder : connecter) as unknown as { securityMechanism: string | null };
      expect(ours.securityMechanism).toBe(security === "NULL" ? null : security.toLowerCase());
    });
  });
});

describe("ws:// NULL with a ZAP domain, with libzmq 4.3.5", () => {
  it.each([
    ["ours", "libzmq"],
    ["libzmq", "ours"],
  ] as const)("%s binds and asks its handler: admitted in one domain, refused (400) in another; %s connects", async (binderLib, connecterLib) => {
    await zapHandler(binderLib);
    const welcome = make(binderLib, "Pull", { zapDomain: "welcome" });
    await welcome.bind("ws://127.0.0.1:*/in");
    const admitted = make(connecterLib, "Push", {});
    admitted.connect(welcome.lastEndpoint!);
    await admitted.send("let in");
    expect(strings(await welcome.receive())).toEqual(["let in"]);

    const closed = make(binderLib, "Pull", { zapDomain: "closed" }) as AnySocket & { events: EventSource };
    const refusedHere = new Promise((resolve) => closed.events.on("handshake:error:auth", resolve));
    await closed.bind("ws://127.0.0.1:*/out");
    const refused = make(connecterLib, "Push", { reconnectInterval: -1 }) as AnySocket & { events: EventSource };
    const toldThere = new Promise((resolve) => refused.events.on("handshake:error:auth", resolve));
    refused.connect(closed.lastEndpoint!);
    expect(await refusedHere).toMatchObject({ type: "handshake:error:auth" });
    expect(await toldThere).toMatchObject({ type: "handshake:error:auth" });
  });
});

describe("bare ZWS2.0 with libzmq (our client offers it first; libzmq's server takes the first it can speak)", () => {
  const bareContext = new Context().use(ws({ bareFirst: true }));

  it("libzmq's ROUTER learns our routing id from our first message, and replies by it", async () => {
    const router = make("libzmq", "Router", {});
    await router.bind("ws://127.0.0.1:*");
    const dealer = track(new Dealer({ context: bareContext, linger: 0, routingId: "bare-dealer" }));
    dealer.connect(router.lastEndpoint!);
    await dealer.send(["x", "y"]);
    const [id, ...rest] = await router.receive();
    expect(id!.toString()).toBe("bare-dealer");
    expect(strings(rest)).toEqual(["x", "y"]);
    await router.send([id!, "z"]);
    expect(strings(await dealer.receive())).toEqual(["z"]);
  });

  it("Req/Rep with libzmq binding", async () => {
    const rep = make("libzmq", "Reply", {});
    await rep.bind("ws://127.0.0.1:*/bare");
    const req = track(new Request({ context: bareContext, linger: 0 }));
    req.connect(rep.lastEndpoint!);
    await req.send("q");
    expect(strings(await rep.receive())).toEqual(["q"]);
    await rep.send("a");
    expect(strings(await req.receive())).toEqual(["a"]);
  });
});

describe("ws:// heartbeats with libzmq (WebSocket pings and pongs)", () => {
  it.each([
    ["ours", "libzmq"],
    ["libzmq", "ours"],
  ] as const)("%s binds, %s connects: both ping every 10 ms and neither times the other out", async (binderLib, connecterLib) => {
    const heartbeat = { heartbeatInterval: 10, heartbeatTimeout: 150 };
    const pull = make(binderLib, "Pull", heartbeat);
    await pull.bind("ws://127.0.0.1:*");
    const push = make(connecterLib, "Push", heartbeat);
    const ours = (binderLib === "ours" ? pull : push) as unknown as InstanceType<typeof Pull>;
    let disconnects = 0;
    ours.events.on("disconnect", () => disconnects++);
    push.connect(pull.lastEndpoint!);
    await push.send("before");
    expect(strings(await pull.receive())).toEqual(["before"]);
    // Many heartbeat intervals, and several timeouts' worth: only answered pings keep the connection.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await push.send("after");
    expect(strings(await pull.receive())).toEqual(["after"]);
    expect(disconnects).toBe(0);
  });
});

describe("ws:// endpoints as libzmq names them", () => {
  it("a wildcard port without a path reports the path '/', as libzmq does", async () => {
    const theirs = make("libzmq", "Pull", {});
    await theirs.bind("ws://127.0.0.1:*");
    const ours = make("ours", "Pull", {});
    await ours.bind("ws://127.0.0.1:*");
    expect(ours.lastEndpoint!.replace(/:\d+\//, ":PORT/")).toBe(theirs.lastEndpoint!.replace(/:\d+\//, ":PORT/"));
    expect(ours.lastEndpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it("libzmq's client reaches our endpoint at '/' when it connects without a path", async () => {
    const pull = make("ours", "Pull", {});
    await pull.bind("ws://127.0.0.1:*");
    const push = make("libzmq", "Push", {});
    push.connect(pull.lastEndpoint!.slice(0, -1));
    await push.send("no path");
    expect(strings(await pull.receive())).toEqual(["no path"]);
  });

  it("a libzmq NULL client meets our PLAIN server: no subprotocol fits, and our socket reports a protocol error", async () => {
    const pull = make("ours", "Pull", { plainServer: true }) as unknown as InstanceType<typeof Pull>;
    const refused = new Promise<Event>((resolve) => pull.events.on("handshake:error:protocol", resolve));
    await pull.bind("ws://127.0.0.1:*");
    const push = make("libzmq", "Push", {});
    push.connect(pull.lastEndpoint!);
    expect(await refused).toMatchObject({ type: "handshake:error:protocol" });
  });

  it("our PLAIN client is turned away by a libzmq NULL server and says so", async () => {
    const pull = make("libzmq", "Pull", {});
    await pull.bind("ws://127.0.0.1:*");
    const push = make("ours", "Push", { plainUsername: "admin", plainPassword: "secret", reconnectInterval: -1 }) as unknown as InstanceType<
      typeof Push
    >;
    const closed = new Promise<Event>((resolve) => push.events.on("close", resolve));
    push.connect(pull.lastEndpoint!);
    expect(await closed).toMatchObject({ type: "close" });
  });
});
