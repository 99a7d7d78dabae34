// Lazy Pirate client: reliable request-reply from the client side. A REQ
// socket sends a request and polls for the reply with a timeout; when none
// comes, it closes the socket (a REQ that got no reply cannot send again),
// opens a new one and resends, a few times, then gives up — the guide's
// lpclient, with Poller in the place of zmq_poll. Start hwserver (or any
// REP that echoes) first, or after: the client retries meanwhile.
//
//   node dist/guide/lpclient.js [--endpoint=tcp://127.0.0.1:5555] [--requests=10] [--timeout=2500] [--retries=3]
import { Poller, Request } from "@zmq/zeromq";
import { type CommonOptions, consoleLog, isMain, runCli } from "./support.js";

export interface LpClientOptions extends CommonOptions {
  /** Where the server is. Default tcp://127.0.0.1:5555. */
  endpoint?: string;
  /** Requests to make (each the next sequence number). Default 10. */
  requests?: number;
  /** Milliseconds to wait for each reply. Default 2500. */
  timeout?: number;
  /** Tries per request before giving up. Default 3. */
  retries?: number;
}

export interface LpClientResult {
  /** Sequence numbers the server answered, in order. */
  answered: number[];
  /** Requests sent again after a timeout. */
  resent: number;
  /** True if the client gave up on a request (the server seems to be offline). */
  abandoned: boolean;
}

/** Makes the requests, resending each up to `retries` times; resolves with what happened. */
export async function main(options: LpClientOptions = {}): Promise<LpClientResult> {
  const { endpoint = "tcp://127.0.0.1:5555", requests = 10, timeout = 2500, retries = 3, log = consoleLog, signal } = options;
  const result: LpClientResult = { answered: [], resent: 0, abandoned: false };
  const connect = () => {
    // linger 0: a request that was never answered is dropped with its socket.
    const client = new Request({ linger: 0 });
    client.connect(endpoint);
    return client;
  };
  let client = connect();
  const onAbort = () => client.close();
  signal?.addEventListener("abort", onAbort);
  try {
    log(`I: connecting to server at ${endpoint}`);
    for (let sequence = 1; sequence <= requests && !signal?.aborted; sequence++) {
      await client.send(String(sequence));
      let left = retries;
      for (;;) {
        const ready = await new Poller([client]).poll({ timeout, signal });
        if (ready.length > 0) {
          const [reply] = await client.receive();
          if (Number(reply!.toString()) === sequence) {
            log(`I: server replied OK (${reply!.toString()})`);
            result.answered.push(sequence);
            break;
          }
          log(`E: malformed reply from server: ${reply!.toString()}`);
          continue;
        }
        if (--left === 0) {
          log("E: server seems to be offline, abandoning");
          result.abandoned = true;
          return result;
        }
        log("W: no response from server, retrying...");
        client.close();
        log("I: reconnecting to server...");
        client = connect();
        result.resent++;
        await client.send(String(sequence));
      }
    }
    return result;
  } catch (error) {
    if (signal?.aborted) return result;
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    client.close();
  }
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) =>
    main({
      endpoint: flags.string("endpoint"),
      requests: flags.number("requests"),
      timeout: flags.number("timeout"),
      retries: flags.number("retries"),
      signal,
    }),
  );
}
