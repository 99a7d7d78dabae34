// Request, Reply, Dealer and Router over inproc (and tcp where the
// connection matters): envelopes, alternation, routing ids, mandatory,
// handover, probes, correlate and relaxed.
import { Context, type SocketBase } from "@zmq/kernel";
import { createCleanup, endpointNames, errorCode as code, frameHex as hex, text } from "@zmq/kernel/testing";
import { inproc } from "@zmq/transport-inproc";
import { tcp } from "@zmq/transport-tcp";
import { createServer, type Socket } from "node:net";
import { FrameEncoder, encodeGreeting, encodeReady } from "@zmq/wire";
import { afterEach, describe, expect, it } from "vitest";
import { Dealer, Reply, Request, Router } from "./index.js";

const context = new Context({ transports: [inproc(), tcp()] });
const open = createCleanup<SocketBase>();
afterEach(open.closeAll);
const make = open.track;
const ep = endpointNames("inproc://reqrep");

describe("Request / Reply", () => {
  it("alternate strictly, with the envelope handled on both sides", async () => {
    const rep = make(new Reply({ context }));
    const req = make(new Request({ context }));
    const e = ep();
    await rep.bind(e);
    req.connect(e);
    for (let i = 0; i < 3; i++) {
      await req.send([`q${i}`, ""]);
      expect(text(await rep.receive())).toEqual([`q${i}`, ""]);
      await rep.send([`a${i}`, "x"]);
      expect(text(await req.receive())).toEqual([`a${i}`, "x"]);
    }
  });

  it("wait their turn, as zeromq.js's do: out-of-turn operations complete once the turn comes", async () => {
    const rep = make(new Reply({ context }));
    const req = make(new Request({ context }));
    const e = ep();
    await rep.bind(e);
    req.connect(e);
    // A receive before any send, and a reply before any request, wait.
    const early = req.receive();
    const earlyReply = rep.send("answer to the first");
    expect(req.readable).toBe(false);
    expect(rep.writable).toBe(false);
    await req.send("one");
    // A second send before the reply waits too.
    const second = req.send("two");
    expect(req.writable).toBe(false);
    expect(text(await rep.receive())).toEqual(["one"]);
    await earlyReply;
    expect(text(await early)).toEqual(["answer to the first"]);
    await second;
    expect(text(await rep.receive())).toEqual(["two"]);
    await rep.send("answer to the second");
    expect(text(await req.receive())).toEqual(["answer to the second"]);
    // Out of turn with a timeout: EFSM when the turn does not come in time (zeromq.js's error: libzmq's state check).
    req.receiveTimeout = 20;
    rep.sendTimeout = 20;
    expect(code(await req.receive().catch((x: unknown) => x))).toBe("EFSM");
    expect(code(await rep.send("nothing asked").catch((x: unknown) => x))).toBe("EFSM");
    await req.send("three");
    req.sendTimeout = 0;
    expect(code(await req.send("four").catch((x: unknown) => x))).toBe("EFSM");
    // In turn, a timeout is EAGAIN as for any socket: the reply is owed but does not come.
    expect(code(await req.receive().catch((x: unknown) => x))).toBe("EAGAIN");
  });

  it("REQ and REP operations out of turn fail with EFSM when the socket closes; for-await on a REQ that never sent throws it", async () => {
    const req = make(new Request({ context }));
    const pending = req.receive().catch((x: unknown) => x);
    const rep = make(new Reply({ context }));
    const reply = rep.send("x").catch((x: unknown) => x);
    req.close();
    rep.close();
    expect([code(await pending), code(await reply)]).toEqual(["EFSM", "EFSM"]);
    const fresh = make(new Request({ context }));
    queueMicrotask(() => fresh.close());
    const loop = async () => {
      for await (const _ of fresh) void _;
    };
    expect(code(await loop().catch((x: unknown) => x))).toBe("EFSM");
    // A Dealer's loop just ends.
    const dealer = make(new Dealer({ context }));
    queueMicrotask(() => dealer.close());
    for await (const _ of dealer) void _;
  });

  it("REQ round-robins requests and takes each reply only from the peer asked", async () => {
    const e1 = ep();
    const e2 = ep();
    const reps = [make(new Reply({ context })), make(new Reply({ context }))];
    await reps[0]!.bind(e1);
    await reps[1]!.bind(e2);
    const req = make(new Request({ context }));
    req.connect(e1);
    req.connect(e2);
    for (let i = 0; i < 4; i++) {
      await req.send(String(i));
      const rep = reps[i % 2]!;
      expect(text(await rep.receive())).toEqual([String(i)]);
      await rep.send(`from ${i % 2}`);
      expect(text(await req.receive())).toEqual([`from ${i % 2}`]);
    }
  });

  it("REQ drops replies from other peers and malformed ones", async () => {
    const router = make(new Router({ context }));
    const e = ep();
    await router.bind(e);
    const req = make(new Request({ context, routingId: "req" }));
    req.connect(e);
    await req.send("question");
    const [id, empty, body] = await router.receive();
    expect([text([id!])[0], empty!.length, text([body!])[0]]).toEqual(["req", 0, "question"]);
    await router.send([id!, "no delimiter"]);
    await router.send([id!, "", "the answer"]);
    expect(text(await req.receive())).toEqual(["the answer"]);
  });

  it("relaxed lets a new request go before the reply; the stale reply is dropped (with correlate)", async () => {
    const router = make(new Router({ context }));
    const e = ep();
    await router.bind(e);
    const req = make(new Request({ context, relaxed: true, correlate: true }));
    req.connect(e);
    await req.send("first");
    const first = await router.receive();
    await req.send("second");
    const second = await router.receive();
    expect(first[1]!.length).toBe(4);
    expect(hex(second[1]!)).not.toBe(hex(first[1]!));
    await router.send([first[0]!, first[1]!, "", "late answer to first"]);
    await router.send([second[0]!, second[1]!, "", "answer to second"]);
    expect(text(await req.receive())).toEqual(["answer to second"]);
  });

  it("REP discards a message without a delimiter and routes replies to the right peer", async () => {
    const rep = make(new Reply({ context }));
    const e = ep();
    await rep.bind(e);
    const a = make(new Dealer({ context }));
    const b = make(new Dealer({ context }));
    a.connect(e);
    b.connect(e);
    await a.send("no delimiter");
    await a.send(["", "from a"]);
    expect(text(await rep.receive())).toEqual(["from a"]);
    await rep.send("to a");
    await b.send(["hop", "", "from b"]);
    expect(text(await rep.receive())).toEqual(["from b"]);
    await rep.send("to b");
    expect(text(await a.receive())).toEqual(["", "to a"]);
    expect(text(await b.receive())).toEqual(["hop", "", "to b"]);
  });

  it("REP drops a reply to a peer that has gone", async () => {
    const rep = make(new Reply({ context }));
    const e = ep();
    await rep.bind(e);
    const req = make(new Request({ context, linger: 0 }));
    req.connect(e);
    await req.send("bye");
    await rep.receive();
    req.close();
    await new Promise<void>((r) => queueMicrotask(r));
    await rep.send("into the void");
    const again = make(new Request({ context }));
    again.connect(e);
    await again.send("hello");
    expect(text(await rep.receive())).toEqual(["hello"]);
  });
});

