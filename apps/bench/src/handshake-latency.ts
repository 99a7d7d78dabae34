// Connection set-up over a slow network: the time from connect() to the
// "handshake" event of a new CURVE or NULL client, through a relay
// in this process that holds every chunk DELAY ms each way (a round trip
// of 2 x DELAY, as between machines), to a server of the same library.
// It counts round trips, not CPU: zeromq.js (libzmq) stages its greeting
// for ZMTP 1.0/2.0 peers, which costs round trips; zmq-ts sends its whole
// greeting and first command at once wherever ZMTP 1.0/2.0 peers are
// refused anyway (CURVE, PLAIN, a ZAP domain), and stages it for NULL.
// (A PLAIN server needs a ZAP handler in both libraries; not measured.)
//
//   pnpm --filter @zmq/bench bench:handshake-latency [--delay 5] [--samples 11]
import { createRequire } from "node:module";
import { type AddressInfo, type Socket, connect, createServer } from "node:net";
import * as ours from "@zmq/zeromq";
import { Flags, median } from "./harness.js";
import { type Row, markdown, writeResults } from "./report.js";

type Lib = typeof ours;
const theirs = createRequire(import.meta.url)("zeromq") as Lib;
const flags = new Flags();
const delay = flags.number("--delay", 5);
const samples = Math.round(flags.number("--samples", 11));

/** A relay to `port` that delivers each chunk `delay` ms after it arrived, in order, both ways. */
async function slowRelay(port: number): Promise<{ port: number; close(): void }> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, "127.0.0.1");
    for (const s of [client, upstream]) {
      open.add(s);
      s.on("close", () => open.delete(s));
      s.on("error", () => {});
    }
    const relay = (from: Socket, to: Socket) => from.on("data", (d: Buffer) => setTimeout(() => to.write(d), delay));
    relay(client, upstream);
    relay(upstream, client);
    client.on("close", () => setTimeout(() => upstream.destroy(), delay));
    upstream.on("close", () => setTimeout(() => client.destroy(), delay));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of open) s.destroy();
      server.close();
    },
  };
}

type Security = "CURVE" | "NULL";

async function handshakeMs(zmq: Lib, security: Security): Promise<number> {
  const keys = { server: zmq.curveKeyPair(), client: zmq.curveKeyPair() };
  const curve = security === "CURVE";
  const serverOptions = curve ? { curveServer: true, curveSecretKey: keys.server.secretKey } : {};
  const clientOptions = curve
    ? { curveServerKey: keys.server.publicKey, curvePublicKey: keys.client.publicKey, curveSecretKey: keys.client.secretKey }
    : {};
  const pull = new zmq.Pull({ linger: 0, ...serverOptions });
  await pull.bind("tcp://127.0.0.1:*");
  const relay = await slowRelay(Number(pull.lastEndpoint!.split(":").pop()));
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const push = new zmq.Push({ linger: 0, ...clientOptions });
      const shaken = new Promise<void>((resolve) => push.events.on("handshake", () => resolve()));
      const start = performance.now();
      push.connect(`tcp://127.0.0.1:${relay.port}`);
      await shaken;
      times.push(performance.now() - start);
      push.close();
    }
  } finally {
    relay.close();
    pull.close();
  }
  return median(times);
}

const rows: Row[] = [];
for (const security of ["CURVE", "NULL"] as const) {
  rows.push({
    case: `${security} handshake, ${2 * delay} ms round trip: connect() to "handshake"`,
    ours: await handshakeMs(ours, security),
    zeromq: await handshakeMs(theirs, security),
    unit: "ms",
    lowerIsBetter: true,
  });
}
const title = "Connection set-up over a slow link";
const note = `a relay in the process holds each chunk ${delay} ms each way; a new client each time, to a server of the same library; median of ${samples}; Node ${process.version}.`;
console.log(markdown(title, rows, { note }));
writeResults("handshake-latency", title, rows, { note });
process.exit(0);
