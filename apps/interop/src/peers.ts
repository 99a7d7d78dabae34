// Real ZeroMQ peers for the interop tests, all behind one interface:
//
//   - "libzmq": libzmq 4.3.5 through the npm `zeromq` package, in this process;
//   - "pyzmq":  Debian's python3-zmq (libzmq 4.3.4), peers/peer.py as a child process;
//   - "jeromq": JeroMQ 0.3.6 (ZMTP 2.0), peers/Peer.java as a child process.
//
// A child peer reads one command per line on stdin and answers one line per
// command on stdout, in order (the protocol is described in peers/peer.py).
// Large payloads never cross stdout: a peer reports `LENGTH:SHA256` digests.
// Every peer started here is registered; call stopAllPeers() in afterEach.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { retryInUse } from "@zmq/kernel/testing";
import * as zmq from "zeromq";

import {
  type Frame,
  JEROMQ_JAR,
  PEERS_DIR,
  PEER_HARD_TIMEOUT,
  PEER_IO_TIMEOUT,
  PYTHON,
  type Peer,
  type PeerKind,
  type PeerMode,
  type PeerSocketOptions,
  type PeerSocketType,
  type PeerEventType,
  type PeerKeyPair,
  type PeerZapRequest,
  EventLog,
  PEER_EVENT_TYPES,
  TEXT_OPTIONS,
  ZAP_ENDPOINT,
  answerZap,
  digest,
  eventDetail,
  parseZapRequests,
  zeromqCurveOptions,
  seqMessage,
  seqMismatch,
  toBuffer,
  toHex,
} from "./peer-protocol.js";

export * from "./peer-protocol.js";

// ---- temporary directories ------------------------------------------------

const tempDirs: string[] = [];
/** This run's directory for ipc endpoints. */
let ipcDir: string | undefined;
/** Where Peer.java was compiled to; null when javac failed. */
let javaClasses: string | null | undefined;

/** Removes every temp dir made here (for afterAll; also done at process exit). */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  ipcDir = undefined;
  javaClasses = undefined;
}
process.once("exit", removeTempDirs);

