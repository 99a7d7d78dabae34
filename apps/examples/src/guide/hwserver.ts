// Hello World server: a REP socket answers every "Hello" with "World".
//
// REP takes one request, then must send exactly one reply before it may
// read the next; the envelope that routes the reply back to the right
// client is kept for us. Pair it with hwclient.
//
//   node dist/guide/hwserver.js [--endpoint=tcp://127.0.0.1:5555] [--work=1000] [--requests=N]
import { setTimeout as delay } from "node:timers/promises";
import { Reply } from "@zmq/zeromq";
import { type CommonOptions, closeOnAbort, consoleLog, isMain, runCli } from "./support.js";

export interface HwServerOptions extends CommonOptions {
  /** Where to bind. Default tcp://127.0.0.1:5555. */
  endpoint?: string;
  /** Answer this many requests, then stop. Default: until aborted. */
  requests?: number;
  /** Pretend each request takes this long to serve, in ms. Default 1000. */
  workMs?: number;
  /** Called with the bound endpoint (wildcard port resolved). */
  onReady?: (endpoint: string) => void;
}

/** Serves requests; resolves with how many it answered. */
export async function main(options: HwServerOptions = {}): Promise<number> {
  const { endpoint = "tcp://127.0.0.1:5555", requests = Infinity, workMs = 1000, log = consoleLog, signal } = options;
  const responder = new Reply();
  const detach = closeOnAbort(signal, responder);
  let answered = 0;
  try {
    await responder.bind(endpoint);
    log(`hwserver: listening on ${responder.lastEndpoint}`);
    options.onReady?.(responder.lastEndpoint!);
    if (requests <= 0) return 0;
    for await (const [request] of responder) {
      log(`Received request: ${request?.toString()}`);
      // The "work": a real server would compute something here.
      if (workMs > 0) await delay(workMs, undefined, { signal }).catch(() => {});
      if (signal?.aborted) break;
      await responder.send("World");
      if (++answered >= requests) break;
    }
    return answered;
  } finally {
    detach();
    responder.close();
  }
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) =>
    main({
      endpoint: flags.string("endpoint"),
      requests: flags.number("requests"),
      workMs: flags.number("work"),
      signal,
    }),
  );
}
