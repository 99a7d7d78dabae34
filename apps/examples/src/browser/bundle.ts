// The page's script, bundled with esbuild when the service starts. The page
// imports @zmq/kernel, @zmq/pattern-pubsub, @zmq/pattern-reqrep and
// @zmq/transport-ws; esbuild's "browser" platform picks @zmq/transport-ws's
// browser entry (the runtime's WebSocket, no node:*).
import { join } from "node:path";
import { build } from "esbuild";

/** apps/examples, from src/browser or dist/browser. */
const appDir = join(import.meta.dirname, "..", "..");

/** Bundles src/browser/page.js for a browser; returns the JavaScript. */
export async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [join(appDir, "src", "browser", "page.js")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}
