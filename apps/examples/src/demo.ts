// `pnpm demo`: a short tour of zmq-ts. Each ZeroMQ pattern runs over
// inproc, ipc and tcp; one leg of each talks to real libzmq (the npm
// package `zeromq`, which bundles libzmq 4.3.5); the last part shows the
// bytes on the wire. Everything stays on 127.0.0.1 and a temporary
// directory, and the program ends by itself.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FrameDecoder, GreetingExchange, decodeCommand, describeGreeting, parseCommandBody } from "@zmq/wire";
import { Dealer, Pair, Publisher, Pull, Push, Reply, Request, Router, Subscriber, queue } from "@zmq/zeromq";
import * as zmq from "zeromq";

type Log = (line: string) => void;

const str = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString()).join(" | ");

interface Leg {
  transport: string;
  bind: string;
}

async function pipeline(log: Log, legs: Leg[]): Promise<void> {
  log("Push → Pull (pipeline: work spread over workers, fair-queued back)");
  for (const { transport, bind } of legs) {
    const pull = new Pull();
    await pull.bind(bind);
    const push = new Push();
    push.connect(pull.lastEndpoint!);
    const t0 = performance.now();
    const n = 10_000;
    const sending = (async () => {
      for (let i = 0; i < n; i++) await push.send(["task", String(i)]);
    })();
    let last = "";
    for (let i = 0; i < n; i++) last = str(await pull.receive());
    await sending;
    const ms = performance.now() - t0;
    log(`  ${transport.padEnd(7)} ${n.toLocaleString("en-US")} messages in ${ms.toFixed(0)} ms, last: ${last}`);
    push.close();
    pull.close();
  }
  // One leg against libzmq: its PUSH feeds our PULL.
  const pull = new Pull();
  await pull.bind("tcp://127.0.0.1:*");
  const libzmq = new zmq.Push({ linger: 0 });
  libzmq.connect(pull.lastEndpoint!);
  await libzmq.send(["from libzmq", zmq.version]);
  log(`  libzmq  its PUSH → our PULL over tcp: ${str(await pull.receive())}`);
  libzmq.close();
  pull.close();
}

async function requestReply(log: Log, legs: Leg[]): Promise<void> {
  log("Request → Reply (a question, its answer, strictly in turn)");
  for (const { transport, bind } of legs) {
    const rep = new Reply();
    await rep.bind(bind);
    const req = new Request();
    req.connect(rep.lastEndpoint!);
    await req.send("What is 6 × 7?");
    const [question] = await rep.receive();
    await rep.send(`${question!.toString()} 42.`);
    log(`  ${transport.padEnd(7)} ${str(await req.receive())}`);
    req.close();
    rep.close();
  }
  const rep = new zmq.Reply({ linger: 0 });
  await rep.bind("tcp://127.0.0.1:*");
  const req = new Request();
  req.connect(rep.lastEndpoint!);
  await req.send("Hello libzmq");
  const [hello] = await rep.receive();
  await rep.send(`libzmq ${zmq.version} says hello back to "${hello!.toString()}"`);
  log(`  libzmq  our REQ → its REP over tcp: ${str(await req.receive())}`);
  req.close();
  rep.close();
}

async function publishSubscribe(log: Log, legs: Leg[]): Promise<void> {
  log("Publisher → Subscriber (filtered by topic prefix at the publisher)");
  for (const { transport, bind } of legs) {
    const pub = new Publisher();
    await pub.bind(bind);
    const sub = new Subscriber();
    sub.subscribe("weather/");
    sub.connect(pub.lastEndpoint!);
    // A subscription takes a moment to reach the publisher: publish until it lands.
    const got = sub.receive();
    let landed = false;
    void got.then(() => (landed = true));
    for (let i = 0; !landed && i < 1000; i++) {
      await pub.send(["sports/score", "2-1"]);
      await pub.send(["weather/paris", "sunny, 21°C"]);
      await new Promise((r) => setTimeout(r, 2));
    }
    log(`  ${transport.padEnd(7)} subscribed to "weather/", received: ${str(await got)}`);
    sub.close();
    pub.close();
  }
  const pub = new zmq.Publisher({ linger: 0 });
  await pub.bind("tcp://127.0.0.1:*");
  const sub = new Subscriber();
  sub.subscribe("news");
  sub.connect(pub.lastEndpoint!);
  const got = sub.receive();
  let landed = false;
  void got.then(() => (landed = true));
  for (let i = 0; !landed && i < 1000; i++) {
    await pub.send(["news", "from a libzmq publisher"]);
    await new Promise((r) => setTimeout(r, 2));
  }
  log(`  libzmq  its PUB → our SUB over tcp: ${str(await got)}`);
  sub.close();
  pub.close();
}

