// Push/Pull, Req/Rep, Pub/Sub and Dealer/Router over one transport, in one
// process: `<runtime> patterns.mjs <inproc|tcp|ipc|ws>`. Prints one
// `ok <pattern> <transport>` line per pattern that worked.
import { Dealer, Pull, Push, Reply, Request, Router, Subscriber, XPublisher } from "@zmq/zeromq";
import { bindEndpoint, deadline, runtime, text } from "./common.mjs";

const transport = process.argv[2];
const done = deadline(20_000, `patterns over ${transport}`);
const opened = [];
const open = (socket) => (opened.push(socket), socket);

async function pair(name, Bound, Connected) {
  const bound = open(new Bound({ linger: 0 }));
  const connected = open(new Connected({ linger: 0 }));
  await bound.bind(bindEndpoint(transport, name));
  connected.connect(bound.lastEndpoint);
  return [bound, connected];
}

async function pushPull() {
  const [pull, push] = await pair("push-pull", Pull, Push);
  const big = new Uint8Array(200_000).fill(7);
  for (let i = 0; i < 100; i++) await push.send(`m${i}`);
  await push.send(big);
  for (let i = 0; i < 100; i++) {
    const [frame] = await pull.receive();
    if (text(frame) !== `m${i}`) throw new Error(`push-pull: got ${text(frame)} for m${i}`);
  }
  const [last] = await pull.receive();
  if (last.length !== big.length || last[199_999] !== 7) throw new Error(`push-pull: large message of ${last.length} bytes`);
}

async function reqRep() {
  const [rep, req] = await pair("req-rep", Reply, Request);
  for (let i = 0; i < 10; i++) {
    await req.send(["ask", `${i}`]);
    const [verb, n] = await rep.receive();
    await rep.send(["answer", text(verb), text(n)]);
    const reply = (await req.receive()).map(text).join(" ");
    if (reply !== `answer ask ${i}`) throw new Error(`req-rep: got "${reply}"`);
  }
}

async function pubSub() {
  // XPublisher: the subscription arriving is the event that says the subscriber is there.
  const [pub, sub] = await pair("pub-sub", XPublisher, Subscriber);
  sub.subscribe("news");
  const [subscription] = await pub.receive();
  if (subscription[0] !== 1 || text(subscription.subarray(1)) !== "news") throw new Error("pub-sub: bad subscription");
  for (let i = 0; i < 20; i++) {
    await pub.send(["weather", `${i}`]);
    await pub.send(["news", `${i}`]);
  }
  for (let i = 0; i < 20; i++) {
    const got = (await sub.receive()).map(text).join(" ");
    if (got !== `news ${i}`) throw new Error(`pub-sub: got "${got}" for news ${i}`);
  }
}

async function dealerRouter() {
  const [router, dealer] = await pair("dealer-router", Router, Dealer);
  for (let i = 0; i < 10; i++) await dealer.send(`job ${i}`);
  for (let i = 0; i < 10; i++) {
    const [id, body] = await router.receive();
    await router.send([id, `done ${text(body).slice(4)}`]);
  }
  for (let i = 0; i < 10; i++) {
    const [reply] = await dealer.receive();
    if (text(reply) !== `done ${i}`) throw new Error(`dealer-router: got "${text(reply)}"`);
  }
}

const patterns = { "push-pull": pushPull, "req-rep": reqRep, "pub-sub": pubSub, "dealer-router": dealerRouter };
try {
  for (const [name, run] of Object.entries(patterns)) {
    await run();
    console.log(`ok ${name} ${transport} ${runtime}`);
  }
} finally {
  for (const socket of opened) socket.close();
  done();
}
