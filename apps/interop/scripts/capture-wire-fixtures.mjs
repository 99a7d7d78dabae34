#!/usr/bin/env node
// Records what real libzmq (4.3.5, through the npm package `zeromq` 6.8)
// puts on the wire, for @zmq/wire's fixture tests.
//
// For each case a libzmq socket binds on tcp://127.0.0.1:*, and a raw
// node:net client plays the peer by hand: it sends a greeting (ZMTP 3.1, 3.0
// or 2.0), READY and whatever the case needs (a subscription, a request),
// while libzmq sends its greeting, READY and the messages the case asks it
// to send. Every byte libzmq sends is recorded as hex, together with what
// the script told libzmq to do (its socket type, routing id, messages), so
// the fixture's expectations come from the driving side, not from our codec.
//
//   pnpm --filter @zmq/interop capture-fixtures
//
// writes packages/wire/fixtures/libzmq-*.json. Traffic stays on 127.0.0.1.
import { createConnection } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as zmq from "zeromq";

const outDir = join(import.meta.dirname, "../../../packages/wire/fixtures");
const hex = (b) => Buffer.from(b).toString("hex");
const ascii = (s) => Buffer.from(s, "latin1");

function greeting({ minor = 1, mechanism = "NULL" } = {}) {
  const g = Buffer.alloc(64);
  g[0] = 0xff;
  g[8] = 1;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = minor;
  g.write(mechanism, 12, "latin1");
  return g;
}

function command(name, data = Buffer.alloc(0)) {
  const body = Buffer.concat([Buffer.from([name.length]), ascii(name), data]);
  return frame(body, 0x04);
}

function frame(body, flags = 0) {
  if (body.length > 255) {
    const h = Buffer.alloc(9);
    h[0] = flags | 0x02;
    h.writeBigUInt64BE(BigInt(body.length), 1);
    return Buffer.concat([h, body]);
  }
  return Buffer.concat([Buffer.from([flags, body.length]), body]);
}

function message(frames) {
  return Buffer.concat(frames.map((f, i) => frame(Buffer.from(f), i < frames.length - 1 ? 1 : 0)));
}

function property(name, value) {
  const v = Buffer.from(value);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(v.length);
  return Buffer.concat([Buffer.from([name.length]), ascii(name), len, v]);
}

function ready(props) {
  return command("READY", Buffer.concat(props.map(([k, v]) => property(k, v))));
}

const big = Buffer.alloc(300, 0x61);
const cases = [
  {
    name: "push-zmtp31",
    describe: "libzmq PUSH, raw PULL over ZMTP 3.1: multipart with an empty frame and a 300-byte frame",
    make: () => new zmq.Push(),
    rawSends: [greeting(), ready([["Socket-Type", "PULL"]])],
    libzmqSends: [["hello"], ["", "middle", big.toString()], ["x"]],
  },
  {
    name: "dealer-identity-zmtp31",
    describe: "libzmq DEALER with routingId 'dealer-1', raw ROUTER",
    make: () => new zmq.Dealer({ routingId: "dealer-1" }),
    rawSends: [
      greeting(),
      ready([
        ["Socket-Type", "ROUTER"],
        ["Identity", ""],
      ]),
    ],
    libzmqSends: [["one", "two"]],
  },
  {
    name: "dealer-metadata-zmtp31",
    describe: "libzmq DEALER without routingId, raw DEALER",
    make: () => new zmq.Dealer(),
    rawSends: [
      greeting(),
      ready([
        ["Socket-Type", "DEALER"],
        ["Identity", ""],
      ]),
    ],
    libzmqSends: [["ping"]],
  },
  {
    name: "router-zmtp31",
    describe: "libzmq ROUTER replying to raw DEALER identified as 'raw-peer'",
    make: () => new zmq.Router(),
    rawSends: [
      greeting(),
      ready([
        ["Socket-Type", "DEALER"],
        ["Identity", "raw-peer"],
      ]),
    ],
    libzmqSends: [["raw-peer", "reply"]],
    wire: [["reply"]],
  },
  {
    name: "req-zmtp31",
    describe: "libzmq REQ sending a request to raw REP (empty delimiter first)",
    make: () => new zmq.Request(),
    rawSends: [greeting(), ready([["Socket-Type", "REP"]])],
    libzmqSends: [["request"]],
    wire: [["", "request"]],
  },
  {
    name: "rep-zmtp31",
    describe: "libzmq REP answering raw REQ's request",
    make: () => new zmq.Reply(),
    rawSends: [
      greeting(),
      ready([
        ["Socket-Type", "REQ"],
        ["Identity", ""],
      ]),
      message(["", "question"]),
    ],
    receiveFirst: true,
    libzmqSends: [["answer"]],
    wire: [["", "answer"]],
  },
  {
    name: "pub-zmtp31",
    describe: "libzmq PUB, raw SUB subscribed to 'weather' with a SUBSCRIBE command",
    make: () => new zmq.Publisher(),
    rawSends: [greeting(), ready([["Socket-Type", "SUB"]]), command("SUBSCRIBE", ascii("weather"))],
    waitForSubscription: true,
    libzmqSends: [
      ["sports", "skipped"],
      ["weather", "sunny"],
    ],
    wire: [["weather", "sunny"]],
  },
  {
    name: "sub-zmtp31",
    describe: "libzmq SUB subscribing to 'alpha' and '' sends SUBSCRIBE commands to a 3.1 peer (cached subscriptions go out in trie order, '' first)",
    make: () => new zmq.Subscriber(),
    rawSends: [greeting(), ready([["Socket-Type", "PUB"]])],
    subscribe: ["alpha", ""],
    commands: [
      ["SUBSCRIBE", ""],
      ["SUBSCRIBE", "alpha"],
    ],
  },
  {
    name: "sub-zmtp30",
    describe: "libzmq SUB subscribing to 'alpha' sends a 0x01-prefixed data frame to a 3.0 peer",
    make: () => new zmq.Subscriber(),
    rawSends: [greeting({ minor: 0 }), ready([["Socket-Type", "PUB"]])],
    subscribe: ["alpha"],
    wire: [["\u0001alpha"]],
  },
  {
    name: "xsub-zmtp31",
    describe: "libzmq XSUB forwarding an application subscription frame",
    make: () => new zmq.XSubscriber(),
    rawSends: [greeting(), ready([["Socket-Type", "XPUB"]])],
    libzmqSends: [["\u0001beta"]],
  },
  {
    name: "pair-zmtp31",
    describe: "libzmq PAIR, raw PAIR",
    make: () => new zmq.Pair(),
    rawSends: [greeting(), ready([["Socket-Type", "PAIR"]])],
    libzmqSends: [["pair", "message"]],
  },
  {
    name: "push-zmtp20",
    describe: "libzmq PUSH downgrading to a ZMTP 2.0 raw PULL: 12-byte greeting, identity frame, 2.0 frames",
    make: () => new zmq.Push(),
    rawSends: [Buffer.concat([Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0x01, 7]), frame(Buffer.alloc(0))])],
    legacy: true,
    libzmqSends: [["legacy", "two"], [big.toString()]],
  },
  {
    name: "plain-client-zmtp31",
    describe: "libzmq DEALER as PLAIN client 'admin' / 'secret': greeting and HELLO",
    make: () => new zmq.Dealer({ plainUsername: "admin", plainPassword: "secret" }),
    rawSends: [greeting({ mechanism: "PLAIN" })],
    commands: [["HELLO", "\u0005admin\u0006secret"]],
    handshakeOnly: true,
  },
];

