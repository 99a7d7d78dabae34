// One end of a throughput run, started by throughput.ts with fork() (the
// IPC channel to the parent is a unix socketpair; it carries only control
// messages). The same code runs zmq-ts and zeromq.js: only the import
// differs.
//
//   node dist/throughput-peer.js recv <zmq-ts|zeromq.js> <bind-address> <warmup-ms> <window-ms>
//   node dist/throughput-peer.js send <zmq-ts|zeromq.js> <endpoint> <size> <max-ms>
//
// recv: binds, reports { type: "ready", endpoint }, counts messages. At
//   <warmup-ms> after its first message it notes the count and the time;
//   <window-ms> later it reports { type: "result", count, elapsedMs } for
//   the messages between the two (each count read together with the clock).
//   It then drains until the zero-length end marker and reports
//   { type: "drained", total }. The window is the receiver's, so a sender
//   far ahead of its receiver (queues in the kernel) does not stretch it.
// send: connects and runs `for (;;) await push.send(msg)` until the parent
//   says "stop" (or <max-ms> pass, a safety net), then sends the end marker,
//   reports { type: "sent", sent, byDeadline } and waits for "exit".
//
// Both exit when the parent goes away, and on a lifetime limit.

interface PushLike {
  linger: number;
  connect(endpoint: string): void;
  send(message: Buffer): Promise<void>;
  close(): void;
}
interface PullLike extends AsyncIterable<Buffer[]> {
  linger: number;
  readonly lastEndpoint: string | null;
  bind(address: string): Promise<void>;
  close(): void;
}
interface Library {
  Push: new () => PushLike;
  Pull: new () => PullLike;
}

export type PeerMessage =
  | { type: "ready"; endpoint: string }
  | { type: "result"; count: number; elapsedMs: number; cpu: Cpu }
  | { type: "drained"; total: number }
  | { type: "sent"; sent: number; byDeadline: boolean; cpu: Cpu }
  | { type: "error"; message: string };

/** CPU time this process used over a stretch of wall time, in ms. */
export interface Cpu {
  userMs: number;
  systemMs: number;
  wallMs: number;
}

function cpuSince(start: NodeJS.CpuUsage, startWall: number, nowWall: number): Cpu {
  const used = process.cpuUsage(start);
  return { userMs: used.user / 1000, systemMs: used.system / 1000, wallMs: nowWall - startWall };
}

const [role, impl, target, arg4, arg5] = process.argv.slice(2);

function report(message: PeerMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, undefined, () => resolve()));
}

async function fail(error: unknown): Promise<never> {
  await report({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}

if (!process.send) {
  console.error("throughput-peer is started by throughput.js (it needs an IPC channel)");
  process.exit(2);
}
// The parent died or let go: nothing more to do here.
process.on("disconnect", () => process.exit(2));
// However a run goes wrong, a peer does not outlive it by much.
setTimeout(() => process.exit(3), 120_000).unref();

async function load(): Promise<Library> {
  if (impl === "zmq-ts") return await import("@zmq/zeromq");
  if (impl === "zeromq.js") return await import("zeromq");
  throw new Error(`unknown implementation ${impl}`);
}

async function receiver(lib: Library, address: string, warmupMs: number, windowMs: number): Promise<void> {
  const pull = new lib.Pull();
  await pull.bind(address);
  void report({ type: "ready", endpoint: pull.lastEndpoint ?? address });

  let count = 0;
  let first = 0;
  let markCount = -1;
  let markTime = 0;
  let markCpu = process.cpuUsage();
  let done = false;
  // Looking at the clock costs about as much as a small message; do it every
  // 256 messages for small ones. Each count is taken with its time.
  let mask = 255;
  for await (const [msg] of pull) {
    const size = msg!.length;
    if (size === 0) break;
    if (++count === 1) {
      first = performance.now();
      if (size >= 1024) mask = 0;
    }
    if (!done && (count & mask) === 0) {
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
  pull.linger = 0;
  pull.close();
}

async function sender(lib: Library, endpoint: string, size: number, maxMs: number): Promise<void> {
  let stopping = false;
  let exiting = false;
  const exit = () => {
    push.linger = 0;
    push.close();
    process.exit(0);
  };
  process.on("message", (m) => {
    if (m === "stop") stopping = true;
    if (m === "exit") {
      exiting = true;
      stopping = true;
    }
  });
  const push = new lib.Push();
  push.connect(endpoint);
  const msg = Buffer.alloc(size, 0x61);
  const startCpu = process.cpuUsage();
  const startWall = performance.now();
  const deadline = startWall + maxMs;
  let sent = 0;
  let byDeadline = false;
  while (!stopping) {
    await push.send(msg);
    // The safety net is checked rarely, to keep the loop as a user writes it.
    if ((++sent & 1023) === 0 && performance.now() > deadline) {
      byDeadline = true;
      break;
    }
  }
  const cpu = cpuSince(startCpu, startWall, performance.now());
  if (exiting) exit();
  await push.send(Buffer.alloc(0));
  void report({ type: "sent", sent, byDeadline, cpu });
  // The end marker must get out before the socket closes: wait for the parent.
  if (exiting) exit();
  process.on("message", (m) => {
    if (m === "exit") exit();
  });
}

const lib = await load().catch(fail);
if (role === "recv") {
  // After its result the parent may not wait for the drain.
  process.on("message", (m) => {
    if (m === "exit") process.exit(0);
  });
  await receiver(lib, target!, Number(arg4), Number(arg5)).catch(fail);
  process.exit(0);
} else if (role === "send") {
  await sender(lib, target!, Number(arg4), Number(arg5)).catch(fail);
} else {
  await fail(new Error(`unknown role ${role}`));
}
