// PLAIN (checked by a ZAP handler) and CURVE over one transport:
// `<runtime> security.mjs <tcp|ipc|ws>`. Prints `ok plain ...`, `ok plain-refused ...` and `ok curve ...`.
import { Pull, Push, Reply, Request, context, curveKeyPair, serveZap } from "@zmq/zeromq";
import { bindEndpoint, deadline, runtime, text } from "./common.mjs";

const transport = process.argv[2];
const done = deadline(20_000, `security over ${transport}`);
const opened = [];
const open = (socket) => (opened.push(socket), socket);

const zap = serveZap(context, (request) => {
  if (request.mechanism !== "PLAIN") return true;
  const [user, password] = request.credentials.map(text);
  return user === "admin" && password === "secret";
});

async function firstEvent(socket, types) {
  for await (const event of socket.events) if (types.includes(event.type)) return event;
  throw new Error("events ended");
}

async function plain() {
  const rep = open(new Reply({ linger: 0, plainServer: true, zapDomain: "test" }));
  await rep.bind(bindEndpoint(transport, "plain"));
  const req = open(new Request({ linger: 0, plainUsername: "admin", plainPassword: "secret" }));
  req.connect(rep.lastEndpoint);
  await req.send("hello");
  const [hello] = await rep.receive();
  await rep.send(`hello ${text(hello)}`);
  const [reply] = await req.receive();
  if (text(reply) !== "hello hello") throw new Error(`plain: got "${text(reply)}"`);
  console.log(`ok plain ${transport} ${runtime}`);

  const intruder = open(new Request({ linger: 0, reconnectInterval: -1, plainUsername: "admin", plainPassword: "wrong" }));
  const refused = firstEvent(intruder, ["handshake:error:auth", "handshake"]);
  intruder.connect(rep.lastEndpoint);
  const event = await refused;
  if (event.type !== "handshake:error:auth") throw new Error(`plain: a wrong password got ${event.type}`);
  intruder.close();
  console.log(`ok plain-refused ${transport} ${runtime}`);
}

async function curve() {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const pull = open(new Pull({ linger: 0, curveServer: true, curveSecretKey: server.secretKey }));
  await pull.bind(bindEndpoint(transport, "curve"));
  const push = open(new Push({ linger: 0, curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey }));
  push.connect(pull.lastEndpoint);
  for (let i = 0; i < 50; i++) await push.send(["sealed", `${i}`]);
  for (let i = 0; i < 50; i++) {
    const got = (await pull.receive()).map(text).join(" ");
    if (got !== `sealed ${i}`) throw new Error(`curve: got "${got}"`);
  }
  console.log(`ok curve ${transport} ${runtime}`);
}

try {
  await plain();
  await curve();
} finally {
  for (const socket of opened) socket.close();
  zap.close();
  done();
}
