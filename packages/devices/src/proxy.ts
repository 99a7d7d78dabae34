/**
 * zmq_proxy and zmq_proxy_steerable for zmq-ts sockets.
 *
 * Messages move both ways between a frontend and a backend; a message is
 * read from one side only once the other side has taken the previous one,
 * so a full side stops the proxy reading the other: it never drops. A
 * capture socket gets a copy of every message just before it is forwarded.
 *
 * The control socket takes single-frame commands: PAUSE, RESUME, TERMINATE,
 * STATISTICS. STATISTICS is answered with eight frames, each a uint64 in
 * little-endian byte order (libzmq writes host order; this is it on x86 and
 * ARM): frontend frames received, bytes received, frames sent, bytes sent,
 * then the same four for the backend. When the control socket is a REP,
 * the other commands are answered with one empty frame so it can go on.
 */
import { type Msg, type SocketBase, isZmqError } from "@zmq/kernel";

/** The eight counters of STATISTICS, in their wire order. */
export interface ProxyStatistics {
  frontendReceivedFrames: number;
  frontendReceivedBytes: number;
  frontendSentFrames: number;
  frontendSentBytes: number;
  backendReceivedFrames: number;
  backendReceivedBytes: number;
  backendSentFrames: number;
  backendSentBytes: number;
}

/** What proxy() needs of a socket: zmq-ts's SocketBase (any type). */
type Socket = SocketBase;

export interface ProxyOptions {
  /** Receives a copy of every message forwarded. */
  capture?: Socket;
  /** Takes PAUSE / RESUME / TERMINATE / STATISTICS. */
  control?: Socket;
  /** Stops the proxy when aborted. */
  signal?: AbortSignal;
}

function frameStats(msg: Msg): [number, number] {
  let bytes = 0;
  for (const f of msg) bytes += f.length;
  return [msg.length, bytes];
}

const sendOnly = /* @__PURE__ */ new Set(["PUSH", "PUB"]);
const receiveOnly = /* @__PURE__ */ new Set(["PULL", "SUB"]);
const canReceive = (s: Socket) => !sendOnly.has(s.socketType);
const canSend = (s: Socket) => !receiveOnly.has(s.socketType);

/** Ends quietly for the errors that mean "this socket is closed". */
function closedError(error: unknown): boolean {
  return isZmqError(error, "EBADF") || isZmqError(error, "EAGAIN") || (error as { name?: string }).name === "AbortError";
}

/**
 * A running proxy. `done` settles when it stops: resolves on TERMINATE, an
 * abort or a closed socket; rejects on any other socket error.
 */
