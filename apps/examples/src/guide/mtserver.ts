// Multithreaded-style Hello World server: to hwclient it looks exactly like
// hwserver, but requests are served by a pool of REP workers.
//
// A ROUTER faces the clients over tcp, a DEALER faces the workers over
// inproc, and proxy() joins them. In C each worker would be a thread; in
// JavaScript each is an async task in this process, and inproc carries
// messages between sockets without any copying or system calls. While one
// worker "works" (waits), the others take the next requests.
//
//   node dist/guide/mtserver.js [--endpoint=tcp://127.0.0.1:5555] [--workers=5] [--work=1000]
import { setTimeout as delay } from "node:timers/promises";
import { proxy } from "@zmq/devices";
import { Context, Dealer, Reply, Router } from "@zmq/zeromq";
import { type CommonOptions, closeOnAbort, consoleLog, isMain, runCli } from "./support.js";

export interface MtServerOptions extends CommonOptions {
  /** Where clients connect. Default tcp://127.0.0.1:5555. */
  endpoint?: string;
  /** Worker tasks. Default 5. */
  workers?: number;
  /** Pretend each request takes this long, in ms. Default 1000. */
  workMs?: number;
  /** Called with the bound client endpoint (wildcard port resolved). */
  onReady?: (endpoint: string) => void;
}

/** Serves until aborted; resolves with the requests each worker answered. */
export async function main(options: MtServerOptions = {}): Promise<number[]> {
  const { endpoint = "tcp://127.0.0.1:5555", workers = 5, workMs = 1000, log = consoleLog, signal } = options;
  // Our own Context, so "inproc://workers" is ours alone.
  const context = new Context();
  const clients = new Router({ context });
  const workerQueue = new Dealer({ context });
  const sockets: { close(): void }[] = [clients, workerQueue];
  let stopping = false;
  const stop = () => {
    stopping = true;
    for (const s of sockets) s.close();
  };
  const detach = closeOnAbort(signal, { close: stop });
  const served = new Array<number>(workers).fill(0);

  async function worker(n: number): Promise<void> {
    const responder = new Reply({ context });
    sockets.push(responder);
    if (stopping) responder.close();
    try {
      responder.connect("inproc://workers");
      for await (const [request] of responder) {
        log(`worker-${n}: received request [${request?.toString()}]`);
        if (workMs > 0) await delay(workMs, undefined, { signal }).catch(() => {});
        if (responder.closed) break;
        await responder.send("World");
        served[n]!++;
      }
    } catch (error) {
      if (!responder.closed) throw error;
    } finally {
      responder.close();
    }
  }

  try {
    await clients.bind(endpoint);
    await workerQueue.bind("inproc://workers");
    const pool = Array.from({ length: workers }, (_, n) => worker(n));
    for (const run of pool) run.catch(() => {}); // awaited below, unless proxy() fails first
    log(`mtserver: ${workers} workers serving ${clients.lastEndpoint}`);
    options.onReady?.(clients.lastEndpoint!);
    // Until the abort closes the sockets.
    await proxy(clients, workerQueue);
    stop();
    await Promise.all(pool);
    log(`mtserver: stopped; requests served per worker: ${served.join(", ")}`);
    return served;
  } finally {
    detach();
    stop();
  }
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) =>
    main({ endpoint: flags.string("endpoint"), workers: flags.number("workers"), workMs: flags.number("work"), signal }),
  );
}