// Everything the raw side receives, until libzmq has been quiet for quietMs.
// `handshaken` resolves once libzmq's greeting and first command (or, for a
// 2.0 peer, its greeting and identity frame) have arrived: libzmq has then
// finished its handshake and attaches the pipe on the socket's next call.
function collect(socket, quietMs, legacy) {
  const chunks = [];
  let timer;
  let signal;
  const handshaken = new Promise((r) => (signal = r));
  const all = new Promise((resolve) => {
    const done = () => resolve(Buffer.concat(chunks));
    socket.on("data", (d) => {
      chunks.push(d);
      const b = Buffer.concat(chunks);
      if (legacy ? b.length >= 14 : b.length >= 66 && b.length >= 66 + b[65]) signal();
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    });
    timer = setTimeout(done, quietMs * 4);
  });
  return { all, handshaken };
}

async function capture(c) {
  const sock = c.make();
  sock.linger = 0;
  await sock.bind("tcp://127.0.0.1:*");
  const port = Number(new URL(sock.lastEndpoint.replace("tcp://", "http://")).port);
  const raw = createConnection({ host: "127.0.0.1", port });
  await new Promise((r) => raw.once("connect", r));
  const received = collect(raw, 300, c.legacy);
  for (const b of c.rawSends) raw.write(b);
  if (!c.handshakeOnly) await received.handshaken;
  for (const t of c.subscribe ?? []) sock.subscribe(t);
  // libzmq attaches the new connection's pipe (and sends cached
  // subscriptions) only when the application next calls into the socket: a
  // pending receive does that.
  if (c.subscribe) sock.receive().catch(() => {});
  if (c.receiveFirst) await sock.receive();
  // No event tells when libzmq's PUB has read the raw SUBSCRIBE; give it a moment.
  if (c.waitForSubscription) await new Promise((r) => setTimeout(r, 200));
  for (const m of c.libzmqSends ?? []) await sock.send(m);
  const bytes = await received.all;
  raw.destroy();
  sock.close();
  const type = c.make.toString().match(/new zmq\.(\w+)/)[1];
  return {
    name: c.name,
    describe: c.describe,
    libzmq: zmq.version,
    framing: c.legacy ? "zmtp2" : "zmtp3",
    socketType: {
      Push: "PUSH",
      Dealer: "DEALER",
      Router: "ROUTER",
      Request: "REQ",
      Reply: "REP",
      Publisher: "PUB",
      Subscriber: "SUB",
      XSubscriber: "XSUB",
      Pair: "PAIR",
    }[type],
    mechanism: c.commands?.[0]?.[0] === "HELLO" ? "PLAIN" : "NULL",
    routingId: c.name.startsWith("dealer-identity") ? "dealer-1" : "",
    peerSent: hex(Buffer.concat(c.rawSends)),
    received: hex(bytes),
    expect: {
      messages: (c.wire ?? c.libzmqSends ?? []).map((m) => m.map((f) => hex(Buffer.from(f)))),
      commands: (c.commands ?? []).map(([name, data]) => ({ name, data: hex(Buffer.from(data, "latin1")) })),
      handshakeOnly: c.handshakeOnly === true,
    },
  };
}

for (const c of cases) {
  const fixture = await capture(c);
  const file = join(outDir, `libzmq-${c.name}.json`);
  writeFileSync(file, JSON.stringify(fixture, null, 2) + "\n");
  console.log(`${c.name}: ${fixture.received.length / 2} bytes -> ${file}`);
}
