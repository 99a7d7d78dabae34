// Hello World client: a REQ socket sends "Hello" and waits for "World",
// a number of times in a row. Start hwserver (or mtserver) first, or
// after: REQ queues the request until the server is there.
//
//   node dist/guide/hwclient.js [--endpoint=tcp://127.0.0.1:5555] [--requests=10]
import { Request } from "@zmq/zeromq";
import { type CommonOptions, closeOnAbort, consoleLog, isMain, runCli } from "./support.js";

export interface HwClientOptions extends CommonOptions {
  /** Where the server is. Default tcp://127.0.0.1:5555. */
  endpoint?: string;
  /** Round trips to make. Default 10. */
  requests?: number;
}

/** Makes the round trips; resolves with the replies received. */
export async function main(options: HwClientOptions = {}): Promise<string[]> {
  const { endpoint = "tcp://127.0.0.1:5555", requests = 10, log = consoleLog, signal } = options;
  const requester = new Request();
  const detach = closeOnAbort(signal, requester);
  const replies: string[] = [];
  try {
    requester.connect(endpoint);
    log(`hwclient: connecting to ${endpoint}`);
    for (let n = 0; n < requests; n++) {
      log(`Sending Hello ${n}`);
      await requester.send("Hello");
      const [reply] = await requester.receive();
      replies.push(reply!.toString());
      log(`Received ${reply!.toString()} ${n}`);
    }
    return replies;
  } catch (error) {
    if (signal?.aborted) return replies;
    throw error;
  } finally {
    detach();
    requester.close();
  }
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) => main({ endpoint: flags.string("endpoint"), requests: flags.number("requests"), signal }));
}
