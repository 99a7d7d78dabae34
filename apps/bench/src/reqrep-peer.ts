// One end of a reqrep.ts run, started with fork(). The same code runs
// zmq-ts and zeromq.js: only the import differs.
//
//   node dist/reqrep-peer.js rep    <impl> <bind-address>
//   node dist/reqrep-peer.js req    <impl> <endpoint> <size> <warmup-round-trips> <round-trips>
//   node dist/reqrep-peer.js router <impl> <bind-address> <warmup-ms> <window-ms>
//   node dist/reqrep-peer.js dealer <impl> <endpoint> <size> <max-ms>
//
// rep: binds, reports { type: "ready", endpoint }, echoes every request.
// req: connects, makes <warmup-round-trips> untimed round trips, then
//   <round-trips> timed ones (process.hrtime.bigint() around each send +
//   receive) and reports { type: "latency", ... } in microseconds.
// router / dealer: as throughput-peer.js's recv / send (the same code:
//   child-common's countWindow and sendFlatOut), with a DEALER sending
//   `for (;;) await dealer.send(msg)` to a ROUTER that counts the messages
//   of a timed window by its own clock, then drains to a zero-length end
//   marker.
//
// With <impl> "node:net", rep and req are the floor for a Node program: a
// raw node:net echo server and a client timing the same round trips (write
// <size> bytes, wait until <size> bytes came back), no ZeroMQ at all.
//
// Every role exits on "exit" from the parent, when the parent goes away,
// and after two minutes in any case.
import { type Socket, connect, createServer } from "node:net";
import {
  type Cpu,
  type Sock,
  type ThroughputMessage,
  bindReady,
  countWindow,
  exitOnCommand,
  fail,
  guard,
  load,
  report as reportAny,
  sendFlatOut,
  startRun,
} from "./child-common.js";

interface Bound extends Sock, AsyncIterable<Buffer[]> {
  readonly lastEndpoint: string | null;
  bind(address: string): Promise<void>;
}
interface ReplyLike extends Bound {
  send(message: Buffer[]): Promise<void>;
}
interface RequestLike extends Sock {
  connect(endpoint: string): void;
  send(message: Buffer): Promise<void>;
  receive(): Promise<Buffer[]>;
}
interface DealerLike extends Sock {
  connect(endpoint: string): void;
  send(message: Buffer): Promise<void>;
}
interface Library {
  Request: new () => RequestLike;
  Reply: new () => ReplyLike;
  Dealer: new () => DealerLike;
  Router: new () => Bound;
}

export type ReqRepMessage =
  ThroughputMessage | { type: "latency"; n: number; p50Us: number; p99Us: number; meanUs: number; minUs: number; maxUs: number; cpu: Cpu };

const report = (message: ReqRepMessage) => reportAny(message);
const [role, impl, target, arg4, arg5, arg6] = process.argv.slice(2);
guard("reqrep-peer", 120_000);

async function reply(lib: Library, address: string): Promise<void> {
  const rep = new lib.Reply();
  exitOnCommand(rep);
  await bindReady(rep, address);
  for await (const msg of rep) await rep.send(msg);
}

/** The value at or below which a fraction p of the sorted samples lie (nearest rank). */
const percentile = (sorted: Float64Array, p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;

async function request(lib: Library, endpoint: string, size: number, warmup: number, n: number): Promise<void> {
  const req = new lib.Request();
  exitOnCommand(req);
  req.connect(endpoint);
  const msg = Buffer.alloc(size, 0x61);
  await timeRoundTrips(
    async () => {
      await req.send(msg);
      const [answer] = await req.receive();
      if (answer?.length !== size) throw new Error(`a reply of ${answer?.length} bytes, not ${size}`);
    },
    warmup,
    n,
  );
}

/** Times n round trips after `warmup` untimed ones and reports { type: "latency" }. */
async function timeRoundTrips(roundTrip: () => Promise<void>, warmup: number, n: number): Promise<void> {
  for (let i = 0; i < warmup; i++) await roundTrip();
  const samples = new Float64Array(n);
  const run = startRun();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await roundTrip();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const cpu = run.cpu();
  let sum = 0;
  for (const s of samples) sum += s;
  samples.sort();
  await report({
    type: "latency",
    n,
    p50Us: percentile(samples, 0.5),
    p99Us: percentile(samples, 0.99),
    meanUs: sum / n,
    minUs: samples[0]!,
    maxUs: samples[n - 1]!,
    cpu,
  });
}

async function router(lib: Library, address: string, warmupMs: number, windowMs: number): Promise<void> {
  const sock = new lib.Router();
  exitOnCommand();
  await bindReady(sock, address);
  // A ROUTER message is [identity, payload].
  await countWindow(sock, 1, warmupMs, windowMs);
}

const dealer = async (lib: Library, endpoint: string, size: number, maxMs: number) => await sendFlatOut(new lib.Dealer(), endpoint, size, maxMs);

// ---- the floor: raw node:net ------------------------------------------------------

/** Where a tcp:// or ipc:// address points, for node:net. */
const netTarget = (address: string) => {
  const tcp = /^tcp:\/\/([^:]+):(\d+|\*)$/.exec(address);
  if (tcp) return { host: tcp[1]!, port: tcp[2] === "*" ? 0 : Number(tcp[2]) };
  if (address.startsWith("ipc://")) return { path: address.slice("ipc://".length) };
  throw new Error(`node:net cannot reach ${address}`);
};

async function netEcho(address: string): Promise<void> {
  exitOnCommand();
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("data", (chunk) => socket.write(chunk));
    socket.on("error", () => {});
  });
  const at = netTarget(address);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if ("path" in at) server.listen(at.path, resolve);
    else server.listen(at.port, at.host, resolve);
  });
  const bound = server.address();
  await reportAny({ type: "ready", endpoint: typeof bound === "string" || !bound ? address : `tcp://${bound.address}:${bound.port}` });
}

async function netRequest(endpoint: string, size: number, warmup: number, n: number): Promise<void> {
  const socket: Socket = connect(netTarget(endpoint) as { port: number; host: string });
  exitOnCommand();
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const msg = Buffer.alloc(size, 0x61);
  let pending = 0;
  let done: () => void = () => {};
  socket.on("data", (chunk) => {
    pending -= chunk.length;
    if (pending <= 0) done();
  });
  await timeRoundTrips(
    () =>
      new Promise<void>((resolve) => {
        pending = size;
        done = resolve;
        socket.write(msg);
      }),
    warmup,
    n,
  );
}

const n = (s: string | undefined) => Number(s);

async function main(): Promise<void> {
  if (impl === "node:net") {
    if (role === "rep") await netEcho(target!);
    else if (role === "req") await netRequest(target!, n(arg4), n(arg5), n(arg6));
    else throw new Error(`node:net plays rep and req, not ${role}`);
    return;
  }
  const lib: Library = await load(impl);
  if (role === "rep") await reply(lib, target!);
  else if (role === "req") await request(lib, target!, n(arg4), n(arg5), n(arg6));
  else if (role === "router") {
    await router(lib, target!, n(arg4), n(arg5));
    process.exit(0);
  } else if (role === "dealer") await dealer(lib, target!, n(arg4), n(arg5));
  else throw new Error(`unknown role ${role}`);
}
await main().catch(fail);
