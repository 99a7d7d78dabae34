// Weather update proxy: the "forwarder" device. An XSUB socket connects to
// the weather server, an XPUB socket binds for subscribers, and proxy()
// from @zmq/devices moves updates downstream and subscriptions upstream.
//
// Unlike a plain SUB/PUB pair, XSUB/XPUB pass subscriptions along, so the
// server still filters at the source: only updates that some subscriber
// downstream wants cross the first hop.
//
//   node dist/guide/wuproxy.js [--frontend=tcp://127.0.0.1:5556] [--backend=tcp://127.0.0.1:8100]
import { proxy } from "@zmq/devices";
import { XPublisher, XSubscriber } from "@zmq/zeromq";
import { type CommonOptions, closeOnAbort, consoleLog, isMain, runCli } from "./support.js";

export interface WuProxyOptions extends CommonOptions {
  /** The weather server to connect to. Default tcp://127.0.0.1:5556. */
  frontend?: string;
  /** Where subscribers connect. Default tcp://127.0.0.1:8100. */
  backend?: string;
  /** Called with the bound backend endpoint (wildcard port resolved). */
  onReady?: (backend: string) => void;
}

/** Forwards until aborted. */
export async function main(options: WuProxyOptions = {}): Promise<void> {
  const { frontend: upstream = "tcp://127.0.0.1:5556", backend: downstream = "tcp://127.0.0.1:8100", log = consoleLog, signal } = options;
  const frontend = new XSubscriber();
  const backend = new XPublisher({ linger: 0 });
  const detach = closeOnAbort(signal, frontend, backend);
  try {
    frontend.connect(upstream);
    await backend.bind(downstream);
    log(`wuproxy: forwarding ${upstream} to ${backend.lastEndpoint}`);
    options.onReady?.(backend.lastEndpoint!);
    await proxy(frontend, backend);
    log("wuproxy: stopped");
  } finally {
    detach();
    frontend.close();
    backend.close();
  }
}

if (isMain(import.meta.url)) {
  await runCli((flags, signal) => main({ frontend: flags.string("frontend"), backend: flags.string("backend"), signal }));
}
