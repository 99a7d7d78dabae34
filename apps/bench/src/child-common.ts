// The child side of the multi-process benchmarks (throughput-peer.ts,
// reqrep-peer.ts, pubsub-peer.ts): reporting to the parent over fork()'s IPC
// channel, the rules that keep a child from outliving its run, and the two
// ends of a flat-out throughput run (a sender, and a receiver that counts a
// timed window by its own clock).
import type * as ZmqTs from "@zmq/zeromq";
import type * as ZeromqJs from "zeromq";
import type { Cpu, ThroughputMessage } from "./messages.js";

export type { Cpu, ThroughputMessage };

/** Starts the child: it exits when the parent goes away, and after lifetimeMs in any case. */
export function guard(program: string, lifetimeMs: number, startedBy = "its benchmark"): void {
  if (!process.send) {
    console.error(`${program} is started by ${startedBy} (it needs an IPC channel)`);
    process.exit(2);
  }
  // The parent died or let go: nothing more to do here.
  process.on("disconnect", () => process.exit(2));
  // However a run goes wrong, a child does not outlive it by much.
  setTimeout(() => process.exit(3), lifetimeMs).unref();
}

/** Sends a message to the parent; resolves once it is on its way. */
export function report<M extends { type: string }>(message: M): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, undefined, () => resolve()));
}

