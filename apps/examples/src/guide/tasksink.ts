// Task sink: the end of the pipeline. A PULL socket fair-queues results
// from every taskwork; the batch-start message from taskvent starts the
// clock, and the batch is over when every task's result is in.
//
// The start message ("0") and the results (empty) arrive over different
// connections, so the sink does not rely on their order.
//
//   node dist/guide/tasksink.js [--endpoint=tcp://127.0.0.1:5558] [--tasks=100]
import { Pull } from "@zmq/zeromq";
import { type CommonOptions, closeOnAbort, consoleLog, isMain, runCli } from "./support.js";

export interface TaskSinkOptions extends CommonOptions {
  /** Where to bind. Default tcp://127.0.0.1:5558. */
  endpoint?: string;
  /** Results in one batch. Default 100. */
  tasks?: number;
  /** Called with the bound endpoint (wildcard port resolved). */
  onReady?: (endpoint: string) => void;
}

export interface TaskSinkResult {
  results: number;
  elapsedMs: number;
}

/** Collects one batch. */
export async function main(options: TaskSinkOptions = {}): Promise<TaskSinkResult> {
  const { endpoint = "tcp://127.0.0.1:5558", tasks = 100, log = consoleLog, signal } = options;
  const receiver = new Pull();
  const detach = closeOnAbort(signal, receiver);
  let results = 0;
  let started: number | undefined;
  try {
    await receiver.bind(endpoint);
    log(`tasksink: collecting results on ${receiver.lastEndpoint}`);
    options.onReady?.(receiver.lastEndpoint!);
    for await (const [frame] of receiver) {
      if (frame!.length > 0) {
        started ??= performance.now();
        log("tasksink: batch started");
      } else if (++results % 10 === 0 || results === tasks) {
        log(`tasksink: ${results} of ${tasks} results`);
      }
      if (started !== undefined && results >= tasks) break;
    }
  } finally {
    detach();
    receiver.close();
  }
  const elapsedMs = started === undefined ? 0 : Math.round(performance.now() - started);
  if (results < tasks) log(`tasksink: stopped after ${results} of ${tasks} results`);
  else log(`Total elapsed time: ${elapsedMs} msec`);
  return { results, elapsedMs };
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) => main({ endpoint: flags.string("endpoint"), tasks: flags.number("tasks"), signal }));
}
