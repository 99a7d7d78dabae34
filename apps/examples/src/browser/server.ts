// ZeroMQ in the browser: one Node process serves a web page and its ZeroMQ
// sockets on one port. The page (page.js, bundled with esbuild at startup)
// connects a Subscriber and a Dealer over ws:// with @zmq/transport-ws's
// browser entry; here a Publisher sends a clock tick and every chat line,
// and a Router answers each line the page sends with "echo: <line>".
//
//   node dist/browser/server.js [--port=8080] [--host=127.0.0.1] [--tick=1000]
//   then open http://127.0.0.1:8080/ in a browser (two tabs chat with each other)
//
// Browsers connect NULL sockets only (RFC 45's "ZWS2.0/PLAIN" is not an HTTP
// token, so a page cannot offer it): put authentication in your own http
// server, which `ws({ server })` lets you do.
import { type Server, createServer } from "node:http";
import { Context, Publisher, Router, ws } from "@zmq/zeromq";
import { bundlePage } from "./bundle.js";
import { type Log, consoleLog, isMain, runCli } from "../guide/support.js";

export interface ChatServiceOptions {
  /** Where to listen. Default 127.0.0.1, port 0 (any free port). */
  host?: string;
  port?: number;
  /** Publish a "tick" every this many ms (0: never). Default 1000. */
  tickMs?: number;
  log?: Log;
}

export interface ChatService {
  /** The page's address, e.g. http://127.0.0.1:8080/. */
  readonly url: string;
  /** The ZeroMQ endpoints, as bound (ws://127.0.0.1:8080/feed and …/rpc). */
  readonly feed: string;
  readonly rpc: string;
  close(): Promise<void>;
}

const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>zmq-ts in the browser</title></head>
<body>
<h1>zmq-ts in the browser</h1>
<p id="status">connecting…</p>
<form id="say"><input id="line" autocomplete="off" placeholder="say something"> <button>send</button></form>
<h2>Replies (Dealer ← Router)</h2><ul id="replies"></ul>
<h2>Chat (Subscriber ← Publisher)</h2><ul id="chat"></ul>
<p>Clock: <span id="tick">–</span> (<span id="ticks">0</span> ticks)</p>
<script type="module" src="/page.js"></script>
</body>
</html>
`;

/** Starts the service: the page, a Publisher on /feed and a Router on /rpc, all on one port. */
export async function startChatService(options: ChatServiceOptions = {}): Promise<ChatService> {
  const { host = "127.0.0.1", port = 0, tickMs = 1000, log = consoleLog } = options;
  const script = await bundlePage();
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET") res.writeHead(405).end();
    else if (req.url === "/") res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
    else if (req.url === "/page.js") res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(script);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;

  // The sockets' WebSocket upgrades are served by our http server, on its port.
  const context = new Context({ transports: [ws({ server })] });
  const pub = new Publisher({ context, linger: 0 });
  const router = new Router({ context, linger: 0 });
  await pub.bind(`ws://${host}:${bound}/feed`);
  await router.bind(`ws://${host}:${bound}/rpc`);

  const serving = (async () => {
    for await (const [id, ...frames] of router) {
      const line = Buffer.concat(frames).toString();
      log(`chat-service: "${line}"`);
      await router.send([id!, `echo: ${line}`]);
      await pub.send(["chat", line]);
    }
  })().catch((error: unknown) => log(`chat-service: ${error instanceof Error ? error.message : String(error)}`));
  const ticker = tickMs > 0 ? setInterval(() => void pub.send(["tick", new Date().toISOString()]).catch(() => {}), tickMs) : undefined;

  const url = `http://${host}:${bound}/`;
  log(`chat-service: open ${url} (sockets on ${pub.lastEndpoint} and ${router.lastEndpoint})`);
  return {
    url,
    feed: pub.lastEndpoint!,
    rpc: router.lastEndpoint!,
    async close() {
      clearInterval(ticker);
      router.close();
      pub.close();
      await serving;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

if (isMain(import.meta.url)) {
  await runCli(async (flags, signal) => {
    const service = await startChatService({ host: flags.string("host"), port: flags.number("port") ?? 8080, tickMs: flags.number("tick") });
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    await service.close();
  });
}
