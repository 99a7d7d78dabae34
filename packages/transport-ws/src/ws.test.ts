// ws:// and wss:// between our own ends in Node: endpoints and paths, every
// socket pattern, reconnection, PLAIN and CURVE, TLS with a certificate
// made for the test, heartbeats, the browser entry's client, and peers that
// break the WebSocket or ZWS rules (they lose their connection with a
// monitor event; the process and the socket carry on).
//
// The pattern packages, @zmq/plain and @zmq/curve are not dependencies of
// this package: they are reached through their built dist, beside it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { type AddressInfo, type Socket, createServer as createNetServer, connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveZap } from "@zmq/engine";
import { Context, type SocketBase } from "@zmq/kernel";
import { createCleanup, nextEvent, text, watchEvents } from "@zmq/kernel/testing";
import { inproc } from "@zmq/transport-inproc";
import { WebSocket } from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { curve, curveKeyPair } from "@zmq/curve";
import { Pair } from "@zmq/pattern-pair";
import { Pull, Push } from "@zmq/pattern-pipeline";
import { Publisher, Subscriber, XPublisher, XSubscriber } from "@zmq/pattern-pubsub";
import { Dealer, Reply, Request, Router } from "@zmq/pattern-reqrep";
import { plain } from "@zmq/plain";
import { ws as browserWs } from "./browser.js";
import type { WebSocketConstructor } from "./browser-stream.js";
import { acceptKey } from "./handshake.js";
import { formatWsEndpoint, parseWsAddress, ws, wss } from "./index.js";

const open = createCleanup();
afterEach(open.closeAll);
const track = <T extends { close(): void }>(s: T): T => open.track(s);

const context = new Context({ transports: [ws(), inproc()], mechanisms: [plain, curve] });
const opts = { context, linger: 0 };

