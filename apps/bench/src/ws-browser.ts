// A page in headless Chromium receiving from a Node Publisher over ws://:
// messages per second at the page. The Publisher (this process, @zmq/zeromq)
// sends 64-byte messages flat out, yielding to the event loop every 256
// sends; it drops for the page when the page's queue is full, as a
// Publisher does, so the figure is what the page takes in. The page
// (a Subscriber on @zmq/transport-ws's browser entry, bundled with esbuild
// from apps/bundle-check) counts a timed window by its own clock after a
// warm-up. Chromium is Debian's /usr/bin/chromium, driven with playwright-core
// from apps/runtimes; neither is a dependency of this app.
//
//   pnpm --filter @zmq/bench exec node dist/ws-browser.js [--seconds 2] [--warmup 0.5] [--trials 3] [--quick]
//       [--size 64] [--batch 256]   (the Publisher yields to the event loop every --batch sends)
//
// Printed only: no zeromq.js column (zeromq.js does not run in a browser).
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Context, Publisher, ws } from "@zmq/zeromq";
import { Flags, Machine, median, rate } from "./harness.js";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

interface Page {
  goto(url: string): Promise<unknown>;
  on(event: "pageerror", fn: (error: Error) => void): void;
  waitForFunction(expression: string, arg?: unknown, options?: { timeout?: number }): Promise<unknown>;
  evaluate<T>(expression: string): Promise<T>;
  close(): Promise<void>;
}
interface BrowserContext {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
interface Playwright {
  chromium: {
    launchPersistentContext(userDataDir: string, options: { executablePath: string; args: string[]; headless: boolean }): Promise<BrowserContext>;
  };
}
interface Esbuild {
  build(options: object): Promise<{ outputFiles: { text: string }[] }>;
}

// The page: a Subscriber on the browser entry of @zmq/transport-ws.
const pageSource = `
import { Context } from "@zmq/kernel";
import { Subscriber } from "@zmq/pattern-pubsub";
import { ws } from "@zmq/transport-ws";
const q = new URLSearchParams(location.search);
const warmupMs = Number(q.get("warmup")), windowMs = Number(q.get("window"));
const sub = new Subscriber({ context: new Context({ transports: [ws()] }) });
sub.subscribe();
sub.connect(q.get("endpoint"));
let count = 0, first = 0, markCount = -1, markTime = 0;
for await (const msg of sub) {
  if (++count === 1) first = performance.now();
  if ((count & 63) !== 0) continue;
  const now = performance.now();
  if (markCount < 0) {
    if (now - first >= warmupMs) { markCount = count; markTime = now; }
  } else if (now - markTime >= windowMs) {
    globalThis.result = { count: count - markCount, elapsedMs: now - markTime };
    break;
  }
}
sub.close();
`;

const benchDir = join(import.meta.dirname, "..");
const flags = new Flags();
const { seconds, warmup, trials } = flags.timing();
const size = Math.round(flags.number("--size", 64));
const batch = Math.round(flags.number("--batch", 256));

if (!existsSync(CHROMIUM)) {
  console.log(`${CHROMIUM} is not installed: no browser figures (apt-get install chromium)`);
  process.exit(0);
}

const esbuild = createRequire(join(benchDir, "..", "bundle-check", "package.json"))("esbuild") as Esbuild;
const zeromqDir = dirname(realpathSync(createRequire(join(benchDir, "package.json")).resolve("@zmq/zeromq/package.json")));
const script = (
  await esbuild.build({
    stdin: { contents: pageSource, resolveDir: benchDir, loader: "js" },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    nodePaths: [join(zeromqDir, "node_modules")],
    logLevel: "silent",
  })
).outputFiles[0]!.text;

const machine = new Machine();
const server = createServer((req, res) => {
  if (req.url?.startsWith("/page.js")) res.writeHead(200, { "content-type": "text/javascript" }).end(script);
  else
    res
      .writeHead(200, { "content-type": "text/html" })
      .end(`<!doctype html><script type="module" src="/page.js${req.url?.slice(1) ?? ""}"></script>`);
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const port = (server.address() as { port: number }).port;
const pub = new Publisher({ context: new Context({ transports: [ws({ server })] }), linger: 0 });
await pub.bind(`ws://127.0.0.1:${port}/feed`);

let sending = true;
let sent = 0;
const sender = (async () => {
  const msg = Buffer.alloc(size, 0x61);
  while (sending) {
    for (let i = 0; i < batch; i++) await pub.send(msg);
    sent += batch;
    await new Promise((r) => setImmediate(r));
  }
})();

const { chromium } = createRequire(join(benchDir, "..", "runtimes", "package.json"))("playwright-core") as Playwright;
const profile = mkdtempSync(join(tmpdir(), "zmq-bench-chromium-"));
const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
const rates: number[] = [];
console.log(
  `A Chromium page receiving ${size} B messages from a Node Publisher over ws://: ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up`,
);
try {
  for (let t = 1; t <= trials; t++) {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const sentBefore = sent;
    const started = performance.now();
    const endpoint = encodeURIComponent(`ws://127.0.0.1:${port}/feed`);
    await page.goto(`http://127.0.0.1:${port}/?endpoint=${endpoint}&warmup=${warmup * 1000}&window=${seconds * 1000}`);
    await page
      .waitForFunction("globalThis.result !== undefined", undefined, { timeout: (warmup + seconds) * 1000 + 30_000 })
      .catch((error: unknown) => {
        throw new Error(`no result from the page (page errors: ${errors.join("; ") || "none"})`, { cause: error });
      });
    const r = await page.evaluate<{ count: number; elapsedMs: number }>("globalThis.result");
    const sentRate = (sent - sentBefore) / ((performance.now() - started) / 1000);
    rates.push(r.count / (r.elapsedMs / 1000));
    console.log(
      `  #${t}: ${rate(rates.at(-1)!)} msgs/s at the page (${r.count} in ${(r.elapsedMs / 1000).toFixed(2)} s); the Publisher sent ${rate(sentRate)} msgs/s`,
    );
    await page.close();
  }
} finally {
  sending = false;
  await sender;
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
  pub.close();
  server.closeAllConnections();
  server.close();
}
console.log(`\nChromium page ← Node Publisher over ws://, ${size} B: **${rate(median(rates))} msgs/s** (median of ${trials}); ${machine.summary()}`);
