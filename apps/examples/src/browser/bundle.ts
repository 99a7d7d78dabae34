// The page's script, bundled with esbuild when the service starts. esbuild is
// not a dependency of this app: it is taken from the workspace (this app's
// own, if it ever has one, else apps/bundle-check's). The page imports
// @zmq/kernel, @zmq/pattern-pubsub, @zmq/pattern-reqrep and @zmq/transport-ws;
// those that this app does not depend on directly are found among
// @zmq/zeromq's dependencies. esbuild's "browser" platform picks
// @zmq/transport-ws's browser entry (the runtime's WebSocket, no node:*).
import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** What this file uses of esbuild's API. */
interface Esbuild {
  build(options: {
    entryPoints: string[];
    bundle: true;
    format: "esm";
    platform: "browser";
    target: string;
    minify: boolean;
    write: false;
    nodePaths: string[];
    logLevel: "silent";
  }): Promise<{ outputFiles: { text: string }[] }>;
}

/** apps/examples, from src/browser or dist/browser. */
const appDir = join(import.meta.dirname, "..", "..");

/** esbuild from this app or, failing that, from apps/bundle-check. */
function loadEsbuild(): Esbuild {
  for (const from of [join(appDir, "package.json"), join(appDir, "..", "bundle-check", "package.json")]) {
    try {
      return createRequire(from)("esbuild") as Esbuild;
    } catch {
      // Not there: try the next.
    }
  }
  throw new Error("esbuild not found (looked in apps/examples and apps/bundle-check); run pnpm install");
}

/** Bundles src/browser/page.js for a browser; returns the JavaScript. */
export async function bundlePage(): Promise<string> {
  const esbuild = loadEsbuild();
  const zeromqDir = dirname(realpathSync(createRequire(join(appDir, "package.json")).resolve("@zmq/zeromq/package.json")));
  const result = await esbuild.build({
    entryPoints: [join(appDir, "src", "browser", "page.js")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    nodePaths: [join(zeromqDir, "node_modules")],
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}