describe("Router", () => {
  it("names peers by Identity, else by a generated 00+uint32 id", async () => {
    const router = make(new Router({ context }));
    const e = ep();
    await router.bind(e);
    const named = make(new Dealer({ context, routingId: "named" }));
    const anon = make(new Dealer({ context }));
    named.connect(e);
    anon.connect(e);
    await named.send("hi");
    await anon.send("hi");
    const ids = [(await router.receive())[0]!, (await router.receive())[0]!];
    expect(text([ids[0]!])).toEqual(["named"]);
    expect(ids[1]!.length).toBe(5);
    expect(ids[1]![0]).toBe(0);
    await router.send([ids[1]!, "to anon"]);
    await router.send([ids[0]!, "to named"]);
    expect(text(await anon.receive())).toEqual(["to anon"]);
    expect(text(await named.receive())).toEqual(["to named"]);
  });

  it("drops messages to unknown peers, or fails them with EHOSTUNREACH when mandatory", async () => {
    const router = make(new Router({ context }));
    await router.send(["nobody", "dropped"]);
    router.mandatory = true;
    expect(router.mandatory).toBe(true);
    expect(code(await router.send(["nobody", "x"]).catch((x: unknown) => x))).toBe("EHOSTUNREACH");
  });

  it("mandatory waits at a full peer, and EAGAIN on sendTimeout", async () => {
    const router = make(new Router({ context, mandatory: true, sendHighWaterMark: 1, sendTimeout: 30 }));
    const e = ep();
    await router.bind(e);
    const dealer = make(new Dealer({ context, routingId: "d", receiveHighWaterMark: 1 }));
    dealer.connect(e);
    await router.send(["d", "1"]);
    await router.send(["d", "2"]);
    expect(code(await router.send(["d", "3"]).catch((x: unknown) => x))).toBe("EAGAIN");
    const plain = make(new Router({ context, sendHighWaterMark: 1 }));
    const e2 = ep();
    await plain.bind(e2);
    const d2 = make(new Dealer({ context, routingId: "d2", receiveHighWaterMark: 1 }));
    d2.connect(e2);
    for (let i = 0; i < 5; i++) await plain.send(["d2", String(i)]);
    expect(text(await d2.receive())).toEqual(["0"]);
  });

  it("ignores a second peer with an id in use, or hands the id over with handover", async () => {
    for (const handover of [false, true]) {
      const router = make(new Router({ context, handover }));
      const e = ep();
      await router.bind(e);
      const first = make(new Dealer({ context, routingId: "same" }));
      first.connect(e);
      await first.send("first");
      await router.receive();
      const second = make(new Dealer({ context, routingId: "same" }));
      second.connect(e);
      await second.send("second");
      await router.send(["same", "who gets this?"]);
      const winner = handover ? second : first;
      expect(text(await winner.receive({ signal: AbortSignal.timeout(500) }))).toEqual(["who gets this?"]);
    }
  });

  it("connect(address, { routingId }) names the peer; ROUTER to ROUTER works", async () => {
    const server = make(new Router({ context, routingId: "server" }));
    const e = ep();
    await server.bind(e);
    const client = make(new Router({ context, routingId: "client" }));
    client.connect(e, { routingId: "the-server" });
    await client.send(["the-server", "hello server"]);
    const [from, body] = await server.receive();
    expect(text([from!, body!])).toEqual(["client", "hello server"]);
    await server.send(["client", "hello client"]);
    expect(text(await client.receive())).toEqual(["the-server", "hello client"]);
    expect(() => make(new Dealer({ context })).connect(ep(), { routingId: "x" })).toThrow(
      expect.objectContaining({ detail: expect.stringMatching(/only a Router/) }),
    );
  });

  it("probeRouter tells a ROUTER of a new peer at once", async () => {
    const router = make(new Router({ context }));
    const e = ep();
    await router.bind(e);
    const dealer = make(new Dealer({ context, probeRouter: true, routingId: "prober" }));
    dealer.connect(e);
    const [id, probe] = await router.receive();
    expect(text([id!])).toEqual(["prober"]);
    expect(probe!.length).toBe(0);
  });

  it("learns the routing id of a tcp peer it connected to once the handshake is done", async () => {
    const server = make(new Dealer({ context, routingId: "tcp-dealer" }));
    await server.bind("tcp://127.0.0.1:*");
    const router = make(new Router({ context }));
    router.connect(server.lastEndpoint!);
    await server.send("hello over tcp");
    const [id, body] = await router.receive();
    expect(text([id!, body!])).toEqual(["tcp-dealer", "hello over tcp"]);
    await router.send([id!, "reply"]);
    expect(text(await server.receive())).toEqual(["reply"]);
  });
});