export async function fail(error: unknown): Promise<never> {
  await report({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}

export function cpuSince(start: NodeJS.CpuUsage, startWall: number, nowWall: number): Cpu {
  const used = process.cpuUsage(start);
  return { userMs: used.user / 1000, systemMs: used.system / 1000, wallMs: nowWall - startWall };
}

/** A run from now: its deadline maxMs away (a sender's safety net), and the CPU this process has used since. */
export function startRun(maxMs = Infinity): { startWall: number; deadline: number; cpu: () => Cpu } {
  const startCpu = process.cpuUsage();
  const startWall = performance.now();
  return { startWall, deadline: startWall + maxMs, cpu: () => cpuSince(startCpu, startWall, performance.now()) };
}

/** Calls fn for each control message ("go", "stop", "exit") from the parent. */
export function onCommand(fn: (command: string) => void): void {
  process.on("message", (m) => {
    if (typeof m === "string") fn(m);
  });
}

/** Yields to the event loop (I/O, timers, the parent's messages). */
export const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

// ---- sockets -------------------------------------------------------------------

/** What every socket of both libraries has. */
export interface Sock {
  linger: number;
  close(): void;
}
interface Binds {
  readonly lastEndpoint: string | null;
  bind(address: string): Promise<void>;
}
interface Sends extends Sock {
  connect(endpoint: string): void;
  send(message: Buffer): Promise<void>;
}

/**
 * The implementation under test: zmq-ts or zeromq.js, the same code runs
 * both. Assigning the result to a peer's own Library interface checks that
 * both modules have what it uses.
 */
export async function load(impl: string | undefined): Promise<typeof ZmqTs | typeof ZeromqJs> {
  if (impl === "zmq-ts") return await import("@zmq/zeromq");
  if (impl === "zeromq.js") return await import("zeromq");
  throw new Error(`unknown implementation ${impl}`);
}

/** Closes the socket (if any) without lingering and ends the process. */
export function closeAndExit(sock?: Sock): never {
  if (sock) {
    sock.linger = 0;
    sock.close();
  }
  process.exit(0);
}

/** On "exit" from the parent: closes the socket (if any) and ends the process. */
export function exitOnCommand(sock?: Sock): void {
  onCommand((c) => {
    if (c === "exit") closeAndExit(sock);
  });
}

/** Binds and reports { type: "ready", endpoint } (the endpoint bound, for a wildcard address). */
export async function bindReady(sock: Binds, address: string): Promise<void> {
  await sock.bind(address);
  void report({ type: "ready", endpoint: sock.lastEndpoint ?? address });
}

// ---- a throughput run ------------------------------------------------------------

export interface Window {
  count: number;
  elapsedMs: number;
}

/**
 * The timed window of a count, by this process's own clock: from `first`
 * (set by the caller, at the first message), warmupMs of warm-up, then a
 * window of windowMs. Each reading takes a count together with its time.
 */
export class WindowClock {
  first = 0;
  markCount = -1;
  markTime = 0;
  /** The window is over (read() returned it). */
  done = false;

  constructor(
    private readonly warmupMs: number,
    private readonly windowMs: number,
  ) {}

  /** At `count` and `now`: "mark" as the warm-up ends, the window once it is over, otherwise undefined. */
  read(count: number, now: number): "mark" | Window | undefined {
    if (this.markCount < 0) {
      if (now - this.first >= this.warmupMs) {
        this.markCount = count;
        this.markTime = now;
        return "mark";
      }
    } else if (now - this.markTime >= this.windowMs) {
      this.done = true;
      return { count: count - this.markCount, elapsedMs: now - this.markTime };
    }
    return undefined;
  }
}

/**
 * The receiving end of a throughput run: counts the messages (frame `frame`
 * of each) of a timed window, warmupMs after the first one, and reports
 * { type: "result", count, elapsedMs, cpu }; then drains to the zero-length
 * end marker, reports { type: "drained", total } and closes the socket. The
 * window is the receiver's, so a sender far ahead of it (queues in the
 * kernel) does not stretch it.
 *
 * Looking at the clock costs about as much as a small message: it is read
 * every 256 messages, or every message if the first one has clockEveryFrom
 * bytes or more.
 */
export async function countWindow(
  sock: Sock & AsyncIterable<Buffer[]>,
  frame: number,
  warmupMs: number,
  windowMs: number,
  clockEveryFrom = Infinity,
): Promise<void> {
  const clock = new WindowClock(warmupMs, windowMs);
  let count = 0;
  let markCpu = process.cpuUsage();
  let mask = 255;
  for await (const msgs of sock) {
    const size = msgs[frame]!.length;
    if (size === 0) break;
    if (++count === 1) {
      clock.first = performance.now();
      if (size >= clockEveryFrom) mask = 0;
    }
    if (!clock.done && (count & mask) === 0) {
      const now = performance.now();
      const window = clock.read(count, now);
      if (window === "mark") markCpu = process.cpuUsage();
      else if (window) void report<ThroughputMessage>({ type: "result", ...window, cpu: cpuSince(markCpu, clock.markTime, now) });
    }
  }
  if (!clock.done) {
    // The stream ended early (the sender hit its deadline): count what came.
    const end = performance.now();
    const from = clock.markCount >= 0 ? clock.markTime : clock.first;
    await report<ThroughputMessage>({
      type: "result",
      count: count - Math.max(clock.markCount, 0),
      elapsedMs: end - from,
      cpu: cpuSince(markCpu, from, end),
    });
  }
  await report<ThroughputMessage>({ type: "drained", total: count });
  sock.linger = 0;
  sock.close();
}

/**
 * The sending end of a throughput run: connects and runs
 * `for (;;) await sock.send(msg)` until the parent says "stop" (or maxMs
 * pass, a safety net), then sends the zero-length end marker, reports
 * { type: "sent", sent, byDeadline, cpu } and waits for "exit". An "exit"
 * before that closes the socket and ends the process at once.
 */
export async function sendFlatOut(sock: Sends, endpoint: string, size: number, maxMs: number): Promise<void> {
  let stopping = false;
  let exiting = false;
  onCommand((c) => {
    if (c === "stop") stopping = true;
    if (c === "exit") {
      if (stopping && !exiting) closeAndExit(sock);
      exiting = stopping = true;
    }
  });
  sock.connect(endpoint);
  const msg = Buffer.alloc(size, 0x61);
  const run = startRun(maxMs);
  let sent = 0;
  let byDeadline = false;
  while (!stopping) {
    await sock.send(msg);
    // The safety net is checked rarely, to keep the loop as a user writes it.
    if ((++sent & 1023) === 0 && performance.now() > run.deadline) {
      byDeadline = true;
      break;
    }
  }
  const cpu = run.cpu();
  if (exiting) closeAndExit(sock);
  await sock.send(Buffer.alloc(0));
  void report<ThroughputMessage>({ type: "sent", sent, byDeadline, cpu });
  // The end marker must get out before the socket closes: the parent says when ("exit").
  stopping = true;
}
