// Load-balancing broker: clients and workers are REQ sockets, the broker
// is two ROUTERs, all in one process over inproc (or ipc).
//
// A worker announces itself with "READY" and from then on every message it
// sends is a reply that also says "I am free again". The broker keeps a
// queue of free workers and takes a client request only when a worker is
// free, handing it to the one that has waited longest: no worker gets a
// second job while another sits idle, whatever the jobs cost.
//
// Frames, as the broker sees them (REQ adds and strips the empty delimiter):
//   frontend in:  [client, "", request]
//   backend out:  [worker, "", client, "", request]
//   backend in:   [worker, "", "READY"]  or  [worker, "", client, "", reply]
//   frontend out: [client, "", reply]
//
//   node dist/guide/lbbroker.js [--transport=ipc|inproc] [--clients=10] [--workers=3] [--requests=1]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Context, Request, Router } from "@zmq/zeromq";
import { type CommonOptions, closeOnAbort, consoleLog, isMain, runCli } from "./support.js";

export interface LbBrokerOptions extends CommonOptions {
  /** How the broker, clients and workers talk. Default "ipc" (in a temporary directory). */
  transport?: "inproc" | "ipc";
  /** Client tasks. Default 10. */
  clients?: number;
  /** Worker tasks. Default 3. */
  workers?: number;
  /** Requests each client makes, one after the other. Default 1. */
  requestsPerClient?: number;
}

export interface LbBrokerResult {
  /** Replies routed back to clients. */
  replies: number;
  /** Requests each worker served, by its routing id. */
  served: Record<string, number>;
}

/** A queue of free workers' routing ids, and waiters for the next one. */
class WorkerQueue {
  private readonly free: Buffer[] = [];
  private readonly waiting: { resolve: (id: Buffer) => void; reject: (e: unknown) => void }[] = [];

  release(id: Buffer): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve(id);
    else this.free.push(id);
  }

  /** The longest-waiting free worker, as soon as there is one. */
  take(): Promise<Buffer> {
    const id = this.free.shift();
    if (id) return Promise.resolve(id);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  stop(): void {
    for (const w of this.waiting.splice(0)) w.reject(new Error("broker stopped"));
  }
}

/** Runs clients, workers and the broker until every client has its replies. */
export async function main(options: LbBrokerOptions = {}): Promise<LbBrokerResult> {
  const { transport = "ipc", clients = 10, workers = 3, requestsPerClient = 1, log = consoleLog, signal } = options;
  // A Context of our own: its inproc names cannot clash with anyone else's.
  const context = new Context();
  const dir = transport === "ipc" ? mkdtempSync(join(tmpdir(), "lbbroker-")) : undefined;
  const address = (name: string) => (dir ? `ipc://${join(dir, `${name}.ipc`)}` : `inproc://${name}`);

  const frontend = new Router({ context });
  const backend = new Router({ context });
  const sockets: { close(): void }[] = [frontend, backend];
  const freeWorkers = new WorkerQueue();
  const served: Record<string, number> = {};
  const total = clients * requestsPerClient;
  let replies = 0;
  let stopping = false;
  const stop = () => {
    stopping = true;
    freeWorkers.stop();
    for (const s of sockets) s.close();
  };
  const detach = closeOnAbort(signal, { close: stop });
  // Sockets made after stop() (an early abort) close at once, so none is left open.
  const track = <T extends { close(): void }>(socket: T): T => {
    sockets.push(socket);
    if (stopping) socket.close();
    return socket;
  };

  async function worker(id: string): Promise<void> {
    const socket = track(new Request({ context, routingId: id }));
    try {
      socket.connect(address("backend"));
      await socket.send("READY");
      for (;;) {
        const [client, , request] = await socket.receive();
        log(`${id}: ${request!.toString()} from ${client!.toString()}`);
        await socket.send([client!, "", "OK"]);
      }
    } catch (error) {
      if (!stopping) throw error;
    } finally {
      socket.close();
    }
  }

  async function client(id: string): Promise<void> {
    const socket = track(new Request({ context, routingId: id }));
    try {
      socket.connect(address("frontend"));
      for (let n = 0; n < requestsPerClient; n++) {
        await socket.send("HELLO");
        const [reply] = await socket.receive();
        log(`${id}: ${reply!.toString()}`);
      }
    } finally {
      socket.close();
    }
  }

  // Requests go out only while a worker is free: take the worker first, then the request.
  async function dispatch(): Promise<void> {
    for (;;) {
      const workerId = await freeWorkers.take();
      const [clientId, , request] = await frontend.receive();
      await backend.send([workerId, "", clientId!, "", request!]);
    }
  }

  // Every message from a worker frees it; all but READY carry a reply for a client.
  async function collect(): Promise<void> {
    for await (const [workerId, , first, , reply] of backend) {
      freeWorkers.release(workerId!);
      if (first!.toString() === "READY") continue;
      const name = workerId!.toString();
      served[name] = (served[name] ?? 0) + 1;
      await frontend.send([first!, "", reply!]);
      if (++replies >= total) return;
    }
  }

  try {
    await frontend.bind(address("frontend"));
    await backend.bind(address("backend"));
    log(`lbbroker: ${clients} clients, ${workers} workers over ${transport} (${address("frontend")}, ${address("backend")})`);
    const workerRuns = Array.from({ length: workers }, (_, i) => worker(`worker-${i}`));
    const dispatching = dispatch().catch((error: unknown) => {
      if (!stopping) throw error;
    });
    for (const run of [dispatching, ...workerRuns]) run.catch(() => {}); // awaited below
    const clientRuns = Array.from({ length: clients }, (_, i) => client(`client-${i}`));
    // Done when every client has all its replies (and the broker has routed them all).
    await Promise.all([total > 0 ? collect() : undefined, ...clientRuns]);
    stop();
    await Promise.all([dispatching, ...workerRuns]);
    log(
      `lbbroker: ${replies} replies; ${Object.entries(served)
        .map(([w, n]) => `${w} served ${n}`)
        .join(", ")}`,
    );
    return { replies, served };
  } catch (error) {
    if (signal?.aborted) return { replies, served };
    throw error;
  } finally {
    stop();
    detach();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) => {
    const transport = flags.string("transport") ?? "ipc";
    if (transport !== "ipc" && transport !== "inproc") throw new Error(`--transport is ipc or inproc, not ${transport}`);
    return main({
      transport,
      clients: flags.number("clients"),
      workers: flags.number("workers"),
      requestsPerClient: flags.number("requests"),
      signal,
    });
  });
}
