// Task worker: the middle of the pipeline. A PULL socket takes tasks from
// taskvent, the worker "does" each (waits its workload), and a PUSH socket
// hands an empty result to tasksink. Start as many as you like: the
// ventilator spreads tasks over all of them and the batch finishes sooner.
//
//   node dist/guide/taskwork.js [--ventilator=tcp://127.0.0.1:5557] [--sink=tcp://127.0.0.1:5558] [--name=w1]
import { setTimeout as delay } from "node:timers/promises";
import { Pull, Push } from "@zmq/zeromq";
import { type CommonOptions, closeOnAbort, consoleLog, isMain, runCli } from "./support.js";

export interface TaskWorkOptions extends CommonOptions {
  /** Where taskvent deals tasks. Default tcp://127.0.0.1:5557. */
  ventilator?: string;
  /** Where tasksink collects results. Default tcp://127.0.0.1:5558. */
  sink?: string;
  /** Do this many tasks, then stop. Default: until aborted. */
  tasks?: number;
  /** Shown in the log. Default "worker". */
  name?: string;
}

/** Works until `tasks` or an abort; resolves with how many tasks it did. */
export async function main(options: TaskWorkOptions = {}): Promise<number> {
  const { ventilator = "tcp://127.0.0.1:5557", sink = "tcp://127.0.0.1:5558", tasks = Infinity, name = "worker", log = consoleLog, signal } = options;
  const receiver = new Pull();
  const sender = new Push();
  const detach = closeOnAbort(signal, receiver, sender);
  let done = 0;
  try {
    receiver.connect(ventilator);
    sender.connect(sink);
    log(`${name}: ready for tasks from ${ventilator}`);
    if (tasks <= 0) return 0;
    for await (const [task] of receiver) {
      const workload = Number(task!.toString());
      log(`${name}: task ${done + 1}, ${workload} ms`);
      const finished = await delay(workload, true, { signal }).catch(() => false);
      if (!finished) break;
      await sender.send("");
      if (++done >= tasks) break;
    }
    return done;
  } catch (error) {
    if (signal?.aborted) return done;
    throw error;
  } finally {
    detach();
    receiver.close();
    sender.close();
  }
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) =>
    main({
      ventilator: flags.string("ventilator"),
      sink: flags.string("sink"),
      tasks: flags.number("tasks"),
      name: flags.string("name"),
      signal,
    }),
  );
}
