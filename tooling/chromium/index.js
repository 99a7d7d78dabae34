// Headless Chromium for the workspace's browser tests and benchmarks
// (apps/runtimes, apps/examples, apps/bench). Always Debian's
// /usr/bin/chromium (or $ZMQ_CHROMIUM), never a downloaded browser, with a
// fresh empty profile; page scripts bundled by esbuild for the "browser"
// export condition and served from 127.0.0.1.
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { build } from "esbuild";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.ZMQ_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let status;

/** Why Chromium cannot run here ("" when it can), and the version it reports; asked once. */
export function chromiumStatus() {
  if (status) return status;
  if (!existsSync(CHROMIUM)) {
    status = { missing: `no ${CHROMIUM} (Debian package chromium, tooling/scripts/debian-packages.txt)`, version: "" };
  } else {
    const result = spawnSync(CHROMIUM, ["--version"], { encoding: "utf8", timeout: 30_000 });
    status =
      result.status === 0
        ? { missing: "", version: result.stdout.trim() }
        : { missing: `${CHROMIUM} --version failed: ${result.error?.message ?? result.stderr.trim()}`, version: "" };
  }
  return status;
}

/**
 * Chromium with a new empty profile; close() also removes the profile.
 * `args` are added to CHROMIUM_ARGS (for example
 * `--ignore-certificate-errors-spki-list=<sha256>` to trust a test certificate).
 */
export async function launchChromium({ args = [] } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "zmq-ts-chromium-"));
  try {
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, ...args],
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
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Bundles a page script (a file, or source text resolved from `resolveDir`)
 * for a browser: ESM, the "browser" export condition, no node:*. Workspace
 * packages the caller does not depend on directly are found among
 * @zmq/zeromq's dependencies, as resolved from `resolveDir`.
 */
export async function bundleForBrowser({ entry, source, resolveDir, minify = false }) {
  const zeromqDir = dirname(realpathSync(createRequire(join(resolveDir, "package.json")).resolve("@zmq/zeromq/package.json")));
  const result = await build({
    ...(entry !== undefined ? { entryPoints: [entry] } : { stdin: { contents: source, resolveDir, loader: "js" } }),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify,
    write: false,
    nodePaths: [join(zeromqDir, "node_modules")],
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

/**
 * Serves an empty page at / (any query) that loads `script` as /page.js, on
 * 127.0.0.1 port 0 unless `server` is given; resolves with the page's URL.
 * Other paths get 404, so a WebSocket server may share the port.
 */
export async function servePage(script) {
  const html = `<!doctype html><meta charset="utf-8"><title>zmq-ts</title><script type="module" src="/page.js"></script>`;
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path === "/page.js") response.writeHead(200, { "content-type": "text/javascript" }).end(script);
    else if (path === "/") response.writeHead(200, { "content-type": "text/html" }).end(html);
    else response.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, server };
}
