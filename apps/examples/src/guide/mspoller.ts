// Reading from multiple sockets with a poller: one process takes tasks from
// the ventilator (PULL) and weather updates for one zip code (SUB) at once,
// handling whichever has input — the guide's mspoller, with Poller in the
// place of zmq_poll. (Poller is async-iterable too:
// `for await (const [socket, msg] of poller)` reads both in fair turn.)
//
//   node dist/guide/mspoller.js [--ventilator=tcp://127.0.0.1:5557] [--weather=tcp://127.0.0.1:5556]
import { Poller, Pull, Subscriber } from "@zmq/zeromq";
import { type CommonOptions, closeOnAbort, consoleLog, isMain, runCli } from "./support.js";

export interface MsPollerOptions extends CommonOptions {
  /** Where taskvent deals tasks. Default tcp://127.0.0.1:5557. */
  ventilator?: string;
  /** Where wuserver publishes. Default tcp://127.0.0.1:5556. */
  weather?: string;
  /** The zip code to follow. Default "10001". */
  zip?: string;
  /** Stop once this many tasks and this many updates are in. Default: until aborted. */
  tasks?: number;
  updates?: number;
}

/** Handles input from both sockets as it comes; resolves with how many of each it handled. */
export async function main(options: MsPollerOptions = {}): Promise<{ tasks: number; updates: number }> {
  const { ventilator = "tcp://127.0.0.1:5557", weather = "tcp://127.0.0.1:5556", zip = "10001", log = consoleLog, signal } = options;
  const { tasks = Infinity, updates = Infinity } = options;
  const receiver = new Pull();
  const subscriber = new Subscriber();
  const detach = closeOnAbort(signal, receiver, subscriber);
  const seen = { tasks: 0, updates: 0 };
  try {
    receiver.connect(ventilator);
    subscriber.connect(weather);
    subscriber.subscribe(`${zip} `);
    const poller = new Poller([receiver, subscriber]);
    while (seen.tasks < tasks || seen.updates < updates) {
      const ready = await poller.poll();
      for (const { socket } of ready) {
        if (socket === receiver) {
          const [task] = await receiver.receive();
          seen.tasks++;
          log(`task: ${task!.toString()} ms`);
        }
        if (socket === subscriber) {
          const [update] = await subscriber.receive();
          seen.updates++;
          log(`weather: ${update!.toString()}`);
        }
      }
    }
    return seen;
  } catch (error) {
    if (signal?.aborted) return seen;
    throw error;
  } finally {
    detach();
    receiver.close();
    subscriber.close();
  }
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) =>
    main({
      ventilator: flags.string("ventilator"),
      weather: flags.string("weather"),
      zip: flags.string("zip"),
      tasks: flags.number("tasks"),
      updates: flags.number("updates"),
      signal,
    }),
  );
}