const port = (endpoint: string) => Number(/:(\d+)\//.exec(endpoint)![1]);

describe("ws endpoints", () => {
  it("parses libzmq's forms and rejects the rest with EINVAL", () => {
    expect(parseWsAddress("u", "ws", "127.0.0.1:5555", false)).toEqual({ secure: false, host: "127.0.0.1", port: 5555, path: "/" });
    expect(parseWsAddress("u", "wss", "*:*/a/b", true)).toEqual({ secure: true, host: "*", port: 0, path: "/a/b" });
    expect(parseWsAddress("u", "ws", "[::1]:80/x", false)).toMatchObject({ host: "::1", port: 80, path: "/x" });
    expect(parseWsAddress("u", "ws", "example.org:8080/zmq", false)).toMatchObject({ host: "example.org", port: 8080 });
    expect(formatWsEndpoint("ws", "::1", 5, "/p")).toBe("ws://[::1]:5/p");
    for (const [address, bind] of [
      ["127.0.0.1", false],
      ["127.0.0.1:abc", true],
      ["127.0.0.1:65536/", true],
      ["::1:5555", true],
      ["*:5555", false],
      ["127.0.0.1:*", false],
      ["127.0.0.1:5/a b", true],
    ] as const) {
      expect(() => parseWsAddress(`ws://${address}`, "ws", address, bind), address).toThrow(expect.objectContaining({ code: "EINVAL" }));
    }
  });

  it("binds a wildcard port, reports it with the path, and serves several paths on one port", async () => {
    const a = track(new Pull(opts));
    await a.bind("ws://127.0.0.1:*/a");
    expect(a.lastEndpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/a$/);
    const b = track(new Pull(opts));
    await b.bind(`ws://127.0.0.1:${port(a.lastEndpoint!)}/b`);
    const again = track(new Pull(opts));
    await expect(again.bind(a.lastEndpoint!)).rejects.toMatchObject({ code: "EADDRINUSE" });
    const tx = track(new Push(opts));
    tx.connect(b.lastEndpoint!);
    tx.connect(a.lastEndpoint!);
    await tx.send("one");
    await tx.send("two");
    expect(text(await b.receive())).toEqual(["one"]);
    expect(text(await a.receive())).toEqual(["two"]);
  });

  it("binds ws://*:* on every interface as 0.0.0.0, reachable on loopback", async () => {
    const rx = track(new Pull(opts));
    await rx.bind("ws://*:*");
    expect(rx.lastEndpoint).toMatch(/^ws:\/\/0\.0\.0\.0:\d+\/$/);
    const tx = track(new Push(opts));
    tx.connect(rx.lastEndpoint!.replace("0.0.0.0", "127.0.0.1"));
    await tx.send("any");
    expect(text(await rx.receive())).toEqual(["any"]);
  });

  it("speaks IPv6 on [::1]", async () => {
    const rx = track(new Pull(opts));
    await rx.bind("ws://[::1]:*/six");
    expect(rx.lastEndpoint).toMatch(/^ws:\/\/\[::1\]:\d+\/six$/);
    const tx = track(new Push(opts));
    tx.connect(rx.lastEndpoint!);
    await tx.send("v6");
    expect(text(await rx.receive())).toEqual(["v6"]);
  });

  it("a connect to a path nobody bound is refused (404) and retried", async () => {
    const rx = track(new Pull(opts));
    await rx.bind("ws://127.0.0.1:*/here");
    const tx = track(new Push({ ...opts, reconnectInterval: 10 }));
    const watch = watchEvents(tx);
    tx.connect(rx.lastEndpoint!.replace("/here", "/elsewhere"));
    await watch.untilCount("connect:retry", 2);
    expect(watch.counts.get("connect") ?? 0).toBe(0);
  });
});

describe("mounted on an application's http server", () => {
  it("serves the app's page and a socket's path on one port, and leaves the server running after unbind", async () => {
    const server = createServer((_req, res) => res.end("<p>page</p>"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    open.defer(() => server.close());
    const appPort = (server.address() as AddressInfo).port;
    const mounted = new Context({ transports: [ws({ server })] });
    const rep = track(new Reply({ context: mounted, linger: 0 }));
    await rep.bind("ws://127.0.0.1:*/zmq");
    expect(rep.lastEndpoint).toBe(`ws://127.0.0.1:${appPort}/zmq`);
    const req = track(new Request(opts));
    req.connect(rep.lastEndpoint!);
    await req.send("hello");
    expect(text(await rep.receive())).toEqual(["hello"]);
    await rep.send("world");
    expect(text(await req.receive())).toEqual(["world"]);
    expect(await (await fetch(`http://127.0.0.1:${appPort}/`)).text()).toBe("<p>page</p>");
    rep.close();
    expect(await (await fetch(`http://127.0.0.1:${appPort}/`)).text()).toBe("<p>page</p>");
  });
});

describe("every pattern over ws", () => {
  it("Req/Rep", async () => {
    const rep = track(new Reply(opts));
    await rep.bind("ws://127.0.0.1:*");
    const req = track(new Request(opts));
    req.connect(rep.lastEndpoint!);
    await req.send(["q", ""]);
    expect(text(await rep.receive())).toEqual(["q", ""]);
    await rep.send("a");
    expect(text(await req.receive())).toEqual(["a"]);
  });

  it("Dealer/Router with a routing id from the NULL handshake", async () => {
    const router = track(new Router(opts));
    await router.bind("ws://127.0.0.1:*/r");
    const dealer = track(new Dealer({ ...opts, routingId: "dealer" }));
    dealer.connect(router.lastEndpoint!);
    await dealer.send("hi");
    const [id, body] = await router.receive();
    expect(text([id!, body!])).toEqual(["dealer", "hi"]);
    await router.send([id!, "back"]);
    expect(text(await dealer.receive())).toEqual(["back"]);
  });

  it("Pub/Sub filters by the subscription the subscriber sends", async () => {
    const pub = track(new Publisher(opts));
    await pub.bind("ws://127.0.0.1:*");
    const sub = track(new Subscriber(opts));
    sub.subscribe("yes");
    sub.connect(pub.lastEndpoint!);
    const got = sub.receive();
    let done = false;
    void got.then(() => (done = true));
    while (!done) {
      await pub.send(["no", "1"]);
      await pub.send(["yes", "2"]);
      await Promise.race([got, new Promise((r) => setTimeout(r, 5))]);
    }
    expect(text(await got)).toEqual(["yes", "2"]);
  });

  it("XPub/XSub: the subscription arrives as a message, and a message goes upstream", async () => {
    const xpub = track(new XPublisher(opts));
    await xpub.bind("ws://127.0.0.1:*");
    const xsub = track(new XSubscriber(opts));
    xsub.connect(xpub.lastEndpoint!);
    await xsub.send(new Uint8Array([1, 0x74]));
    expect([...(await xpub.receive())[0]!]).toEqual([1, 0x74]);
    await xpub.send(["t", "data"]);
    expect(text(await xsub.receive())).toEqual(["t", "data"]);
  });

  it("Push/Pull moves many messages and a 4 MiB one through backpressure", async () => {
    const pull = track(new Pull({ ...opts, receiveHighWaterMark: 10 }));
    await pull.bind("ws://127.0.0.1:*");
    const push = track(new Push({ ...opts, sendHighWaterMark: 10 }));
    push.connect(pull.lastEndpoint!);
    const big = new Uint8Array(4 * 1024 * 1024).fill(9);
    const sending = (async () => {
      for (let i = 0; i < 2000; i++) await push.send([String(i), new Uint8Array(i % 300)]);
      await push.send(big);
    })();
    for (let i = 0; i < 2000; i++) expect(text(await pull.receive())[0]).toBe(String(i));
    const last = await pull.receive();
    expect(last[0]!.length).toBe(big.length);
    expect(last[0]![big.length - 1]).toBe(9);
    await sending;
  });

  it("large messages of varying sizes from a client (masking buffers lent again, raw-stream.test.ts) arrive each as it was sent", async () => {
    const sizes = [65536, 40_000, 70_000, 2048, 65536, 100_000];
    const pull = track(new Pull({ ...opts, receiveHighWaterMark: 5 }));
    await pull.bind("ws://127.0.0.1:*");
    const push = track(new Push({ ...opts, sendHighWaterMark: 5 }));
    push.connect(pull.lastEndpoint!);
    const count = 600;
    const sending = (async () => {
      for (let i = 0; i < count; i++) await push.send(new Uint8Array(sizes[i % sizes.length]!).fill(i & 0xff));
    })();
    let good = 0;
    for (; good < count; good++) {
      const [frame] = await pull.receive();
      const size = sizes[good % sizes.length]!;
      const b = good & 0xff;
      if (frame!.length !== size || frame![0] !== b || frame![size - 1] !== b || frame![size >> 1] !== b) break;
    }
    await sending;
    expect(good).toBe(count);
  });

  it("Pair", async () => {
    const a = track(new Pair(opts));
    await a.bind("ws://127.0.0.1:*");
    const b = track(new Pair(opts));
    b.connect(a.lastEndpoint!);
    await b.send("ping");
    expect(text(await a.receive())).toEqual(["ping"]);
    await a.send("pong");
    expect(text(await b.receive())).toEqual(["pong"]);
  });

  it("refuses peers whose socket types cannot talk (PUSH to PUB)", async () => {
    const pub = track(new Publisher(opts));
    const refused = nextEvent(pub, "handshake:error:protocol");
    await pub.bind("ws://127.0.0.1:*");
    const push = track(new Push({ ...opts, reconnectInterval: -1 }));
    push.connect(pub.lastEndpoint!);
    expect((await refused).error.code).toBe("ERR_ZMTP_INVALID_METADATA");
  });
});

describe("reconnection", () => {
  it("reconnects after the server goes away, and the queue kept meanwhile goes through", async () => {
    const first = track(new Pull(opts));
    await first.bind("ws://127.0.0.1:*/again");
    const endpoint = first.lastEndpoint!;
    const push = track(new Push({ ...opts, reconnectInterval: 10 }));
    const watch = watchEvents(push);
    push.connect(endpoint);
    await push.send("before");
    expect(text(await first.receive())).toEqual(["before"]);
    first.close();
    await watch.untilCount("disconnect", 1);
    await push.send("while away");
    const second = track(new Pull(opts));
    await second.bind(endpoint);
    expect(text(await second.receive())).toEqual(["while away"]);
    expect(watch.counts.get("handshake")).toBe(2);
  });
});

describe("security over ws", () => {
  it("PLAIN (ZWS2.0/PLAIN) with ZAP: the right password gets in, a wrong one hears 400", async () => {
    const asked: string[] = [];
    const zap = serveZap(context, (request) => {
      const [user, pass] = request.credentials.map((c) => new TextDecoder().decode(c));
      asked.push(`${request.mechanism} ${user}`);
      return user === "admin" && pass === "secret";
    });
    open.defer(() => zap.close());
    const server = track(new Pull({ ...opts, plainServer: true }));
    await server.bind("ws://127.0.0.1:*/plain");
    const good = track(new Push({ ...opts, plainUsername: "admin", plainPassword: "secret" }));
    good.connect(server.lastEndpoint!);
    await good.send("in");
    expect(text(await server.receive())).toEqual(["in"]);
    expect(server.securityMechanism).toBe("plain");
    const bad = track(new Push({ ...opts, plainUsername: "admin", plainPassword: "wrong", reconnectInterval: -1 }));
    const refused = nextEvent(bad, "handshake:error:auth");
    bad.connect(server.lastEndpoint!);
    expect((await refused).error.status).toBe(400);
    expect(asked).toEqual(["PLAIN admin", "PLAIN admin"]);
  });

  it("CURVE (ZWS2.0/CURVE): encrypted both ways, multipart kept", async () => {
    const serverKeys = curveKeyPair();
    const clientKeys = curveKeyPair();
    const rep = track(new Reply({ ...opts, curveServer: true, curveSecretKey: serverKeys.secretKey }));
    await rep.bind("ws://127.0.0.1:*/curve");
    const req = track(
      new Request({ ...opts, curveServerKey: serverKeys.publicKey, curvePublicKey: clientKeys.publicKey, curveSecretKey: clientKeys.secretKey }),
    );
    req.connect(rep.lastEndpoint!);
    await req.send(["secret", "", "parts"]);
    expect(text(await rep.receive())).toEqual(["secret", "", "parts"]);
    await rep.send("answer");
    expect(text(await req.receive())).toEqual(["answer"]);
    expect(req.securityMechanism).toBe("curve");
  });

  it("a NULL client at a PLAIN server: no subprotocol fits; the server reports it, the client retries", async () => {
    const server = track(new Pull({ ...opts, plainServer: true }));
    const refused = nextEvent(server, "handshake:error:protocol");
    await server.bind("ws://127.0.0.1:*");
    const client = track(new Push({ ...opts, reconnectInterval: 10 }));
    client.connect(server.lastEndpoint!);
    expect((await refused).error.code).toBe("ERR_WS_UNSPECIFIED");
    await nextEvent(client, "connect:retry");
  });
});

describe("wss:// with a certificate made for the test", () => {
  let dir = "";
  let cert = "";
  let key = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "zws-tls-"));
    execFileSync("openssl", [
      "req",
      ...["-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"],
      ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
    ]);
    cert = readFileSync(join(dir, "cert.pem"), "utf8");
    key = readFileSync(join(dir, "key.pem"), "utf8");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a client trusting the certificate talks to the server; one that does not is refused before any handshake", async () => {
    const serverContext = new Context({ transports: [wss({ tls: { cert, key } })] });
    const clientContext = new Context({ transports: [wss({ tls: { ca: cert } })] });
    const rep = track(new Reply({ context: serverContext, linger: 0 }));
    await rep.bind("wss://127.0.0.1:*/secure");
    expect(rep.lastEndpoint).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/secure$/);
    const req = track(new Request({ context: clientContext, linger: 0 }));
    req.connect(rep.lastEndpoint!);
    await req.send("over tls");
    expect(text(await rep.receive())).toEqual(["over tls"]);
    await rep.send("secured");
    expect(text(await req.receive())).toEqual(["secured"]);

    const noCert = track(new Pull({ context: new Context({ transports: [wss()] }), linger: 0 }));
    await expect(noCert.bind("wss://127.0.0.1:*")).rejects.toMatchObject({ code: "EINVAL" });

    const stranger = track(new Push({ context: new Context({ transports: [wss()] }), linger: 0, reconnectInterval: -1 }));
    const watch = watchEvents(stranger);
    stranger.connect(rep.lastEndpoint!);
    await watch.untilCount("close", 1);
    expect(watch.counts.get("connect") ?? 0).toBe(0);
  });
});

