// Request-reply client for a broker: the same REQ socket as hwclient, but
// it talks to rrbroker's (or msgqueue's) frontend and never learns which
// worker answered.
//
//   node dist/guide/rrclient.js [--endpoint=tcp://127.0.0.1:5559] [--requests=10] [--name=client]
import { Request } from "@zmq/zeromq";
import { type CommonOptions, closeOnAbort, consoleLog, isMain, runCli } from "./support.js";

export interface RrClientOptions extends CommonOptions {
  /** The broker's frontend. Default tcp://127.0.0.1:5559. */
  endpoint?: string;
  /** Round trips to make. Default 10. */
  requests?: number;
  /** Shown in the log. Default "client". */
  name?: string;
}

/** Makes the round trips; resolves with the replies received. */
export async function main(options: RrClientOptions = {}): Promise<string[]> {
  const { endpoint = "tcp://127.0.0.1:5559", requests = 10, name = "client", log = consoleLog, signal } = options;
  const requester = new Request();
  const detach = closeOnAbort(signal, requester);
  const replies: string[] = [];
  try {
    requester.connect(endpoint);
    for (let n = 1; n <= requests; n++) {
      await requester.send("Hello");
      const [reply] = await requester.receive();
      replies.push(reply!.toString());
      log(`${name}: received reply ${n} [${reply!.toString()}]`);
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
  await runCli((flags, signal) =>
    main({ endpoint: flags.string("endpoint"), requests: flags.number("requests"), name: flags.string("name"), signal }),
  );
}
