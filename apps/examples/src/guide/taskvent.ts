// Task ventilator: the head of a parallel pipeline. A PUSH socket deals
// tasks (each a number of milliseconds of pretend work) round-robin to
// every connected taskwork; a second PUSH tells tasksink that a batch
// begins, so the sink can time it.
//
// PUSH load-balances only over the workers connected when a task is sent:
// start them all before the batch, or the first one to connect gets the
// lot. The guide asks you to press Enter; --workers=N waits for N workers'
// connections instead.
//
//   node dist/guide/taskvent.js [--endpoint=tcp://127.0.0.1:5557] [--sink=tcp://127.0.0.1:5558]
//                               [--tasks=100] [--max-work=100] [--workers=N]
import { createInterface } from "node:readline/promises";
import { Push } from "@zmq/zeromq";
import { type CommonOptions, closeOnAbort, consoleLog, isMain, peersReady, randomInt, runCli } from "./support.js";

export interface TaskVentOptions extends CommonOptions {
  /** Where workers fetch tasks. Default tcp://127.0.0.1:5557. */
  endpoint?: string;
  /** Where tasksink listens. Default tcp://127.0.0.1:5558. */
  sink?: string;
  /** Tasks in the batch. Default 100. */
  tasks?: number;
  /** Each task's workload is drawn from [1, maxWorkMs] ms. Default 100. */
  maxWorkMs?: number;
  /** Before sending, wait until this many workers have connected. */
  workers?: number;
  /** Before sending, wait for this too (the CLI waits for Enter). */
  ready?: () => Promise<void>;
  /** Called with the bound endpoint (wildcard port resolved). */
  onReady?: (endpoint: string) => void;
}

export interface TaskVentResult {
  /** Tasks sent. */
  tasks: number;
  /** Sum of all workloads: what one worker alone would need, in ms. */
  totalMs: number;
}

/** Sends one batch of tasks. */
export async function main(options: TaskVentOptions = {}): Promise<TaskVentResult> {
  const {
    endpoint = "tcp://127.0.0.1:5557",
    sink: sinkEndpoint = "tcp://127.0.0.1:5558",
    tasks = 100,
    maxWorkMs = 100,
    workers = 0,
    log = consoleLog,
    signal,
  } = options;
  const sender = new Push();
  const sink = new Push();
  const detach = closeOnAbort(signal, sender, sink);
  let sent = 0;
  let totalMs = 0;
  try {
    const workersConnected = peersReady(sender, workers, signal);
    await sender.bind(endpoint);
    log(`taskvent: dealing tasks on ${sender.lastEndpoint}`);
    options.onReady?.(sender.lastEndpoint!);
    await workersConnected;
    await options.ready?.();

    // The batch-start message goes out first, once the sink is connected.
    const sinkConnected = peersReady(sink, 1, signal);
    sink.connect(sinkEndpoint);
    await sink.send("0");
    await sinkConnected;

    // With no worker connected, a PUSH send waits for one (as in libzmq).
    log(`taskvent: sending ${tasks} tasks`);
    for (; sent < tasks; sent++) {
      const workload = randomInt(1, maxWorkMs);
      await sender.send(String(workload));
      totalMs += workload;
    }
    log(`Total expected cost: ${totalMs} msec`);
    return { tasks: sent, totalMs };
  } catch (error) {
    if (!signal?.aborted) throw error;
    log(`taskvent: stopped after ${sent} of ${tasks} tasks`);
    return { tasks: sent, totalMs };
  } finally {
    detach();
    // Default linger: what is still queued is delivered after close().
    sender.close();
    sink.close();
  }
}

async function pressEnter(): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    await rl.question("Press Enter when the workers are ready: ");
  } finally {
    rl.close();
  }
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) => {
    const workers = flags.number("workers");
    return main({
      endpoint: flags.string("endpoint"),
      sink: flags.string("sink"),
      tasks: flags.number("tasks"),
      maxWorkMs: flags.number("max-work"),
      workers,
      ready: workers === undefined ? pressEnter : undefined,
      signal,
    });
  });
}
