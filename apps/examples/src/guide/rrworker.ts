// Request-reply worker for a broker: a REP socket that connects (rather
// than binds) to rrbroker's (or msgqueue's) backend. Start any number:
// the broker's DEALER spreads requests over them.
//
//   node dist/guide/rrworker.js [--endpoint=tcp://127.0.0.1:5560] [--work=1000] [--name=worker]
import { setTimeout as delay } from "node:timers/promises";
import { Reply } from "@zmq/zeromq";
import { type CommonOptions, closeOnAbort, consoleLog, isMain, runCli } from "./support.js";

export interface RrWorkerOptions extends CommonOptions {
  /** The broker's backend. Default tcp://127.0.0.1:5560. */
  endpoint?: string;
  /** Pretend each request takes this long, in ms. Default 1000. */
  workMs?: number;
  /** Shown in the log. Default "worker". */
  name?: string;
}

/** Answers requests until aborted; resolves with how many it answered. */
export async function main(options: RrWorkerOptions = {}): Promise<number> {
  const { endpoint = "tcp://127.0.0.1:5560", workMs = 1000, name = "worker", log = consoleLog, signal } = options;
  const responder = new Reply();
  const detach = closeOnAbort(signal, responder);
  let answered = 0;
  try {
    responder.connect(endpoint);
    log(`${name}: ready on ${endpoint}`);
    for await (const [request] of responder) {
      log(`${name}: received request [${request?.toString()}]`);
      if (workMs > 0) await delay(workMs, undefined, { signal }).catch(() => {});
      if (signal?.aborted) break;
      await responder.send("World");
      answered++;
    }
    return answered;
  } catch (error) {
    if (signal?.aborted) return answered;
    throw error;
  } finally {
    detach();
    responder.close();
  }
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) => main({ endpoint: flags.string("endpoint"), workMs: flags.number("work"), name: flags.string("name"), signal }));
}
