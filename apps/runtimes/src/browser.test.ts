/**
 * zmq-ts in headless Chromium: the page runs @zmq/kernel with inproc and
 * the browser entry of @zmq/transport-ws; inproc Push/Pull in the page (its
 * rate printed), the page as a Dealer and a Subscriber of a Node Router
 * and Publisher over ws, and as a Request to a Node Reply over wss with a
 * certificate made for the test. Skips, with the reason in its name, where
 * /usr/bin/chromium is not installed.
 */
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "@zmq/chromium";
import { Context, Publisher, Reply, Router, wss } from "@zmq/zeromq";
import { bundleForBrowser, chromiumStatus, launchChromium, servePage } from "@zmq/chromium";
import { appDir } from "./runtimes.js";
import { type TestCertificate, makeTestCertificate } from "./test-certificate.js";

const text = (frame: Uint8Array) => new TextDecoder().decode(frame);

/** What the page puts on `window.zmq` (apps/runtimes/src/browser/page.mjs). */
interface PageApi {
  inprocPushPull(count: number): Promise<{ received: number; bytes: number; ms: number; msgsPerSec: number }>;
  wsBind(): Promise<string>;
  request(endpoint: string, message: string): Promise<string[]>;
  wsSession(
    router: string,
    publisher: string,
  ): Promise<{ welcome: string; bye: string; count: number; first: string; last: string; msgsPerSec: number }>;
}
// page.evaluate runs the function's source in the page, so each one names `window.zmq` itself (the casts vanish when compiled).
type PageGlobal = { zmq: PageApi };
const status = chromiumStatus();
const title = status.missing ? `Chromium (skipped: ${status.missing})` : `Chromium (${status.version})`;

describe.skipIf(status.missing !== "")(title, () => {
  let script = "";
  let server: Server | undefined;
  let chromium: { browser: BrowserContext; close(): Promise<void> } | undefined;
  let page: Page;
  const consoleLines: string[] = [];
  // A certificate made for this run, which Chromium is told to trust (by its public key's hash) and nothing else.
  let certificate: TestCertificate | undefined;

  beforeAll(async () => {
    script = await bundleForBrowser({ entry: new URL("./browser/page.mjs", import.meta.url).pathname, resolveDir: appDir });
    const served = await servePage(script);
    server = served.server;
    certificate = makeTestCertificate();
    chromium = await launchChromium({ args: [`--ignore-certificate-errors-spki-list=${certificate.spki}`] });
    page = await chromium.browser.newPage();
    page.on("console", (message) => console.log(`${message.type()}: ${message.text()}`));
    page.on("pageerror", (error) => consoleLines.push(`pageerror: ${error.message}`));
    await page.goto(served.url);
    await page.waitForFunction(() => (globalThis as { zmqReady?: boolean }).zmqReady === true);
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    server?.close();
    certificate?.remove();
  });

  it("the page trusts a certificate made for the test and talks to a Node Reply over wss", async () => {
    const context = new Context();
    context.use(wss({ tls: { cert: certificate!.cert, key: certificate!.key } }));
    const rep = new Reply({ context, linger: 0 });
    try {
      await rep.bind("wss://127.0.0.1:*/secure");
      const answer = page.evaluate(([endpoint]) => (globalThis as unknown as PageGlobal).zmq.request(endpoint!, "over tls"), [rep.lastEndpoint!]);
      expect((await rep.receive()).map(text)).toEqual(["over tls"]);
      await rep.send("secured");
      expect(await answer).toEqual(["secured"]);
    } finally {
      rep.close();
    }
  });

  it("the page bundle has no node: import, no ws package and no server", () => {
    expect(script).not.toMatch(/["'`]node:/);
    expect(script).not.toContain("node_modules/ws/");
    expect(script).not.toContain("createServer");
    expect(script).toContain("ZWS2.0");
  });

  it("Push/Pull over inproc in the page (msgs/s printed)", async () => {
    const count = 200_000;
    const result = await page.evaluate((n) => (globalThis as unknown as PageGlobal).zmq.inprocPushPull(n), count);
    console.log(`Chromium inproc Push→Pull: ${count} messages of 16 B in ${Math.round(result.ms)} ms = ${result.msgsPerSec} msgs/s`);
    expect(result.received).toBe(count);
    expect(result.bytes).toBe(count * 16);
  });

  it("bind in the page rejects: a browser has no WebSocket server", async () => {
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobal).zmq.wsBind())).toBe("ZmqError EPROTONOSUPPORT");
  });

  it("the page talks to a Node Router and Publisher over ws (NULL; page msgs/s printed)", async () => {
    const router = new Router({ linger: 0 });
    const pub = new Publisher({ linger: 0, sendHighWaterMark: 0 });
    let ticker: ReturnType<typeof setInterval> | undefined;
    try {
      await router.bind("ws://127.0.0.1:*/router");
      await pub.bind("ws://127.0.0.1:*/pub");
      const session = page.evaluate(
        ([r, p]) => (globalThis as unknown as PageGlobal).zmq.wsSession(r!, p!),
        [router.lastEndpoint!, pub.lastEndpoint!],
      );
      session.catch(() => {});

      const [id, hello, who] = await router.receive();
      expect([text(hello!), text(who!)]).toEqual(["hello", "chromium"]);
      await router.send([id!, "welcome"]);
      // Ticks until the page says its subscription is in place (a subscriber that joins late misses what came before).
      ticker = setInterval(() => void pub.send(["tick", ""]), 20);
      const [, ready] = await router.receive();
      expect(text(ready!)).toBe("ready");
      clearInterval(ticker);
      const count = 20_000;
      for (let i = 0; i < count; i++) await pub.send(["msg", `${i}`]);
      await pub.send(["end", ""]);
      const got = (await router.receive()).slice(1).map((f) => text(f));
      expect(got).toEqual(["got", `${count}`, "0", `${count - 1}`]);
      await router.send([id!, "bye"]);
      const result = await session;
      console.log(`Chromium page receiving from a Node Publisher over ws: ${result.count} messages, ${result.msgsPerSec} msgs/s`);
      expect(result).toMatchObject({ welcome: "welcome", bye: "bye", count, first: "0", last: `${count - 1}` });
    } finally {
      clearInterval(ticker);
      router.close();
      pub.close();
      if (consoleLines.length) console.log(consoleLines.join("\n"));
    }
  });
});
