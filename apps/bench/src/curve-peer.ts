// One end of a curve.ts run, started with fork(). The same code runs zmq-ts
// and zeromq.js: only the import differs. The keys are Z85 strings made by
// the parent for this run (throwaway keys: they are on the command line).
//
//   node dist/curve-peer.js recv   <impl> <bind-address> <warmup-ms> <window-ms> <server-secret>
//   node dist/curve-peer.js send   <impl> <endpoint> <size> <max-ms> <server-public> <client-public> <client-secret>
//   node dist/curve-peer.js server <impl> <bind-address> <server-secret>
//   node dist/curve-peer.js client <impl> <endpoint> <warmup-ms> <window-ms> <server-public> <client-public> <client-secret>
//
// recv / send: throughput-peer.js's recv / send (child-common's countWindow
//   and sendFlatOut, the same code) with a CURVE server Pull and a CURVE
//   client Push.
// server: a CURVE server Pull; binds, reports { type: "ready", endpoint }
//   and counts the handshakes it completes (its "handshake" monitor events).
//   On "mark" from the parent it notes its count and CPU; on "read" it
//   reports { type: "served", count, total, cpu } since the mark.
// client: until its window is over, again and again: a new CURVE client
//   Push, "handshake" listener on socket.events, connect, wait for the
//   handshake event (a handshake:error:* event or 5 s without one fails the
//   run), close without lingering. The window is counted as a throughput
//   receiver counts messages (child-common's WindowClock): <warmup-ms> of
//   warm-up from the first handshake, then it reports { type: "mark" } (the
//   parent passes it on to the server) and, <window-ms> later,
//   { type: "handshakes", count, elapsedMs, total, cpu }.
//
// Every role exits on "exit" from the parent, when the parent goes away,
// and after two minutes in any case.
import type { CurveCrypto } from "@zmq/curve";
import {
  type Cpu,
  type Sock,
  type ThroughputMessage,
  WindowClock,
  bindReady,
  closeAndExit,
  countWindow,
  cpuSince,
  exitOnCommand,
  fail,
  guard,
  load,
  onCommand,
  report as reportAny,
  sendFlatOut,
  startRun,
} from "./child-common.js";

/** The CURVE options, as both libraries name them (Z85 strings here). */
interface Curve {
  curveServer: boolean;
  curvePublicKey: string | Uint8Array | null;
  curveSecretKey: string | Uint8Array | null;
  curveServerKey: string | Uint8Array | null;
}
type HandshakeError = "handshake:error:protocol" | "handshake:error:auth" | "handshake:error:other";
/** The monitor events this program listens to, on socket.events of either library. */
interface Monitored {
  readonly events: {
    on(type: "handshake" | HandshakeError, listener: (event: { type: string; error?: { message: string } }) => void): unknown;
  };
}
interface PushLike extends Sock, Curve, Monitored {
  connect(endpoint: string): void;
  send(message: Buffer): Promise<void>;
}
interface PullLike extends Sock, Curve, Monitored, AsyncIterable<Buffer[]> {
  readonly lastEndpoint: string | null;
  bind(address: string): Promise<void>;
}
interface Library {
  Push: new () => PushLike;
  Pull: new () => PullLike;
}

export type CurveMessage =
  | ThroughputMessage
  | { type: "mark" }
  | { type: "handshakes"; count: number; elapsedMs: number; total: number; cpu: Cpu }
  | { type: "served"; count: number; total: number; cpu: Cpu };

const report = (message: CurveMessage) => reportAny(message);
const [role, impl, target, ...rest] = process.argv.slice(2);
guard("curve-peer", 120_000, "curve.js");

const handshakeErrors: readonly HandshakeError[] = ["handshake:error:protocol", "handshake:error:auth", "handshake:error:other"];
/** How long one handshake may take before the run fails. */
const handshakeTimeoutMs = 5_000;

function curveServer<S extends Curve>(sock: S, serverSecret: string): S {
  sock.curveServer = true;
  sock.curveSecretKey = serverSecret;
  return sock;
}

function curveClient<S extends Curve>(sock: S, serverPublic: string, clientPublic: string, clientSecret: string): S {
  sock.curveServerKey = serverPublic;
  sock.curvePublicKey = clientPublic;
  sock.curveSecretKey = clientSecret;
  return sock;
}

// ---- throughput ----------------------------------------------------------------