describe("Dealer", () => {
  it("round-robins out, fair-queues in, and waits at the HWM", async () => {
    const dealer = make(new Dealer({ context, sendHighWaterMark: 1, sendTimeout: 20 }));
    const e = ep();
    await dealer.bind(e);
    const router = make(new Router({ context, receiveHighWaterMark: 1 }));
    router.connect(e);
    await dealer.send("1");
    await dealer.send("2");
    expect(code(await dealer.send("3").catch((x: unknown) => x))).toBe("EAGAIN");
  });
});

describe("REQ's connection check", () => {
  it("drops a tcp peer that sends a reply without a delimiter, as libzmq's req session does", async () => {
    const sockets: Socket[] = [];
    const server = createServer((s) => {
      sockets.push(s);
      s.on("data", () => {});
      s.write(encodeGreeting({ mechanism: "NULL", socketType: "REP" }));
      const enc = new FrameEncoder();
      s.write(enc.encodeCommand(encodeReady([["Socket-Type", "REP"]])));
      for (const c of enc.encodeMessages([[Buffer.from("no delimiter")]])) s.write(c);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const req = make(new Request({ context, reconnectInterval: -1 }));
    const dropped = new Promise((r) => req.events.on("disconnect", r));
    req.connect(`tcp://127.0.0.1:${port}`);
    await dropped;
    for (const s of sockets) s.destroy();
    server.close();
  });
});