/** A raw TCP client that sends an HTTP upgrade by hand and reads the answer's head. */
async function rawUpgrade(endpoint: string, protocol: string | undefined): Promise<{ socket: Socket; head: string }> {
  const { host, port: p, path } = parseWsAddress(endpoint, "ws", endpoint.slice(5), false);
  const socket = netConnect({ host, port: p });
  track({ close: () => socket.destroy() });
  socket.on("error", () => {});
  await new Promise((r) => socket.once("connect", r));
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${host}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
  ];
  if (protocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
  socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  let head = "";
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (head.includes("\r\n\r\n")) {
        socket.off("data", onData);
        socket.off("close", resolve);
        resolve();
      }
    };
    socket.on("data", onData);
    socket.once("close", () => resolve());
  });
  return { socket, head };
}

/** One WebSocket frame (FIN set), masked as a client's must be unless `mask` is false. */
function wsFrame(opcode: number, payload: Uint8Array, mask = true): Buffer {
  const len = payload.length;
  const header = len < 126 ? [0x80 | opcode, (mask ? 0x80 : 0) | len] : [0x80 | opcode, (mask ? 0x80 : 0) | 126, len >> 8, len & 0xff];
  const key = [1, 2, 3, 4];
  const body = mask ? payload.map((b, i) => b ^ key[i % 4]!) : payload;
  return Buffer.concat([Buffer.from(header), Buffer.from(mask ? key : []), Buffer.from(body)]);
}

