/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium (never
 * a downloaded browser) driven by playwright-core with a fresh, empty
 * profile; the page script bundled by esbuild (from apps/bundle-check, the
 * workspace's copy) and served from a node:http server on 127.0.0.1.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { type Server, createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { appDir } from "./runtimes.js";

export const CHROMIUM = process.env.ZMQ_CHROMIUM ?? "/usr/bin/chromium";
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

/** Why Chromium cannot run here ("" when it can), and the version it reports. */
export const chromiumStatus: { missing: string; version: string } = (() => {
  if (!existsSync(CHROMIUM)) return { missing: `no ${CHROMIUM} (Debian package chromium, tooling/scripts/debian-packages.txt)`, version: "" };
  const result = spawnSync(CHROMIUM, ["--version"], { encoding: "utf8", timeout: 30_000 });
  if (result.status !== 0) return { missing: `${CHROMIUM} --version failed: ${result.error?.message ?? result.stderr.trim()}`, version: "" };
  return { missing: "", version: result.stdout.trim() };
})();

interface EsbuildResult {
  outputFiles: { text: string }[];
}
interface Esbuild {
  build(options: Record<string, unknown>): Promise<EsbuildResult>;
}

/** The page script, bundled for the browser ("browser" export condition, no node:*). */
export async function bundlePage(entry: string): Promise<string> {
  // esbuild is the workspace's, from apps/bundle-check; the pattern packages resolve through @zmq/zeromq's dependencies.
  const esbuild = createRequire(join(appDir, "../bundle-check/package.json"))("esbuild") as Esbuild;
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
    nodePaths: [join(appDir, "../../packages/zeromq/node_modules")],
  });
  return result.outputFiles[0]!.text;
}

/** Serves an empty page at / that loads `script` as /page.js, on 127.0.0.1; resolves with its URL. */
export async function servePage(script: string): Promise<{ url: string; server: Server }> {
  const html = `<!doctype html><meta charset="utf-8"><title>zmq-ts</title><script type="module" src="/page.js"></script>`;
  const server = createServer((request, response) => {
    if (request.url === "/page.js") response.writeHead(200, { "content-type": "text/javascript" }).end(script);
    else if (request.url === "/") response.writeHead(200, { "content-type": "text/html" }).end(html);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  return { url: `http://127.0.0.1:${address.port}/`, server };
}

/** Chromium with a new empty profile; close() also removes the profile. */
export async function launchChromium(): Promise<{ browser: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "zmq-ts-chromium-"));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: 60_000,
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