export class ProxyRun {
  readonly statistics: ProxyStatistics = {
    frontendReceivedFrames: 0,
    frontendReceivedBytes: 0,
    frontendSentFrames: 0,
    frontendSentBytes: 0,
    backendReceivedFrames: 0,
    backendReceivedBytes: 0,
    backendSentFrames: 0,
    backendSentBytes: 0,
  };
  readonly done: Promise<void>;
  private paused = false;
  private resumed: (() => void)[] = [];
  private readonly stop = new AbortController();
  /** The last capture send: the two directions' captures go one after the other (a socket takes one waiting send). */
  private captureTurn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly frontend: Socket,
    private readonly backend: Socket,
    private readonly options: ProxyOptions = {},
  ) {
    const outer = options.signal;
    if (outer) {
      if (outer.aborted) this.stop.abort();
      else outer.addEventListener("abort", () => this.terminate(), { once: true });
    }
    // As zmq_proxy, only the directions these socket types can carry (a PUSH never reads).
    const pumps: Promise<void>[] = [];
    if (canReceive(frontend) && canSend(backend)) pumps.push(this.pump(frontend, backend, "frontend"));
    // One socket as both ends (zmq_proxy allows it): one loop reads it and writes back to it.
    if (backend !== frontend && canReceive(backend) && canSend(frontend)) pumps.push(this.pump(backend, frontend, "backend"));
    if (options.control) pumps.push(this.steer(options.control));
    this.done = Promise.all(pumps).then(
      () => undefined,
      (error: unknown) => {
        this.terminate();
        throw error;
      },
    );
    this.done.catch(() => {});
  }

  /** Stops forwarding until resume(). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const waiting = this.resumed;
    this.resumed = [];
    for (const r of waiting) r();
  }

  /** Stops the proxy. */
  terminate(): void {
    this.stop.abort();
    this.resume();
  }

  get terminated(): boolean {
    return this.stop.signal.aborted;
  }

  private whileStopped(): Promise<void> | undefined {
    if (!this.paused || this.terminated) return undefined;
    return new Promise((r) => this.resumed.push(r));
  }

  private async pump(from: Socket, to: Socket, side: "frontend" | "backend"): Promise<void> {
    const signal = this.stop.signal;
    const stats = this.statistics;
    const capture = this.options.capture;
    while (!signal.aborted) {
      const hold = this.whileStopped();
      if (hold) await hold;
      if (signal.aborted) return;
      let msg: Msg;
      try {
        msg = await from.receive({ signal });
        const [frames, bytes] = frameStats(msg);
        if (side === "frontend") {
          stats.frontendReceivedFrames += frames;
          stats.frontendReceivedBytes += bytes;
        } else {
          stats.backendReceivedFrames += frames;
          stats.backendReceivedBytes += bytes;
        }
        // PAUSE that came while this message was on its way holds it until RESUME.
        const holdAgain = this.whileStopped();
        if (holdAgain) await holdAgain;
        if (signal.aborted) return;
        if (capture) await this.capture(capture, msg, signal);
        await to.send(msg, { signal });
        if (side === "frontend") {
          stats.backendSentFrames += frames;
          stats.backendSentBytes += bytes;
        } else {
          stats.frontendSentFrames += frames;
          stats.frontendSentBytes += bytes;
        }
      } catch (error) {
        if (signal.aborted || closedError(error) || from.closed || to.closed) {
          this.stop.abort();
          this.resume();
          return;
        }
        throw error;
      }
    }
  }

  /** Sends a copy of a message to the capture socket after the other direction's capture, if one is under way. */
  private capture(capture: Socket, msg: Msg, signal: AbortSignal): Promise<void> {
    const sent = this.captureTurn.then(() => capture.send(msg, { signal }));
    this.captureTurn = sent.catch(() => {});
    return sent;
  }

  private async steer(control: Socket): Promise<void> {
    const signal = this.stop.signal;
    const isRep = control.socketType === "REP";
    while (!signal.aborted) {
      let msg: Msg;
      try {
        msg = await control.receive({ signal });
      } catch (error) {
        if (signal.aborted || closedError(error) || control.closed) return;
        throw error;
      }
      const command = new TextDecoder().decode(msg[0]);
      if (command === "STATISTICS") {
        await sendQuietly(control, this.statisticsFrames(), signal);
        continue;
      }
      if (command === "PAUSE") this.pause();
      else if (command === "RESUME") this.resume();
      else if (command === "TERMINATE") this.terminate();
      if (isRep) await sendQuietly(control, [new Uint8Array(0)], undefined);
    }
  }

  /** STATISTICS' eight little-endian uint64 frames. */
  statisticsFrames(): Uint8Array[] {
    const s = this.statistics;
    return [
      s.frontendReceivedFrames,
      s.frontendReceivedBytes,
      s.frontendSentFrames,
      s.frontendSentBytes,
      s.backendReceivedFrames,
      s.backendReceivedBytes,
      s.backendSentFrames,
      s.backendSentBytes,
    ].map((n) => {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
      return out;
    });
  }
}

/**
 * Runs a proxy between two sockets (and an optional capture and control
 * socket) until it is terminated or a socket closes.
 */
export function proxy(frontend: Socket, backend: Socket, capture?: Socket): Promise<void> {
  return new ProxyRun(frontend, backend, { capture }).done;
}

/** zmq_proxy_steerable: as proxy(), steered by commands on `control`. */
export function steerableProxy(frontend: Socket, backend: Socket, control: Socket, capture?: Socket): Promise<void> {
  return new ProxyRun(frontend, backend, { capture, control }).done;
}

/** Answers on the control socket; a control socket closed meanwhile (a throw, as zeromq.js's) is no error. */
async function sendQuietly(socket: Socket, msg: Uint8Array[], signal: AbortSignal | undefined): Promise<void> {
  try {
    await socket.send(msg, { signal });
  } catch {
    // The reply is best effort.
  }
}
