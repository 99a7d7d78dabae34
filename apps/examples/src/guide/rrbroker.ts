// Request-reply broker, written out by hand: a ROUTER frontend for the
// clients and a DEALER backend for the workers, and two loops that move
// whole messages across.
//
// The ROUTER prefixes each request with the client's routing id; the
// DEALER passes that envelope on to a worker untouched and the REP there
// hands it back with the reply, so the ROUTER knows where the reply goes.
// msgqueue does the same with the library's proxy().
//
//   node dist/guide/rrbroker.js [--frontend=tcp://127.0.0.1:5559] [--backend=tcp://127.0.0.1:5560]
import { Dealer, Router, type Socket } from "@zmq/zeromq";
import { type CommonOptions, closeOnAbort, consoleLog, isMain, runCli } from "./support.js";

export interface BrokerOptions extends CommonOptions {
  /** Where clients connect. Default tcp://127.0.0.1:5559. */
  frontend?: string;
  /** Where workers connect. Default tcp://127.0.0.1:5560. */
  backend?: string;
  /** Called with both bound endpoints (wildcard ports resolved). */
  onReady?: (endpoints: { frontend: string; backend: string }) => void;
}

export interface BrokerResult {
  requests: number;
  replies: number;
}

/** Moves every message from `from` to `to` until either closes; resolves with the count. */
async function shuttle(from: Socket, to: Socket): Promise<number> {
  let moved = 0;
  try {
    for await (const message of from) {
      await to.send(message);
      moved++;
    }
  } catch (error) {
    // The other socket closed while we were sending to it: we are stopping.
    if (!to.closed) throw error;
  }
  return moved;
}

/** Brokers until aborted. */
export async function main(options: BrokerOptions = {}): Promise<BrokerResult> {
  const { log = consoleLog, signal } = options;
  const frontend = new Router();
  const backend = new Dealer();
  const detach = closeOnAbort(signal, frontend, backend);
  try {
    await frontend.bind(options.frontend ?? "tcp://127.0.0.1:5559");
    await backend.bind(options.backend ?? "tcp://127.0.0.1:5560");
    const endpoints = { frontend: frontend.lastEndpoint!, backend: backend.lastEndpoint! };
    log(`rrbroker: clients on ${endpoints.frontend}, workers on ${endpoints.backend}`);
    options.onReady?.(endpoints);
    const [requests, replies] = await Promise.all([shuttle(frontend, backend), shuttle(backend, frontend)]);
    log(`rrbroker: passed on ${requests} requests and ${replies} replies`);
    return { requests, replies };
  } finally {
    detach();
    frontend.close();
    backend.close();
  }
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) => main({ frontend: flags.string("frontend"), backend: flags.string("backend"), signal }));
}
