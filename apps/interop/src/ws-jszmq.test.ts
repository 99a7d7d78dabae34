// ZWS 2.0 against jszmq 0.1 (npm `jszmq`, a ZWS implementation in
// JavaScript on `ws` 7): jszmq as a client of our Node server, and as a
// server for our client. jszmq speaks bare "ZWS2.0" only (each side's first
// message is its routing id; no READY), and its server answers with the
// first subprotocol offered, so our client offers "ZWS2.0" first
// (`ws({ bareFirst: true })`).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createCleanup } from "@zmq/kernel/testing";
import { ws } from "@zmq/transport-ws";
import { Context, Dealer, Publisher, Pull, Push, Reply, Request, Router, Subscriber } from "@zmq/zeromq";
import * as jszmq from "jszmq";
import { afterEach, describe, expect, it } from "vitest";

const open = createCleanup();
afterEach(open.closeAll);
const track = open.track;

/** Our servers: libzmq's subprotocol order, which jszmq's client (offering "ZWS2.0" alone) gets bare. */
const serverContext = new Context().use(ws());
/** Our clients of jszmq servers: bare "ZWS2.0" offered first. */
const clientContext = new Context().use(ws({ bareFirst: true }));

type JsSocket = ReturnType<typeof jszmq.socket>;

/** A jszmq socket, closed after the test. */
function js<T extends JsSocket>(socket: T): T {
  track({ close: () => socket.close() });
  return socket;
}

/** The next message a jszmq socket emits, as strings. */
function nextMessage(socket: JsSocket): Promise<string[]> {
  return new Promise((resolve) => socket.once("message", (...frames: Buffer[]) => resolve(frames.map((f) => f.toString()))));
}

/** An HTTP server on an ephemeral port for a jszmq socket to bind on (jszmq cannot bind port 0 itself). */
async function jszmqEndpoint(path: string): Promise<{ server: ReturnType<typeof createServer>; endpoint: string }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  track({ close: () => server.close() });
  return { server, endpoint: `ws://127.0.0.1:${(server.address() as AddressInfo).port}${path}` };
}

describe("jszmq clients, our server", () => {
  it("jszmq Dealer to our Router: a routing id is made for its empty one, and the reply finds it", async () => {
    const router = track(new Router({ context: serverContext, linger: 0 }));
    await router.bind("ws://127.0.0.1:*/router");
    const dealer = js(new jszmq.Dealer());
    dealer.connect(router.lastEndpoint!);
    dealer.send(["hello", "jszmq"]);
    const [id, ...rest] = await router.receive();
    expect(rest.map(String)).toEqual(["hello", "jszmq"]);
    expect(id!.length).toBe(5);
    const reply = nextMessage(dealer);
    await router.send([id!, "world"]);
    expect(await reply).toEqual(["world"]);
  });

  it("jszmq Req to our Rep", async () => {
    const rep = track(new Reply({ context: serverContext, linger: 0 }));
    await rep.bind("ws://127.0.0.1:*");
    const req = js(new jszmq.Req());
    req.connect(rep.lastEndpoint!);
    req.send("ping");
    expect((await rep.receive()).map(String)).toEqual(["ping"]);
    const reply = nextMessage(req);
    await rep.send("pong");
    expect(await reply).toEqual(["pong"]);
  });

  it("jszmq Sub to our Publisher: its data-form subscription filters what it gets", async () => {
    const pub = track(new Publisher({ context: serverContext, linger: 0 }));
    await pub.bind("ws://127.0.0.1:*/pub");
    const sub = js(new jszmq.Sub());
    sub.subscribe("news");
    sub.connect(pub.lastEndpoint!);
    const got = nextMessage(sub);
    let done = false;
    void got.then(() => (done = true));
    while (!done) {
      await pub.send(["sport", "no"]);
      await pub.send(["news", "yes"]);
      await Promise.race([got, new Promise((r) => setTimeout(r, 10))]);
    }
    expect(await got).toEqual(["news", "yes"]);
  });

  it("jszmq Push to our Pull, in order", async () => {
    const pull = track(new Pull({ context: serverContext, linger: 0 }));
    await pull.bind("ws://127.0.0.1:*/pull");
    const push = js(new jszmq.Push());
    push.connect(pull.lastEndpoint!);
    for (let i = 0; i < 50; i++) push.send([`m${i}`, Buffer.alloc(i * 50, i)]);
    for (let i = 0; i < 50; i++) {
      const [head, body] = await pull.receive();
      expect(head!.toString()).toBe(`m${i}`);
      expect(body!.length).toBe(i * 50);
    }
  });
});

describe("jszmq servers, our client", () => {
  it("our Dealer to a jszmq Router: jszmq sees our routing id, and its reply comes back", async () => {
    const { server, endpoint } = await jszmqEndpoint("/router");
    const router = js(new jszmq.Router());
    router.bind(endpoint, server);
    const dealer = track(new Dealer({ context: clientContext, linger: 0, routingId: "ours" }));
    dealer.connect(endpoint);
    const got = new Promise<Buffer[]>((resolve) => router.once("message", (...frames: Buffer[]) => resolve(frames)));
    await dealer.send(["hi", "there"]);
    const [key, ...rest] = await got;
    // jszmq keys a named peer as 0x00 + its routing id.
    expect(key!.subarray(1).toString()).toBe("ours");
    expect(rest.map(String)).toEqual(["hi", "there"]);
    router.send([key!, "back"]);
    expect((await dealer.receive()).map(String)).toEqual(["back"]);
  });

  it("our Request to a jszmq Rep", async () => {
    const { server, endpoint } = await jszmqEndpoint("/rep");
    const rep = js(new jszmq.Rep());
    rep.bind(endpoint, server);
    rep.on("message", (...frames: Buffer[]) => rep.send(frames.map((f) => `${f.toString()}!`)));
    const req = track(new Request({ context: clientContext, linger: 0 }));
    req.connect(endpoint);
    await req.send("ping");
    expect((await req.receive()).map(String)).toEqual(["ping!"]);
  });

  it("our Subscriber to a jszmq Pub: our subscription reaches it in the data form", async () => {
    const { server, endpoint } = await jszmqEndpoint("/pub");
    const pub = js(new jszmq.Pub());
    pub.bind(endpoint, server);
    const sub = track(new Subscriber({ context: clientContext, linger: 0 }));
    sub.subscribe("news");
    sub.connect(endpoint);
    const got = sub.receive();
    let done = false;
    void got.then(() => (done = true));
    while (!done) {
      pub.send(["sport", "no"]);
      pub.send(["news", "yes"]);
      await Promise.race([got, new Promise((r) => setTimeout(r, 10))]);
    }
    expect((await got).map(String)).toEqual(["news", "yes"]);
  });

  it("our Push to a jszmq Pull", async () => {
    const { server, endpoint } = await jszmqEndpoint("/pull");
    const pull = js(new jszmq.Pull());
    pull.bind(endpoint, server);
    const push = track(new Push({ context: clientContext, linger: 0 }));
    push.connect(endpoint);
    const got = nextMessage(pull);
    await push.send(["one", "two"]);
    expect(await got).toEqual(["one", "two"]);
  });
});