async function routing(log: Log): Promise<void> {
  log("Dealer ↔ Router (asynchronous request-reply, addressed by routing id)");
  const router = new Router();
  await router.bind("inproc://demo-router");
  const dealers = ["alice", "bob"].map((routingId) => {
    const d = new Dealer({ routingId });
    d.connect("inproc://demo-router");
    return d;
  });
  for (const d of dealers) await d.send(`hi, I am ${d.routingId}`);
  for (let i = 0; i < 2; i++) {
    const [id, text] = await router.receive();
    await router.send([id!, `welcome, ${id!.toString()}`]);
    log(`  inproc  router got "${text!.toString()}" from ${id!.toString()}`);
  }
  for (const d of dealers) log(`  inproc  ${d.routingId} got: ${str(await d.receive())}`);
  for (const d of dealers) d.close();
  router.close();

  log("Pair (one exclusive peer) and a queue device (ROUTER/DEALER broker)");
  const a = new Pair();
  await a.bind("inproc://demo-pair");
  const b = new Pair();
  b.connect("inproc://demo-pair");
  await b.send("ping");
  await a.send(`pong to ${(await a.receive())[0]!.toString()}`);
  log(`  inproc  ${str(await b.receive())}`);
  a.close();
  b.close();

  const device = await queue({ frontend: "tcp://127.0.0.1:*", backend: "tcp://127.0.0.1:*" });
  const worker = new zmq.Reply({ linger: 0 });
  worker.connect(device.backend.lastEndpoint!);
  const client = new Request();
  client.connect(device.frontend.lastEndpoint!);
  await client.send("job for a libzmq worker");
  const [job] = await worker.receive();
  await worker.send(`done: ${job!.toString()}`);
  log(`  tcp     through our broker to a libzmq REP worker: ${str(await client.receive())}`);
  client.close();
  worker.close();
  await device.close();
}

function wire(log: Log): void {
  log("On the wire: a handshake captured from libzmq, decoded by @zmq/wire");
  const fixture = join(import.meta.dirname, "../../../packages/wire/fixtures/libzmq-dealer-identity-zmtp31.json");
  const { received } = JSON.parse(readFileSync(fixture, "utf8")) as { received: string };
  const bytes = Buffer.from(received, "hex");
  const greeting = new GreetingExchange({ mechanism: "NULL", socketType: "ROUTER" });
  greeting.start();
  const { peer } = greeting.feed(bytes);
  if (!peer) throw new Error("the capture holds no whole greeting");
  log(`  greeting  ${bytes.subarray(0, 12).toString("hex")}…  ${describeGreeting(peer)}`);
  new FrameDecoder({
    onCommand: (body) => {
      const c = decodeCommand(parseCommandBody(body));
      if (c?.name === "READY") log(`  command   READY ${[...c.properties].map(([k, v]) => `${k}=${Buffer.from(v).toString()}`).join(" ")}`);
    },
    onMessage: (frames) => log(`  message   [${frames.map((f) => JSON.stringify(Buffer.from(f).toString())).join(", ")}]`),
  }).feed(peer.rest);
}

/** Runs the whole tour; `log` receives the report line by line. */
export async function demo(log: Log = console.log): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "zmq-ts-demo-"));
  const legs = (name: string): Leg[] => [
    { transport: "inproc", bind: `inproc://demo-${name}` },
    { transport: "ipc", bind: `ipc://${join(dir, `${name}.sock`)}` },
    { transport: "tcp", bind: "tcp://127.0.0.1:*" },
  ];
  try {
    log("zmq-ts: ZeroMQ in TypeScript, from the wire up. A short tour.\n");
    await pipeline(log, legs("pipeline"));
    log("");
    await requestReply(log, legs("reqrep"));
    log("");
    await publishSubscribe(log, legs("pubsub"));
    log("");
    await routing(log);
    log("");
    wire(log);
    log("\nEvery exchange above ran through real sockets; the libzmq legs prove the bytes are ZMTP.");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await demo();
