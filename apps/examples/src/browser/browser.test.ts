// The browser example (server.ts + page.js) in headless Chromium: two pages
// served by the chat service subscribe over ws://, one sends lines with its
// Dealer, and both show what the Router and the Publisher sent back.
//
// Chromium is Debian's (/usr/bin/chromium), driven with playwright-core
// through the workspace's @zmq/chromium. Without it the test is skipped, and
// says so in its name.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserContext, chromiumStatus, launchChromium } from "@zmq/chromium";
import { type ChatService, startChatService } from "./server.js";

const status = chromiumStatus();
const listTexts = (id: string) => `[...document.querySelectorAll("#${id} li")].map((li) => li.textContent)`;

describe.skipIf(status.missing !== "")(
  `browser example: a page in Chromium talks to a Node service over ws://${status.missing ? ` (skipped: ${status.missing})` : ""}`,
  () => {
    let service: ChatService;
    let chromium: { browser: BrowserContext; close(): Promise<void> } | undefined;

    beforeAll(async () => {
      service = await startChatService({ tickMs: 100, log: () => {} });
      chromium = await launchChromium();
    }, 60_000);

    afterAll(async () => {
      await chromium?.close();
      await service?.close();
    });

    it("the service binds its sockets on the page's own port", () => {
      const port = new URL(service.url).port;
      expect(service.feed).toBe(`ws://127.0.0.1:${port}/feed`);
      expect(service.rpc).toBe(`ws://127.0.0.1:${port}/rpc`);
    });

    it("both pages receive the clock; lines one page sends are echoed to it by the Router and published to both", async () => {
      const errors: string[] = [];
      const [a, b] = [await chromium!.browser.newPage(), await chromium!.browser.newPage()];
      for (const page of [a, b]) {
        page.on("pageerror", (error) => errors.push(error.message));
        await page.goto(service.url);
      }
      // Two ticks on each page: its subscriptions have reached the Publisher, so no chat line can be missed.
      for (const page of [a, b]) {
        await page
          .waitForFunction(`Number(document.getElementById("ticks").textContent) >= 2`, undefined, { timeout: 30_000 })
          .catch(async (error: unknown) => {
            const status = await page.evaluate<string>(`document.getElementById("status").textContent`);
            throw new Error(`no clock ticks on the page (its sockets: ${status}; page errors: ${errors.join("; ") || "none"})`, { cause: error });
          });
      }
      const tick = await b.evaluate<string>(`document.getElementById("tick").textContent`);
      expect(Number.isNaN(Date.parse(tick))).toBe(false);

      const lines = ["hello from the page", "ünïcödé ✓", "third"];
      for (const line of lines) {
        await a.fill("#line", line);
        await a.press("#line", "Enter");
      }
      await a.waitForFunction(`${listTexts("replies")}.length >= 3`, undefined, { timeout: 30_000 });
      expect(await a.evaluate<string[]>(listTexts("replies"))).toEqual(lines.map((l) => `echo: ${l}`));
      for (const page of [a, b]) {
        await page.waitForFunction(`${listTexts("chat")}.length >= 3`, undefined, { timeout: 30_000 });
        expect(await page.evaluate<string[]>(listTexts("chat"))).toEqual(lines);
      }
      expect(await b.evaluate<string[]>(listTexts("replies"))).toEqual([]);
      expect(await a.evaluate<string>(`document.getElementById("status").textContent`)).toBe("feed handshake, rpc handshake");
      expect(errors).toEqual([]);
    }, 90_000);
  },
);
