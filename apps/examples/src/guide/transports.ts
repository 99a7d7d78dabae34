// One pattern, three transports: the same PUSH -> PULL exchange over tcp,
// ipc and inproc. Only the endpoint string changes.
//
//   tcp://127.0.0.1:*     TCP; "*" asks the OS for a free port, lastEndpoint says which
//   ipc:///tmp/x.ipc      a Unix domain socket (on Linux also ipc://@name, abstract)
//   inproc://name         in-process: sockets of one Context, joined by a queue
//
//   node dist/guide/transports.js [tcp] [ipc] [inproc] [--messages=3]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Context, Pull, Push } from "@zmq/zeromq";
import { type CommonOptions, closeOnAbort, consoleLog, isMain, runCli } from "./support.js";

export type TransportName = "tcp" | "ipc" | "inproc";
export const transportNames: readonly TransportName[] = ["tcp", "ipc", "inproc"];

export interface TransportsOptions extends CommonOptions {
  /** Which transports to show. Default all three. */
  transports?: readonly TransportName[];
  /** Messages to send over each. Default 3. */
  messages?: number;
}

/** Sends `messages` messages over one transport; resolves with what arrived. */
export async function overTransport(transport: TransportName, messages: number, options: CommonOptions = {}): Promise<string[]> {
  const { log = consoleLog, signal } = options;
  // A Context per run keeps inproc names private to it.
  const context = new Context();
  const dir = transport === "ipc" ? mkdtempSync(join(tmpdir(), "transports-")) : undefined;
  const endpoint = { tcp: "tcp://127.0.0.1:*", ipc: `ipc://${join(dir ?? "", "pipeline.ipc")}`, inproc: "inproc://pipeline" }[transport];
  const pull = new Pull({ context });
  const push = new Push({ context });
  const detach = closeOnAbort(signal, pull, push);
  const received: string[] = [];
  try {
    await pull.bind(endpoint);
    const bound = pull.lastEndpoint!;
    push.connect(bound);
    const started = performance.now();
    for (let n = 1; n <= messages; n++) await push.send(`${transport} message ${n}`);
    while (received.length < messages) {
      const [frame] = await pull.receive();
      received.push(frame!.toString());
    }
    const ms = (performance.now() - started).toFixed(1);
    log(`${transport}: ${bound} carried ${received.length} messages in ${ms} ms: ${received.join(" | ")}`);
    return received;
  } catch (error) {
    if (signal?.aborted) return received;
    throw error;
  } finally {
    detach();
    push.close();
    pull.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the exchange over each transport in turn. */
export async function main(options: TransportsOptions = {}): Promise<Record<string, string[]>> {
  const { transports = transportNames, messages = 3 } = options;
  const results: Record<string, string[]> = {};
  for (const t of transports) {
    if (options.signal?.aborted) break;
    results[t] = await overTransport(t, messages, options);
  }
  return results;
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) => {
    const picked = flags.positional;
    for (const t of picked)
      if (!transportNames.includes(t as TransportName)) throw new Error(`unknown transport ${t}; pick from ${transportNames.join(", ")}`);
    return main({
      transports: picked.length > 0 ? (picked as TransportName[]) : undefined,
      messages: flags.number("messages"),
      signal,
    });
  });
}
