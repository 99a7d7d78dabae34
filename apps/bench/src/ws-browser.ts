// A page in headless Chromium receiving from a Node Publisher over ws://:
// messages per second at the page. The Publisher (this process, @zmq/zeromq)
// sends 64-byte messages flat out, yielding to the event loop every 256
// sends; it drops for the page when the page's queue is full, as a
// Publisher does, so the figure is what the page takes in. The page
// (a Subscriber on @zmq/transport-ws's browser entry, bundled with esbuild)
// counts a timed window by its own clock after a warm-up. Chromium is
// Debian's /usr/bin/chromium, driven with playwright-core (tooling/chromium).
//
//   pnpm --filter @zmq/bench exec node dist/ws-browser.js [--seconds 2] [--warmup 0.5] [--trials 3] [--quick]
//       [--size 64] [--batch 256]   (the Publisher yields to the event loop every --batch sends)
//
// Printed only: no zeromq.js column (zeromq.js does not run in a browser).
import { join } from "node:path";
import { bundleForBrowser, chromiumStatus, launchChromium, servePage } from "@zmq/chromium";
import { Context, Publisher, ws } from "@zmq/zeromq";
import { Flags, Machine, median, rate } from "./harness.js";

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

const status = chromiumStatus();
if (status.missing) {
  console.log(`no browser figures: ${status.missing}`);
  process.exit(0);
}

const script = await bundleForBrowser({ source: pageSource, resolveDir: benchDir, minify: true });
const machine = new Machine();
const { url, server } = await servePage(script);
const port = new URL(url).port;
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

const chromium = await launchChromium();
const rates: number[] = [];
console.log(
  `A Chromium page receiving ${size} B messages from a Node Publisher over ws://: ${trials} trial(s) of ${seconds} s after ${warmup} s warm-up`,
);
try {
  for (let t = 1; t <= trials; t++) {
    const page = await chromium.browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const sentBefore = sent;
    const started = performance.now();
    const endpoint = encodeURIComponent(`ws://127.0.0.1:${port}/feed`);
    await page.goto(`${url}?endpoint=${endpoint}&warmup=${warmup * 1000}&window=${seconds * 1000}`);
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
  await chromium.close();
  pub.close();
  server.closeAllConnections();
  server.close();
}
console.log(`\nChromium page ← Node Publisher over ws://, ${size} B: **${rate(median(rates))} msgs/s** (median of ${trials}); ${machine.summary()}`);