async function receiver(lib: Library, address: string, warmupMs: number, windowMs: number, serverSecret: string): Promise<void> {
  const pull = curveServer(new lib.Pull(), serverSecret);
  await bindReady(pull, address);
  // As throughput-peer.js: from 1 KiB up, the clock is read at every message.
  await countWindow(pull, 0, warmupMs, windowMs, 1024);
}

const sender = async (lib: Library, endpoint: string, size: number, maxMs: number, keys: readonly string[]) =>
  await sendFlatOut(curveClient(new lib.Push(), keys[0]!, keys[1]!, keys[2]!), endpoint, size, maxMs);

// ---- handshakes ----------------------------------------------------------------

async function server(lib: Library, address: string, serverSecret: string): Promise<void> {
  const pull = curveServer(new lib.Pull(), serverSecret);
  let total = 0;
  pull.events.on("handshake", () => total++);
  let run = startRun();
  let atMark = 0;
  onCommand((c) => {
    if (c === "mark") {
      run = startRun();
      atMark = total;
    } else if (c === "read") void report({ type: "served", count: total - atMark, total, cpu: run.cpu() });
    else if (c === "exit") closeAndExit(pull);
  });
  await bindReady(pull, address);
}

/** Connects a new CURVE client, waits for its handshake, closes it. */
async function handshakeOnce(lib: Library, endpoint: string, keys: readonly string[]): Promise<void> {
  const push = curveClient(new lib.Push(), keys[0]!, keys[1]!, keys[2]!);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no handshake within ${handshakeTimeoutMs} ms`)), handshakeTimeoutMs);
      push.events.on("handshake", () => {
        clearTimeout(timer);
        resolve();
      });
      for (const type of handshakeErrors) {
        push.events.on(type, (event) => {
          clearTimeout(timer);
          reject(new Error(`${type}: ${event.error?.message ?? "?"}`));
        });
      }
      push.connect(endpoint);
    });
  } finally {
    push.linger = 0;
    push.close();
  }
}

async function client(lib: Library, endpoint: string, warmupMs: number, windowMs: number, keys: readonly string[]): Promise<void> {
  exitOnCommand();
  const clock = new WindowClock(warmupMs, windowMs);
  let markCpu = process.cpuUsage();
  let count = 0;
  for (;;) {
    await handshakeOnce(lib, endpoint, keys);
    const now = performance.now();
    if (++count === 1) clock.first = now;
    const window = clock.read(count, now);
    if (window === "mark") {
      markCpu = process.cpuUsage();
      void report({ type: "mark" });
    } else if (window) {
      await report({ type: "handshakes", ...window, total: count, cpu: cpuSince(markCpu, clock.markTime, now) });
      return;
    }
  }
}

/**
 * zmq-ts on another CURVE backend: its sockets in a Context whose CURVE uses @zmq/curve/sodium ("libsodium"),
 * or node:crypto's X25519 with @noble/ciphers' boxes ("noble", the default without libsodium-wrappers).
 */
async function loadBackend(backend: string): Promise<Library> {
  const zmq = await import("@zmq/zeromq");
  let crypto: CurveCrypto;
  if (backend === "libsodium") crypto = await (await import("@zmq/curve/sodium")).sodiumCrypto();
  else {
    const { nobleCrypto } = await import("@zmq/curve");
    crypto = {
      ...zmq.nodeCurveCrypto,
      name: "node:crypto+noble",
      seal: nobleCrypto.seal.bind(nobleCrypto),
      open: nobleCrypto.open.bind(nobleCrypto),
    };
  }
  const context = new zmq.Context({ mechanisms: [zmq.curveMechanism({ crypto })] });
  return {
    Push: class extends zmq.Push {
      constructor() {
        super({ context });
      }
    },
    Pull: class extends zmq.Pull {
      constructor() {
        super({ context });
      }
    },
  };
}

const lib: Library = await (impl?.startsWith("zmq-ts@") ? loadBackend(impl.slice(7)) : load(impl)).catch(fail);
const n = (s: string | undefined) => Number(s);
if (role === "recv") {
  // After its result the parent may not wait for the drain.
  exitOnCommand();
  await receiver(lib, target!, n(rest[0]), n(rest[1]), rest[2]!).catch(fail);
  process.exit(0);
} else if (role === "send") await sender(lib, target!, n(rest[0]), n(rest[1]), rest.slice(2)).catch(fail);
else if (role === "server") await server(lib, target!, rest[0]!).catch(fail);
else if (role === "client") await client(lib, target!, n(rest[0]), n(rest[1]), rest.slice(2)).catch(fail);
else await fail(new Error(`unknown role ${role}`));
