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
// Every role exits on "exit" from the parent, when the parent goes away,
// and after two minutes in any case.
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
  const roundTrip = async () => {
    await req.send(msg);
    const [answer] = await req.receive();
    if (answer?.length !== size) throw new Error(`a reply of ${answer?.length} bytes, not ${size}`);
  };
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

const lib: Library = await load(impl).catch(fail);
const n = (s: string | undefined) => Number(s);
if (role === "rep") await reply(lib, target!).catch(fail);
else if (role === "req") {
  await request(lib, target!, n(arg4), n(arg5), n(arg6)).catch(fail);
} else if (role === "router") {
  await router(lib, target!, n(arg4), n(arg5)).catch(fail);
  process.exit(0);
} else if (role === "dealer") await dealer(lib, target!, n(arg4), n(arg5)).catch(fail);
else await fail(new Error(`unknown role ${role}`));
