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
// router / dealer: as throughput-peer.js's recv / send, with a DEALER
//   sending `for (;;) await dealer.send(msg)` to a ROUTER that counts the
//   messages of a timed window by its own clock, then drains to a
//   zero-length end marker.
//
// Every role exits on "exit" from the parent, when the parent goes away,
// and after two minutes in any case.
import { type Cpu, cpuSince, fail, guard, onCommand, report as reportAny } from "./child-common.js";

interface Sock {
  linger: number;
  close(): void;
}
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
  | { type: "ready"; endpoint: string }
  | { type: "latency"; n: number; p50Us: number; p99Us: number; meanUs: number; minUs: number; maxUs: number; cpu: Cpu }
  | { type: "result"; count: number; elapsedMs: number; cpu: Cpu }
  | { type: "drained"; total: number }
  | { type: "sent"; sent: number; byDeadline: boolean; cpu: Cpu };

const report = (message: ReqRepMessage) => reportAny(message);
const [role, impl, target, arg4, arg5, arg6] = process.argv.slice(2);
guard("reqrep-peer", 120_000);

async function load(): Promise<Library> {
  if (impl === "zmq-ts") return await import("@zmq/zeromq");
  if (impl === "zeromq.js") return await import("zeromq");
  throw new Error(`unknown implementation ${impl}`);
}

async function reply(lib: Library, address: string): Promise<void> {
  const rep = new lib.Reply();
  onCommand((c) => {
    if (c === "exit") {
      rep.linger = 0;
      rep.close();
      process.exit(0);
    }
  });
  await rep.bind(address);
  void report({ type: "ready", endpoint: rep.lastEndpoint ?? address });
  for await (const msg of rep) await rep.send(msg);
}

/** The value at or below which a fraction p of the sorted samples lie (nearest rank). */
const percentile = (sorted: Float64Array, p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;

async function request(lib: Library, endpoint: string, size: number, warmup: number, n: number): Promise<void> {
  const req = new lib.Request();
  onCommand((c) => {
    if (c === "exit") {
      req.linger = 0;
      req.close();
      process.exit(0);
    }
  });
  req.connect(endpoint);
  const msg = Buffer.alloc(size, 0x61);
  const roundTrip = async () => {
    await req.send(msg);
    const [answer] = await req.receive();
    if (answer?.length !== size) throw new Error(`a reply of ${answer?.length} bytes, not ${size}`);
  };
  for (let i = 0; i < warmup; i++) await roundTrip();
  const samples = new Float64Array(n);
  const startCpu = process.cpuUsage();
  const startWall = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await roundTrip();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const cpu = cpuSince(startCpu, startWall, performance.now());
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
  onCommand((c) => {
    if (c === "exit") process.exit(0);
  });
  await sock.bind(address);
  void report({ type: "ready", endpoint: sock.lastEndpoint ?? address });

  let count = 0;
  let first = 0;
  let markCount = -1;
  let markTime = 0;
  let markCpu = process.cpuUsage();
  let done = false;
  // The clock is read every 256 messages; each count is taken with its time.
  for await (const [, msg] of sock) {
    if (msg!.length === 0) break;
    if (++count === 1) first = performance.now();
    if (!done && (count & 255) === 0) {
      const now = performance.now();
      if (markCount < 0) {
        if (now - first >= warmupMs) {
          markCount = count;
          markTime = now;
          markCpu = process.cpuUsage();
        }
      } else if (now - markTime >= windowMs) {
        done = true;
        void report({ type: "result", count: count - markCount, elapsedMs: now - markTime, cpu: cpuSince(markCpu, markTime, now) });
      }
    }
  }
  if (!done) {
    // The stream ended early (the sender hit its deadline): count what came.
    const end = performance.now();
    const from = markCount >= 0 ? markTime : first;
    await report({ type: "result", count: count - Math.max(markCount, 0), elapsedMs: end - from, cpu: cpuSince(markCpu, from, end) });
  }
  await report({ type: "drained", total: count });
  sock.linger = 0;
  sock.close();
}

async function dealer(lib: Library, endpoint: string, size: number, maxMs: number): Promise<void> {
  let stopping = false;
  let exiting = false;
  const sock = new lib.Dealer();
  const exit = () => {
    sock.linger = 0;
    sock.close();
    process.exit(0);
  };
  onCommand((c) => {
    if (c === "stop") stopping = true;
    if (c === "exit") {
      if (stopping && !exiting) exit();
      exiting = stopping = true;
    }
  });
  sock.connect(endpoint);
  const msg = Buffer.alloc(size, 0x61);
  const startCpu = process.cpuUsage();
  const startWall = performance.now();
  const deadline = startWall + maxMs;
  let sent = 0;
  let byDeadline = false;
  while (!stopping) {
    await sock.send(msg);
    if ((++sent & 1023) === 0 && performance.now() > deadline) {
      byDeadline = true;
      break;
    }
  }
  const cpu = cpuSince(startCpu, startWall, performance.now());
  if (exiting) exit();
  await sock.send(Buffer.alloc(0));
  void report({ type: "sent", sent, byDeadline, cpu });
  // The end marker must get out before the socket closes: the parent says when ("exit").
  stopping = true;
}

const lib = await load().catch(fail);
const n = (s: string | undefined) => Number(s);
if (role === "rep") await reply(lib, target!).catch(fail);
else if (role === "req") {
  await request(lib, target!, n(arg4), n(arg5), n(arg6)).catch(fail);
} else if (role === "router") {
  await router(lib, target!, n(arg4), n(arg5)).catch(fail);
  process.exit(0);
} else if (role === "dealer") await dealer(lib, target!, n(arg4), n(arg5)).catch(fail);
else await fail(new Error(`unknown role ${role}`));