describe("the client's upgrade", () => {
  /** A raw TCP server that records the request and answers what `answer` makes of it. */
  async function fakeServer(answer: (request: string) => string): Promise<{ endpoint: string; requests: string[] }> {
    const requests: string[] = [];
    const server = createNetServer((socket) => {
      socket.on("error", () => {});
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString("latin1");
        if (!text.includes("\r\n\r\n")) return;
        requests.push(text);
        socket.write(answer(text));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    open.defer(() => server.close());
    return { endpoint: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/zmq`, requests };
  }
  const keyOf = (request: string) => /Sec-WebSocket-Key: (\S+)/.exec(request)![1]!;

  it("sends libzmq's request: GET path, Upgrade, Connection, a key, the offered subprotocols, version 13", async () => {
    const { endpoint, requests } = await fakeServer(() => "HTTP/1.1 404 Not Found\r\n\r\n");
    const push = track(new Push({ ...opts, reconnectInterval: -1 }));
    const closed = nextEvent(push, "close");
    push.connect(endpoint);
    await closed;
    const lines = requests[0]!.split("\r\n");
    expect(lines[0]).toBe("GET /zmq HTTP/1.1");
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Host: 127\.0\.0\.1:\d+$/),
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Protocol: ZWS2.0/NULL,ZWS2.0",
        "Sec-WebSocket-Version: 13",
      ]),
    );
    expect(keyOf(requests[0]!)).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });

  for (const [name, answer] of [
    ["a status other than 101", () => "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"],
    [
      "a wrong Sec-WebSocket-Accept",
      () =>
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm9wZQ==\r\nSec-WebSocket-Protocol: ZWS2.0\r\n\r\n",
    ],
  ] as const) {
    it(`fails the connect on ${name}, and retries`, async () => {
      const { endpoint } = await fakeServer(answer);
      const push = track(new Push({ ...opts, reconnectInterval: 10 }));
      const watch = watchEvents(push);
      push.connect(endpoint);
      await watch.untilCount("connect:retry", 2);
      expect(watch.counts.get("connect") ?? 0).toBe(0);
    });
  }

  it("refuses a subprotocol it did not offer: a protocol error, and no more reconnects", async () => {
    const { endpoint } = await fakeServer(
      (request) =>
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${acceptKey(keyOf(request))}\r\nSec-WebSocket-Protocol: ZWS2.0/PLAIN\r\n\r\n`,
    );
    const push = track(new Push({ ...opts, reconnectInterval: 10 }));
    const refused = nextEvent(push, "handshake:error:protocol");
    push.connect(endpoint);
    expect((await refused).error.code).toBe("ERR_WS_UNSPECIFIED");
  });
});

describe("peers that break the rules lose their connection, with a monitor event", () => {
  async function server(transport = ws()) {
    const ctx = new Context({ transports: [transport] });
    const pull = track(new Pull({ context: ctx, linger: 0 }));
    await pull.bind("ws://127.0.0.1:*/zmq");
    return { pull, ctx };
  }

  /** After the abuse, a well-behaved client still gets through. */
  async function stillServes(pull: SocketBase & { receive(): Promise<Uint8Array[]> }, ctx: Context) {
    const push = track(new Push({ context: ctx, linger: 0 }));
    push.connect(pull.lastEndpoint!);
    await push.send("still here");
    expect(text(await pull.receive())).toEqual(["still here"]);
  }

  it("an unknown subprotocol: 400, and handshake:error:protocol", async () => {
    const { pull, ctx } = await server();
    const refused = nextEvent(pull, "handshake:error:protocol");
    const { head } = await rawUpgrade(pull.lastEndpoint!, "chat");
    expect(head).toMatch(/^HTTP\/1\.1 400/);
    expect((await refused).error.code).toBe("ERR_WS_UNSPECIFIED");
    await stillServes(pull, ctx);
  });

  it("an upgrade request without a valid key: 400, and handshake:error:protocol", async () => {
    const { pull, ctx } = await server();
    const refused = nextEvent(pull, "handshake:error:protocol");
    const socket = netConnect({ host: "127.0.0.1", port: port(pull.lastEndpoint!) });
    track({ close: () => socket.destroy() });
    socket.on("error", () => {});
    socket.write(
      "GET /zmq HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ZWS2.0\r\n\r\n",
    );
    await refused;
    await stillServes(pull, ctx);
  });

  it("bytes that are not HTTP at all", async () => {
    const { pull, ctx } = await server();
    const refused = nextEvent(pull, "handshake:error:protocol");
    const socket = netConnect({ host: "127.0.0.1", port: port(pull.lastEndpoint!) });
    track({ close: () => socket.destroy() });
    socket.on("error", () => {});
    socket.write(Buffer.from([0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x7f, 0x0d, 0x0a, 0x0d, 0x0a]));
    await refused;
    await stillServes(pull, ctx);
  });

  for (const [name, bytes] of [
    ["a text message", wsFrame(0x1, Buffer.from("hello"))],
    ["an unmasked frame from a client", wsFrame(0x2, Buffer.from([0, 1, 2]), false)],
    ["an empty binary message (no flags byte)", wsFrame(0x2, new Uint8Array(0))],
    ["a message over maxPayload", wsFrame(0x2, new Uint8Array(300))],
    ["a fragment with an unknown opcode", wsFrame(0x3, Buffer.from([0]))],
  ] as const) {
    it(`${name}, after a good upgrade`, async () => {
      const { pull, ctx } = await server(ws({ maxPayload: 200 }));
      const refused = nextEvent(pull, "handshake:error:protocol");
      const disconnected = nextEvent(pull, "disconnect");
      const { socket, head } = await rawUpgrade(pull.lastEndpoint!, "ZWS2.0");
      expect(head).toMatch(/^HTTP\/1\.1 101/);
      expect(head).toMatch(/Sec-WebSocket-Protocol: ZWS2\.0\r\n/);
      socket.write(bytes);
      await refused;
      await disconnected;
      await stillServes(pull, ctx);
    });
  }

  it("a peer that never answers pings is dropped by the heartbeat timeout", async () => {
    const ctx = new Context({ transports: [ws()] });
    const pull = track(new Pull({ context: ctx, linger: 0, heartbeatInterval: 20, heartbeatTimeout: 60 }));
    await pull.bind("ws://127.0.0.1:*/hb");
    const handshake = nextEvent(pull, "handshake");
    const disconnected = nextEvent(pull, "disconnect");
    const { socket } = await rawUpgrade(pull.lastEndpoint!, "ZWS2.0");
    // Bare ZWS2.0: our (empty) routing id completes the handshake; then silence, and no pongs.
    socket.write(wsFrame(0x2, new Uint8Array([0])));
    await handshake;
    await disconnected;
  });

  it("a peer that answers pings stays", async () => {
    const pull = track(new Pull({ ...opts, heartbeatInterval: 10, heartbeatTimeout: 200 }));
    await pull.bind("ws://127.0.0.1:*/hb");
    const push = track(new Push({ ...opts, heartbeatInterval: 10, heartbeatTimeout: 200 }));
    const watch = watchEvents(pull);
    push.connect(pull.lastEndpoint!);
    await push.send("1");
    expect(text(await pull.receive())).toEqual(["1"]);
    // Long enough for dozens of pings each way.
    await new Promise((r) => setTimeout(r, 300));
    await push.send("2");
    expect(text(await pull.receive())).toEqual(["2"]);
    expect(watch.counts.get("disconnect") ?? 0).toBe(0);
  });
});

describe("the browser entry's client (here on ws's WebSocket class, which checks subprotocols as browsers do)", () => {
  const browserContext = new Context({
    transports: [browserWs({ WebSocket: WebSocket as unknown as WebSocketConstructor })],
    mechanisms: [plain],
  });

  it("connects a NULL socket with bare ZWS2.0 to our Node server", async () => {
    const rep = track(new Reply(opts));
    await rep.bind("ws://127.0.0.1:*/browser");
    const req = track(new Request({ context: browserContext, linger: 0, routingId: "page" }));
    req.connect(rep.lastEndpoint!);
    await req.send("from a page");
    expect(text(await rep.receive())).toEqual(["from a page"]);
    await rep.send("to the page");
    expect(text(await req.receive())).toEqual(["to the page"]);
  });

  it("cannot offer ZWS2.0/PLAIN (not an HTTP token): the connect fails and is retried, nothing throws", async () => {
    const server = track(new Pull({ ...opts, plainServer: true }));
    await server.bind("ws://127.0.0.1:*");
    const push = track(new Push({ context: browserContext, linger: 0, plainUsername: "a", plainPassword: "b", reconnectInterval: 10 }));
    const watch = watchEvents(push);
    push.connect(server.lastEndpoint!);
    await watch.untilCount("connect:retry", 2);
    expect(watch.counts.get("connect") ?? 0).toBe(0);
  });

  it("cannot bind: EPROTONOSUPPORT", async () => {
    const pull = track(new Pull({ context: browserContext, linger: 0 }));
    await expect(pull.bind("ws://127.0.0.1:*")).rejects.toMatchObject({ code: "EPROTONOSUPPORT" });
  });
});
