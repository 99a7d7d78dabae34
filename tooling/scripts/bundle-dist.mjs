#!/usr/bin/env node
/**
 * Builds a package's JavaScript: one ES module per entry point of its
 * exports map (./dist/X.js from src/X.ts), with the code the entries share
 * in chunks, and every import of another package (@zmq/*, @noble/*, ws,
 * node:*) left as an import. tsc writes the declarations beside them
 * (tsconfig.build.json with emitDeclarationOnly).
 *
 * Why: Node resolves, reads and compiles each ES module on its own, at a
 * few hundred microseconds apiece; a package of forty small modules costs
 * more to import than its code costs to compile. One file per entry keeps
 * what a bundler tree-shakes (sideEffects: false, statement by statement)
 * and what a user imports (the same entry points), and loads in one read.
 *
 * `--inline=<prefix>` (repeatable) puts the packages whose names start with
 * the prefix inside the bundle instead of importing them, but for those
 * named by `--except=<name>`: @zmq/zeromq, the all-in-one package, inlines
 * @zmq/* except the kernel and the wire codec, so that
 * `import("@zmq/zeromq")` reads four modules rather than forty (Node 20
 * spends most of a cold import resolving and loading ES modules one by
 * one), while the one kernel every socket, pipe and transport must share
 * stays a package of its own (a user who adds @zmq/pattern-* or a transport
 * package beside @zmq/zeromq still has one kernel). Third-party packages
 * (@noble/*) stay imports, so installs share and update them.
 *
 * Run from a package's directory (`zmq-bundle-dist` in its build script).
 */
import { readFileSync, rmSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const flag = (name) => process.argv.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
const inline = flag("inline");
const except = flag("except");

/** Every bare import is left to the runtime, except the inlined packages'. */
const externals = {
  name: "externals",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      inline.some((prefix) => args.path.startsWith(prefix)) && !except.some((name) => args.path === name || args.path.startsWith(`${name}/`))
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

/** The source file of each JavaScript entry the exports map names. */
function entries() {
  const out = new Set();
  for (const target of Object.values(pkg.exports ?? {})) {
    const file = typeof target === "string" ? target : (target.import ?? target.default);
    if (typeof file !== "string" || !file.startsWith("./dist/") || !file.endsWith(".js")) continue;
    out.add(`src/${file.slice("./dist/".length, -".js".length)}.ts`);
  }
  for (const bin of Object.values(typeof pkg.bin === "string" ? { bin: pkg.bin } : (pkg.bin ?? {}))) {
    if (bin.startsWith("./dist/") || bin.startsWith("dist/")) out.add(bin.replace(/^(\.\/)?dist\//, "src/").replace(/\.js$/, ".ts"));
  }
  return [...out];
}

/** Removes JavaScript a previous build left (tsc's per-module output, old chunks); keeps declarations. */
function clean(dir) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) clean(path);
    else if (/\.js(\.map)?$/.test(name)) rmSync(path);
  }
}

clean("dist");
await build({
  entryPoints: entries(),
  outbase: "src",
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  plugins: [externals],
  // An inlined package's chunks import each other for order only; with sideEffects: false those imports are rightly dropped.
  logOverride: { "ignored-bare-import": "silent" },
  sourcemap: true,
  // `--keep-names`: functions and classes keep their names even where two modules of the bundle declare the same one
  // (@zmq/zeromq, whose Push wraps the pattern package's Push; @zmq/curve, whose curveKeyPair wraps its core's), as
  // users see them. Off elsewhere: the helper it calls at module level keeps a bundler from dropping unused classes.
  keepNames: process.argv.includes("--keep-names"),
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});
