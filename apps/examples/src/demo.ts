// `pnpm demo`: a short tour of @zmq/wire, the codec under zmq-ts.
//
// 1. Decodes a handshake captured from real libzmq 4.3.5 and prints it.
// 2. Talks ZMTP over TCP on 127.0.0.1 to a live libzmq (the npm package
//    `zeromq`) in both directions, using nothing but @zmq/wire and node:net.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Command,
  FrameDecoder,
  GreetingExchange,
  decodeCommand,
  describeGreeting,
  parseCommandBody,
} from "@zmq/wire";
import * as zmq from "zeromq";
import { connectWirePeer } from "./wire-peer.js";

const out = (line = "") => console.log(line);
const show = (b: Uint8Array) => {
  const s = Buffer.from(b).toString("latin1");
  return /^[\x20-\x7e]*$/.test(s) ? JSON.stringify(s) : `0x${Buffer.from(b).toString("hex")}`;
};

function describeCommand(c: Command): string {
  if (c.name === "READY") return `READY ${[...c.properties].map(([k, v]) => `${k}=${show(v)}`).join(" ")}`;
  if (c.name === "SUBSCRIBE" || c.name === "CANCEL") return `${c.name} ${show(c.topic)}`;
  if (c.name === "PING") return `PING ttl=${c.ttl * 100}ms`;
  if (c.name === "ERROR") return `ERROR ${c.reason}`;
  return `PONG ${show(c.context)}`;
}

function decodeCapture(): void {
  const fixture = join(import.meta.dirname, "../../../packages/wire/fixtures/libzmq-dealer-identity-zmtp31.json");
  const { received, describe } = JSON.parse(readFileSync(fixture, "utf8")) as { received: string; describe: string };
  const bytes = Buffer.from(received, "hex");
  out(`1. A captured libzmq handshake (${describe}), ${bytes.length} bytes:`);
  const greeting = new GreetingExchange({ mechanism: "NULL", socketType: "ROUTER" });
  greeting.start();
  const { peer } = greeting.feed(bytes);
  if (!peer) throw new Error("the capture holds no whole greeting");
  out(`   greeting  ${bytes.subarray(0, 12).toString("hex")}…  ${describeGreeting(peer)}`);
  const decoder = new FrameDecoder({
    onCommand: (body) => {
      const raw = parseCommandBody(body);
      const c = decodeCommand(raw);
      out(`   command   ${c ? describeCommand(c) : raw.name}`);
    },
    onMessage: (frames) => out(`   message   [${frames.map(show).join(", ")}]`),
  });
  decoder.feed(peer.rest);
  out();
}

async function live(): Promise<void> {
  const trace: string[] = [];
  out("2. Live ZMTP with libzmq " + zmq.version + " over tcp://127.0.0.1");

  const push = new zmq.Push({ linger: 0 });
  await push.bind("tcp://127.0.0.1:*");
  const pushPort = Number(push.lastEndpoint!.split(":").pop());
  const pull = await connectWirePeer(pushPort, { socketType: "PULL" }, (l) => trace.push(l));
  out(`   libzmq PUSH -> @zmq/wire PULL: handshake ${pull.peer.protocol}, peer Socket-Type ${pull.peer.socketType}`);
  await push.send(["hello", "from", "libzmq"]);
  out(`   received [${(await pull.receive()).map(show).join(", ")}]`);
  pull.close();
  push.close();

  const sink = new zmq.Pull({ linger: 0 });
  await sink.bind("tcp://127.0.0.1:*");
  const sinkPort = Number(sink.lastEndpoint!.split(":").pop());
  const sender = await connectWirePeer(sinkPort, { socketType: "PUSH" }, (l) => trace.push(l));
  out(`   @zmq/wire PUSH -> libzmq PULL: handshake ${sender.peer.protocol}, peer Socket-Type ${sender.peer.socketType}`);
  for (let i = 1; i <= 3; i++) sender.send([Buffer.from(`message ${i}`), Buffer.alloc(300, 0x2e)]);
  for (let i = 1; i <= 3; i++) {
    const [first, second] = await sink.receive();
    out(`   libzmq received [${show(first!)}, <${second!.length} bytes>]`);
  }
  sender.close();
  sink.close();
  out();
  out("   bytes on the wire, as our side saw them:");
  for (const line of trace.slice(0, 8)) out("   " + line);
}

out("zmq-ts demo: ZeroMQ's wire protocol in TypeScript\n");
decodeCapture();
await live();
out("\nDone: every byte above was real ZMTP, checked against libzmq.");
