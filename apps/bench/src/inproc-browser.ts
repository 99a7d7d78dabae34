// inproc Push -> Pull in a headless Chromium page: the loop of
// inproc-push-pull.ts (a sender awaiting every send(), a receiver using
// for await, both in the page) on the browser builds of the kernel,
// @zmq/pattern-pipeline and @zmq/transport-inproc, bundled with esbuild.
// Chromium is Debian's /usr/bin/chromium, driven with playwright-core
// (tooling/chromium). inproc-push-pull.ts shows it as a row of its table.
import { join } from "node:path";
import { bundleForBrowser, chromiumStatus, launchChromium, servePage } from "@zmq/chromium";

const pageSource = `
import { Context } from "@zmq/kernel";
import { Pull, Push } from "@zmq/pattern-pipeline";
import { inproc } from "@zmq/transport-inproc";
const q = new URLSearchParams(location.search);
const size = Number(q.get("size")), ms = Number(q.get("ms")), trials = Number(q.get("trials"));
const context = new Context({ transports: [inproc()] });
const rates = [];
for (let t = 0; t < trials; t++) {
  const pull = new Pull({ context });
  await pull.bind("inproc://bench-" + t);
  const push = new Push({ context });
  push.connect("inproc://bench-" + t);
  const msg = new Uint8Array(size), stop = new Uint8Array(0);
  let received = 0;
  const receiving = (async () => {
    for await (const m of pull) {
      if (m[0].length === 0) break;
      received++;
    }
  })();
  const start = performance.now(), end = start + ms;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) await push.send(msg);
  await push.send(stop);
  await receiving;
  rates.push(received / ((performance.now() - start) / 1000));
  push.close();
  pull.close();
}
globalThis.result = rates;
`;

/** msgs/s of each trial in a Chromium page (and Chromium's version), or why there are none. */
export async function chromiumInproc(size: number, seconds: number, trials: number): Promise<{ rates: number[]; version: string } | string> {
  const status = chromiumStatus();
  if (status.missing) return status.missing;
  const script = await bundleForBrowser({ source: pageSource, resolveDir: join(import.meta.dirname, ".."), minify: true });
  const { url, server } = await servePage(script);
  const chromium = await launchChromium();
  try {
    const page = await chromium.browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${url}?size=${size}&ms=${seconds * 1000}&trials=${trials}`);
    await page
      .waitForFunction("globalThis.result !== undefined", undefined, { timeout: trials * seconds * 1000 + 30_000 })
      .catch((error: unknown) => {
        throw new Error(`no result from the page (page errors: ${errors.join("; ") || "none"})`, { cause: error });
      });
    return { rates: await page.evaluate<number[]>("globalThis.result"), version: status.version };
  } finally {
    await chromium.close();
    server.closeAllConnections();
    server.close();
  }
}
