// A browser bundle of Push over inproc: small, and holding nothing it does
// not use (no Router, no subscription trie, no node: import). The sizes are
// printed for the CI log.
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { expect, it } from "vitest";

const entry = `
import { Context } from "@zmq/kernel";
import { inproc } from "@zmq/transport-inproc";
import { Push } from "@zmq/pattern-pipeline";
const context = new Context({ transports: [inproc()] });
const push = new Push({ context });
push.connect("inproc://work");
await push.send("hello");
`;

it("a Push-over-inproc bundle is at most 15 kB min+gzip and holds only what it uses", async () => {
  const result = await build({
    stdin: { contents: entry, resolveDir: import.meta.dirname, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  const gzip = gzipSync(code).length;
  // Modules that put at least one byte into the bundle (tree-shaken ones put none).
  const output = Object.values(result.metafile.outputs)[0]!;
  const inputs = Object.entries(output.inputs)
    .filter(([, info]) => info.bytesInOutput > 0)
    .map(([path, info]) => `${path.replace(/^.*\/packages\//, "packages/")} (${info.bytesInOutput} B)`);
  console.log(`Push over inproc: ${code.length} bytes minified, ${gzip} bytes min+gzip, from ${inputs.length} modules:\n  ${inputs.join("\n  ")}`);
  expect(gzip).toBeLessThanOrEqual(15 * 1024);
  expect(code).not.toMatch(/["'`]node:/);
  for (const unused of [
    "router-table",
    "subscription-trie",
    "pattern-reqrep",
    "pattern-pubsub",
    "transport-tcp",
    "transport-ipc",
    "packages/engine/",
    "packages/plain/",
    "packages/curve/",
    "@noble",
    "wire/dist/connection",
    "wire/dist/frames",
    "zap",
    // The socket types and transports of issue 12 and 13: none of them rides along with a Push.
    "pattern-stream",
    "pattern-clientserver",
    "pattern-scattergather",
    "pattern-peer",
    "pattern-radiodish",
    "pattern-datagram",
    "transport-udp",
    "transport-ws",
    "raw-engine",
    // Issue 17: PGM multicast.
    "transport-epgm",
    "packages/pgm/",
  ]) {
    expect(
      inputs.some((i) => i.includes(unused)),
      unused,
    ).toBe(false);
  }
});
