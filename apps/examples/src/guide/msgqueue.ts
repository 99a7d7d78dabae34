// Message queue: rrbroker in three lines. The classic "queue" device is a
// ROUTER frontend, a DEALER backend and proxy() from @zmq/devices moving
// messages both ways between them. Clients (rrclient, hwclient) and
// workers (rrworker) cannot tell it from rrbroker.
//
//   node dist/guide/msgqueue.js [--frontend=tcp://127.0.0.1:5559] [--backend=tcp://127.0.0.1:5560]
import { proxy } from "@zmq/devices";
import { Dealer, Router } from "@zmq/zeromq";
import type { BrokerOptions } from "./rrbroker.js";
import { closeOnAbort, consoleLog, isMain, runCli } from "./support.js";

/** Runs the queue until aborted. */
export async function main(options: BrokerOptions = {}): Promise<void> {
  const { log = consoleLog, signal } = options;
  const frontend = new Router();
  const backend = new Dealer();
  const detach = closeOnAbort(signal, frontend, backend);
  try {
    await frontend.bind(options.frontend ?? "tcp://127.0.0.1:5559");
    await backend.bind(options.backend ?? "tcp://127.0.0.1:5560");
    const endpoints = { frontend: frontend.lastEndpoint!, backend: backend.lastEndpoint! };
    log(`msgqueue: clients on ${endpoints.frontend}, workers on ${endpoints.backend}`);
    options.onReady?.(endpoints);
    // Runs until a socket closes (our abort) and then resolves.
    await proxy(frontend, backend);
    log("msgqueue: stopped");
  } finally {
    detach();
    frontend.close();
    backend.close();
  }
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) => main({ frontend: flags.string("frontend"), backend: flags.string("backend"), signal }));
}
