// Weather update client: a SUB socket subscribes to one zip code and
// averages the temperatures of the updates it receives.
//
// A subscription is a prefix of the first frame: "10001 " (the zip code
// and the space after it) matches that zip code's updates and no other.
// It travels to the publisher, which then sends only matching updates.
//
//   node dist/guide/wuclient.js [--endpoint=tcp://127.0.0.1:5556] [--zip=10001] [--updates=100]
import { Subscriber } from "@zmq/zeromq";
import { type CommonOptions, closeOnAbort, consoleLog, isMain, runCli } from "./support.js";

export interface WuClientOptions extends CommonOptions {
  /** Where the publisher (or a wuproxy) is. Default tcp://127.0.0.1:5556. */
  endpoint?: string;
  /** The zip code to follow. Default "10001". */
  zip?: string;
  /** How many updates to average over. Default 100. */
  updates?: number;
}

export interface WuClientResult {
  zip: string;
  updates: number;
  /** Mean temperature, NaN when no update came. */
  average: number;
}

/** Collects `updates` updates for `zip` and reports their mean temperature. */
export async function main(options: WuClientOptions = {}): Promise<WuClientResult> {
  const { endpoint = "tcp://127.0.0.1:5556", zip = "10001", updates = 100, log = consoleLog, signal } = options;
  const subscriber = new Subscriber();
  const detach = closeOnAbort(signal, subscriber);
  let total = 0;
  let received = 0;
  try {
    subscriber.connect(endpoint);
    subscriber.subscribe(`${zip} `);
    log(`wuclient: collecting ${updates} updates for zip code ${zip} from ${endpoint}`);
    if (updates > 0) {
      for await (const [frame] of subscriber) {
        const [, temperature] = frame!.toString().split(" ");
        total += Number(temperature);
        if (++received >= updates) break;
      }
    }
  } finally {
    detach();
    subscriber.close();
  }
  const average = received > 0 ? total / received : NaN;
  if (received < updates) log(`wuclient: stopped after ${received} of ${updates} updates`);
  log(`Average temperature for zip code ${zip} was ${received > 0 ? average.toFixed(1) : "unknown"}F over ${received} updates`);
  return { zip, updates: received, average };
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) => main({ endpoint: flags.string("endpoint"), zip: flags.string("zip"), updates: flags.number("updates"), signal }));
}