/** A fresh directory under the OS temp dir, removed when the process exits. */
export function tempDir(prefix = "zmq-interop-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

let ipcCounter = 0;
/** A unique `ipc://` endpoint in this run's temp dir. */
export function ipcEndpoint(label = "s"): string {
  ipcDir ??= tempDir();
  return `ipc://${join(ipcDir, `${label}-${++ipcCounter}.sock`)}`;
}

// ---- the registry -------------------------------------------------------------

const running = new Set<Peer>();

/** Stops every peer still running (for afterEach). */
export async function stopAllPeers(): Promise<void> {
  const peers = [...running];
  running.clear();
  await Promise.all(peers.map((p) => p.stop()));
}

/** Starts a peer of the given kind; it is stopped by stopAllPeers() if not before. */
export async function startPeer(kind: PeerKind): Promise<Peer> {
  const peer = kind === "libzmq" ? new LibzmqPeer() : await ProcessPeer.start(kind);
  running.add(peer);
  return peer;
}

// ---- child process peers --------------------------------------------------------

/**
 * The java command line for Peer.java. Peer.java is compiled once per test
 * run into a temp dir (about 1 s), which makes each start about 0.2 s instead
 * of the 0.7-1 s of a single-file source launch; when javac is missing the
 * source launch (`java -cp jeromq.jar peers/Peer.java`) is used.
 */
function javaCommand(): string[] {
  const source = join(PEERS_DIR, "Peer.java");
  prepareJava();
  return javaClasses ? ["-cp", `${JEROMQ_JAR}:${javaClasses}`, "Peer"] : ["-cp", JEROMQ_JAR, source];
}

/** Compiles Peer.java now rather than in the first test that starts a JeroMQ peer (for beforeAll). */
export function prepareJava(): void {
  const source = join(PEERS_DIR, "Peer.java");
  if (javaClasses === undefined) {
    try {
      const out = tempDir("zmq-interop-java-");
      execFileSync("javac", ["-cp", JEROMQ_JAR, "-d", out, source], { stdio: "pipe", timeout: 60_000 });
      javaClasses = out;
    } catch {
      javaClasses = null;
    }
  }
}

interface PendingReply {
  command: string;
  resolve: (line: string) => void;
  reject: (error: Error) => void;
}

class ProcessPeer implements Peer {
  version = "";
  private readonly pending: PendingReply[] = [];
  private stderr = "";
  private exited: Error | undefined;
  private readonly exit: Promise<void>;
  private ready!: { resolve: (line: string) => void; reject: (e: Error) => void };
  private readonly readyLine: Promise<string>;

  private constructor(
    readonly kind: "pyzmq" | "jeromq",
    private readonly child: ChildProcess,
  ) {
    const readyLine = new Promise<string>((resolve, reject) => (this.ready = { resolve, reject }));
    this.readyLine = readyLine;
    this.exit = new Promise((resolve) => {
      const ended = (why: string): void => {
        if (this.exited) return;
        this.exited = new Error(`${kind} peer ${why}${this.stderr ? `; stderr: ${this.stderr}` : ""}`);
        this.ready.reject(this.exited);
        for (let p = this.pending.shift(); p; p = this.pending.shift()) p.reject(new Error(`${p.command}: ${this.exited.message}`));
        resolve();
      };
      // "close" comes after the stdio streams are drained, so stderr is complete.
      child.once("close", (code, signal) => ended(`exited (code ${code}, signal ${signal})`));
      child.once("error", (e) => ended(`failed: ${String(e)}`));
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    // The stdin pipe breaks when the child dies; that is reported through "close".
    child.stdin!.on("error", () => {});
    const lines = createInterface({ input: child.stdout! });
    let first = true;
    lines.on("line", (line) => {
      if (first) {
        first = false;
        this.ready.resolve(line);
        return;
      }
      const p = this.pending.shift();
      if (!p) return;
      if (line.startsWith("ok")) p.resolve(line.slice(3));
      else p.reject(new Error(`${kind} peer: ${p.command.slice(0, 200)} -> ${line}`));
    });
  }

  static async start(kind: "pyzmq" | "jeromq"): Promise<ProcessPeer> {
    const timeout = ["--timeout", String(PEER_HARD_TIMEOUT)];
    const child =
      kind === "pyzmq"
        ? spawn(PYTHON, [join(PEERS_DIR, "peer.py"), ...timeout], { stdio: "pipe" })
        : spawn("java", [...javaCommand(), ...timeout], { stdio: "pipe" });
    const peer = new ProcessPeer(kind, child);
    running.add(peer); // before it is ready, so that stopAllPeers() kills one that hangs at start
    const line = await peer.readyLine;
    const match = /^ready \S+ (\S+)/.exec(line);
    if (!match) {
      await peer.stop();
      throw new Error(`${kind} peer said ${JSON.stringify(line)} instead of ready`);
    }
    peer.version = match[1]!;
    return peer;
  }

  /** Sends one command line; resolves the reply after "ok ". */
  request(command: string): Promise<string> {
    if (this.exited) return Promise.reject(new Error(`${command}: ${this.exited.message}`));
    return new Promise((resolve, reject) => {
      this.pending.push({ command, resolve, reject });
      this.child.stdin!.write(`${command}\n`);
    });
  }

  async open(name: string, type: PeerSocketType, mode: PeerMode, endpoint: string, options: PeerSocketOptions = {}): Promise<string> {
    const opts = Object.entries(options)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === "boolean" ? Number(v) : typeof v === "number" || TEXT_OPTIONS.has(k) ? v : toHex(v as Frame)}`);
    return (await this.request(["open", name, type, mode, endpoint, ...opts].join(" "))).trim();
  }

  async connect(name: string, endpoint: string): Promise<void> {
    await this.request(`connect ${name} ${endpoint}`);
  }

  async close(name: string): Promise<void> {
    await this.request(`close ${name}`);
  }

  async send(name: string, frames: Frame[]): Promise<void> {
    await this.request(`send ${name} ${frames.map(toHex).join(" ")}`);
  }

  async sendSeq(name: string, count: number): Promise<void> {
    await this.request(`sendseq ${name} ${count}`);
  }

  async sendRandom(name: string, sizes: number[]): Promise<string[]> {
    return (await this.request(`sendrand ${name} ${sizes.join(" ")}`)).split(" ");
  }

  async recv(name: string): Promise<string[]> {
    return (await this.request(`recv ${name}`)).split(" ");
  }

  async recvFrames(name: string): Promise<Buffer[]> {
    const words = (await this.request(`recvhex ${name}`)).trim().split(" ");
    return words.map((w) => (w === "-" ? Buffer.alloc(0) : Buffer.from(w, "hex")));
  }

  async recvSeq(name: string, count: number): Promise<void> {
    await this.request(`recvseq ${name} ${count}`);
  }

  async echo(name: string, count: number, suffix?: Frame): Promise<void> {
    await this.request(`echo ${name} ${count}${suffix === undefined ? "" : ` ${toHex(suffix)}`}`);
  }

  async subscribe(name: string, topics: Frame[]): Promise<void> {
    await this.request(`subscribe ${name} ${topics.map(toHex).join(" ")}`);
  }

  async unsubscribe(name: string, topics: Frame[]): Promise<void> {
    await this.request(`unsubscribe ${name} ${topics.map(toHex).join(" ")}`);
  }

  async sendEach(name: string, frames: Frame[]): Promise<void> {
    await this.request(`sendeach ${name} ${frames.map(toHex).join(" ")}`);
  }

  async recvFirst(name: string, count: number): Promise<Buffer[]> {
    const words = (await this.request(`recvfirst ${name} ${count}`))
      .trim()
      .split(" ")
      .filter((w) => w !== "");
    return words.map((w) => (w === "-" ? Buffer.alloc(0) : Buffer.from(w, "hex")));
  }

  async curveKeyPair(): Promise<PeerKeyPair> {
    const [publicKey, secretKey] = (await this.request("keypair")).trim().split(" ");
    return { publicKey: publicKey!, secretKey: secretKey! };
  }

  async serveZap(allowed: string[]): Promise<void> {
    await this.request(["zap", ...allowed].join(" "));
  }

  async zapRequests(): Promise<PeerZapRequest[]> {
    return parseZapRequests(await this.request("zapreqs"));
  }

  async nextEvent(name: string, type: PeerEventType): Promise<string> {
    return (await this.request(`nextevent ${name} ${type}`)).trim();
  }

  /** Asks the peer to exit and waits until it has. */
  async quit(): Promise<void> {
    if (this.exited) return;
    this.child.stdin!.write("quit\n");
    await this.exit;
  }

  async stop(): Promise<void> {
    running.delete(this);
    if (!this.exited) this.child.kill("SIGKILL");
    await this.exit;
  }
}

// ---- libzmq in this process --------------------------------------------------------

type LibzmqSocket = zmq.Socket & zmq.Readable & zmq.Writable;

class LibzmqPeer implements Peer {
  readonly kind = "libzmq";
  readonly version = zmq.version;
  private readonly sockets = new Map<string, LibzmqSocket>();
  private readonly events = new Map<string, EventLog>();
  private zap: zmq.Router | undefined;
  private readonly zapAsked: PeerZapRequest[] = [];

  private socket(name: string): LibzmqSocket {
    const s = this.sockets.get(name);
    if (!s) throw new Error(`libzmq peer: no socket named ${name}`);
    return s;
  }

  async open(name: string, type: PeerSocketType, mode: PeerMode, endpoint: string, options: PeerSocketOptions = {}): Promise<string> {
    // zeromq.js only has the timeouts and options a socket type can use;
    // it takes routing ids as strings, so tests give them in ASCII.
    const text = (f: Frame | undefined): string | undefined => (f === undefined ? undefined : toBuffer(f).toString("latin1"));
    const opts = {
      linger: options.linger ?? 0,
      ...(type === "PUSH" || type === "PUB" ? {} : { receiveTimeout: options.rcvtimeo ?? PEER_IO_TIMEOUT }),
      ...(type === "PULL" || type === "SUB" ? {} : { sendTimeout: options.sndtimeo ?? PEER_IO_TIMEOUT }),
      ...(options.reconnect_ivl === undefined ? {} : { reconnectInterval: options.reconnect_ivl }),
      ...(options.sndhwm === undefined || type === "SUB" ? {} : { sendHighWaterMark: options.sndhwm }),
      ...(options.rcvhwm === undefined || type === "PUB" ? {} : { receiveHighWaterMark: options.rcvhwm }),
      ...(options.routing_id === undefined ? {} : { routingId: text(options.routing_id) }),
      ...(options.probe_router === undefined ? {} : { probeRouter: options.probe_router }),
      ...(options.router_mandatory === undefined ? {} : { mandatory: options.router_mandatory }),
      ...(options.router_handover === undefined ? {} : { handover: options.router_handover }),
      ...(options.req_correlate === undefined ? {} : { correlate: options.req_correlate }),
      ...(options.req_relaxed === undefined ? {} : { relaxed: options.req_relaxed }),
      ...(options.xpub_verbose ? { verbosity: "allSubs" as const } : {}),
      ...zeromqCurveOptions(options),
    };
    const make = {
      PUSH: () => new zmq.Push(opts),
      PULL: () => new zmq.Pull(opts),
      PAIR: () => new zmq.Pair(opts),
      REQ: () => new zmq.Request(opts),
      REP: () => new zmq.Reply(opts),
      DEALER: () => new zmq.Dealer(opts),
      ROUTER: () => new zmq.Router(opts),
      PUB: () => new zmq.Publisher(opts),
      SUB: () => new zmq.Subscriber(opts),
      XPUB: () => new zmq.XPublisher(opts),
      XSUB: () => new zmq.XSubscriber(opts),
    }[type];
    const s = make() as unknown as LibzmqSocket;
    // zeromq.js has no sendHighWaterMark on a SUB, though its subscriptions go
    // through one (libzmq drops those past it); set ZMQ_SNDHWM (23) directly.
    if (type === "SUB" && options.sndhwm !== undefined) {
      (s as unknown as { setInt32Option(id: number, value: number): void }).setInt32Option(23, options.sndhwm);
    }
    // The monitor starts before the bind or connect, so that no event is missed.
    if (options.monitor) {
      const log = new EventLog(`libzmq peer socket ${name}`);
      for (const t of PEER_EVENT_TYPES) s.events.on(t, (event) => log.record(t, eventDetail(t, event)));
      this.events.set(name, log);
    }
    try {
      if (mode === "bind") {
        await retryInUse(() => s.bind(endpoint));
        endpoint = s.lastEndpoint!;
      } else if (options.connect_routing_id !== undefined) {
        (s as unknown as zmq.Router).connect(endpoint, { routingId: text(options.connect_routing_id) });
      } else {
        s.connect(endpoint);
      }
    } catch (e) {
      s.close();
      throw e;
    }
    this.sockets.set(name, s);
    return endpoint;
  }

  connect(name: string, endpoint: string): Promise<void> {
    this.socket(name).connect(endpoint);
    return Promise.resolve();
  }

  close(name: string): Promise<void> {
    this.socket(name).close();
    this.sockets.delete(name);
    this.events.delete(name);
    return Promise.resolve();
  }

  async send(name: string, frames: Frame[]): Promise<void> {
    await this.socket(name).send(frames.map(toBuffer));
  }

  async sendSeq(name: string, count: number): Promise<void> {
    const s = this.socket(name);
    for (let i = 0; i < count; i++) await s.send(seqMessage(i));
  }

  async sendRandom(name: string, sizes: number[]): Promise<string[]> {
    const frames = sizes.map((n) => randomBytes(n));
    await this.socket(name).send(frames);
    return frames.map(digest);
  }

  async recv(name: string): Promise<string[]> {
    return (await this.socket(name).receive()).map(digest);
  }

  recvFrames(name: string): Promise<Buffer[]> {
    return this.socket(name).receive();
  }

  async recvSeq(name: string, count: number): Promise<void> {
    const s = this.socket(name);
    for (let i = 0; i < count; i++) {
      let frames: Buffer[];
      try {
        frames = await s.receive();
      } catch (e) {
        throw new Error(`libzmq peer: after ${i} of ${count} messages: ${String(e)}`);
      }
      const bad = seqMismatch(frames, i);
      if (bad) throw new Error(`libzmq peer: ${bad}`);
    }
  }

  async echo(name: string, count: number, suffix?: Frame): Promise<void> {
    const s = this.socket(name);
    const extra = suffix === undefined ? [] : [toBuffer(suffix)];
    for (let i = 0; i < count; i++) await s.send([...(await s.receive()), ...extra]);
  }

  private subscriber(name: string): zmq.Subscriber {
    const s = this.socket(name);
    if (!(s instanceof zmq.Subscriber)) throw new Error(`libzmq peer: ${name} is not a SUB socket`);
    return s;
  }

  subscribe(name: string, topics: Frame[]): Promise<void> {
    this.subscriber(name).subscribe(...topics.map(toBuffer));
    return Promise.resolve();
  }

  unsubscribe(name: string, topics: Frame[]): Promise<void> {
    this.subscriber(name).unsubscribe(...topics.map(toBuffer));
    return Promise.resolve();
  }

  async sendEach(name: string, frames: Frame[]): Promise<void> {
    const s = this.socket(name);
    for (const f of frames) await s.send(toBuffer(f));
  }

  async recvFirst(name: string, count: number): Promise<Buffer[]> {
    const s = this.socket(name);
    const firsts: Buffer[] = [];
    for (let i = 0; i < count; i++) firsts.push((await s.receive())[0]!);
    return firsts;
  }

  curveKeyPair(): Promise<PeerKeyPair> {
    return Promise.resolve(zmq.curveKeyPair());
  }

  /** A zeromq.js Router at inproc://zeromq.zap.01 in zeromq.js's default context, answering every request. */
  async serveZap(allowed: string[]): Promise<void> {
    if (this.zap) throw new Error("libzmq peer: a ZAP handler is already bound");
    const zap = (this.zap = new zmq.Router({ linger: 0 })); // stop() closes it, bound or not
    // A handler closed a moment ago may still hold the address until libzmq's reaper lets go of it.
    await retryInUse(() => zap.bind(ZAP_ENDPOINT));
    void answerZap(zap, new Set(allowed), this.zapAsked);
  }

  zapRequests(): Promise<PeerZapRequest[]> {
    return Promise.resolve([...this.zapAsked]);
  }

  nextEvent(name: string, type: PeerEventType): Promise<string> {
    const log = this.events.get(name);
    if (!log) return Promise.reject(new Error(`libzmq peer: socket ${name} was not opened with monitor`));
    return log.next(type, PEER_IO_TIMEOUT);
  }

  stop(): Promise<void> {
    running.delete(this);
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
    this.events.clear();
    this.zap?.close();
    this.zap = undefined;
    return Promise.resolve();
  }
}
