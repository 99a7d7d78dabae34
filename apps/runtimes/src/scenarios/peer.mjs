// One end of a conversation between two runtimes:
//   <runtime> peer.mjs bind <tcp|ws|wss>      binds a Reply and a Pull, prints `endpoints <rep> <pull>`, serves one client
//   <runtime> peer.mjs connect <rep> <pull>   connects a Request and a Push, prints what the other side said
// The binding side prints `served <runtime-of-client>` and exits once the client has pushed its last message.
import { readFileSync } from "node:fs";
import { Context, Pull, Push, Reply, Request, wss } from "@zmq/zeromq";
import { bindEndpoint, deadline, runtime, text } from "./common.mjs";

const [role, ...args] = process.argv.slice(2);
/**
 * wss: the server binds with the test's self-signed certificate and the
 * client trusts exactly that one, from the PEM files the test names in
 * ZMQ_TEST_TLS_CERT and ZMQ_TEST_TLS_KEY.
 */
const tlsFile = (which) => readFileSync(process.env[`ZMQ_TEST_TLS_${which}`]);
const done = deadline(20_000, `peer ${role}`);
const ROUNDS = 20;
const COUNT = 500;

if (role === "bind") {
  const transport = args[0];
  const context = new Context();
  if (transport === "wss") context.use(wss({ tls: { cert: tlsFile("CERT"), key: tlsFile("KEY") } }));
  const rep = new Reply({ linger: 0, context });
  const pull = new Pull({ linger: 0, context });
  try {
    await rep.bind(bindEndpoint(transport, "rep"));
    await pull.bind(bindEndpoint(transport, "pull"));
    console.log(`endpoints ${rep.lastEndpoint} ${pull.lastEndpoint}`);
    let client = "";
    for (let i = 0; i < ROUNDS; i++) {
      const [who, n] = (await rep.receive()).map(text);
      client = who;
      await rep.send([runtime, `${Number(n) * 2}`]);
    }
    for (let i = 0; i < COUNT; i++) {
      const [n] = await pull.receive();
      if (text(n) !== `${i}`) throw new Error(`pull: got ${text(n)} for ${i}`);
    }
    console.log(`served ${client}`);
  } finally {
    rep.close();
    pull.close();
    done();
  }
} else if (role === "connect") {
  const [repEndpoint, pullEndpoint] = args;
  const context = new Context();
  if (repEndpoint.startsWith("wss://")) context.use(wss({ tls: { ca: tlsFile("CERT") } }));
  const req = new Request({ linger: 0, context });
  const push = new Push({ linger: 1000, context });
  try {
    req.connect(repEndpoint);
    push.connect(pullEndpoint);
    let server = "";
    for (let i = 0; i < ROUNDS; i++) {
      await req.send([runtime, `${i}`]);
      const [who, doubled] = (await req.receive()).map(text);
      if (doubled !== `${i * 2}`) throw new Error(`req: got ${doubled} for ${i}`);
      server = who;
    }
    for (let i = 0; i < COUNT; i++) await push.send(`${i}`);
    console.log(`answered by ${server}`);
  } finally {
    req.close();
    push.close();
    done();
  }
} else {
  throw new Error(`usage: peer.mjs bind <tcp|ws|wss> | peer.mjs connect <rep-endpoint> <pull-endpoint>`);
}
