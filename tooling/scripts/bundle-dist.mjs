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
 * the prefix inside the bundle, from their TypeScript sources, instead of
 * importing them, but for those named by `--except=<name>`: @zmq/zeromq,
 * the all-in-one package, inlines @zmq/* except the kernel, the wire codec
 * and the engine, so that `import("@zmq/zeromq")` reads four modules rather
 * than forty, while the one kernel every socket, pipe and transport must
 * share stays a package of its own (a user who adds @zmq/pattern-* or a
 * transport package beside @zmq/zeromq still has one kernel). A package
 * imported with import() is never inlined: it loads as itself on first use.
 * Third-party packages (@noble/*) stay imports, so installs share and update
 * them.
 *
 * `--single`: no chunks; see buildSingle() below.
 *
 * Run from a package's directory (`zmq-bundle-dist` in its build script).
 */
import { existsSync, readFileSync, rmSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { build } from "esbuild";

const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const flag = (name) => process.argv.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
const inline = flag("inline");
const except = flag("except");

/**
 * The source module of an inlined package's entry (`@zmq/transport-ws` ->
 * its src/index.ts), from that package's exports map. Inlining sources
 * rather than the package's bundled dist keeps one module per source file
 * inside the bundle, so that code splitting can leave a lazily imported part
 * (`import("@zmq/transport-ws")`) out of the chunks loaded at import.
 */
function sourceOf(specifier, importer) {
  const [scope, name, ...rest] = specifier.split("/");
  const subpath = rest.length ? `./${rest.join("/")}` : ".";
  const require = createRequire(importer || join(process.cwd(), "package.json"));
  const dir = dirname(require.resolve(`${scope}/${name}/package.json`));
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const target = (manifest.exports ?? {})[subpath];
  const file = typeof target === "string" ? target : (target?.import ?? target?.default);
  if (typeof file !== "string" || !file.startsWith("./dist/")) return undefined;
  const source = join(dir, "src", file.slice("./dist/".length).replace(/\.js$/, ".ts"));
  // A path given by a plugin does not get its package's "sideEffects" from esbuild: pass it on, or nothing is tree-shaken.
  return existsSync(source) ? { path: source, sideEffects: manifest.sideEffects !== false } : undefined;
}

/** Every bare import is left to the runtime, except the inlined packages', which are bundled from their sources. */
const externals = {
  name: "externals",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      // A package imported with import() loads when first needed: it stays a package of its own.
      if (args.kind === "dynamic-import") return { path: args.path, external: true };
      const inlined =
        inline.some((prefix) => args.path.startsWith(prefix)) && !except.some((name) => args.path === name || args.path.startsWith(`${name}/`));
      if (!inlined) return { path: args.path, external: true };
      return sourceOf(args.path, args.importer);
    });
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

const options = {
  outbase: "src",
  outdir: "dist",
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  // An inlined package's chunks import each other for order only; with sideEffects: false those imports are rightly dropped.
  logOverride: { "ignored-bare-import": "silent" },
  sourcemap: true,
  // `--keep-names`: functions and classes keep their names even where two modules of the bundle declare the same one
  // (@zmq/zeromq, whose Push wraps the pattern package's Push; @zmq/curve, whose curveKeyPair wraps its core's), as
  // users see them. Off elsewhere: the helper it calls at module level keeps a bundler from dropping unused classes.
  keepNames: process.argv.includes("--keep-names"),
  logLevel: "warning",
};

if (!process.argv.includes("--single")) {
  await build({ ...options, entryPoints: entries(), splitting: true, chunkNames: "chunks/[name]-[hash]", plugins: [externals] });
} else {
  await buildSingle();
}

/**
 * `--single`: the main entry (src/index.ts) is one module with no chunks,
 * and every other entry imports what it shares with the main entry from
 * the main entry itself ("./index.js"), so each piece of code exists once.
 * A chunk is one more module for Node to resolve, read and link at import,
 * and each of them resolves the packages it imports again (about half a
 * millisecond apiece in Node 20); the main entry is what `import` loads.
 * The rule this needs of the sources, and checks: another entry imports a
 * module the main entry holds only through src/index.ts.
 */
async function buildSingle() {
  const all = entries();
  const main = "src/index.ts";
  if (!all.includes(main)) throw new Error("--single needs a main entry, src/index.ts");
  const mainBuild = await build({ ...options, entryPoints: [main], plugins: [externals], metafile: true });
  const held = new Set(Object.keys(mainBuild.metafile.inputs).map((input) => resolve(input)));
  const mainFile = resolve(main);
  for (const entry of all.filter((e) => e !== main)) {
    const outDir = dirname(resolve("dist", entry.slice("src/".length)));
    const shareMain = {
      name: "share-main",
      setup(b) {
        b.onResolve({ filter: /^\./ }, async (args) => {
          if (args.pluginData === "inner") return undefined;
          const found = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: "inner" });
          if (found.errors.length > 0) return { errors: found.errors };
          if (found.path === mainFile) {
            const path = relative(outDir, resolve("dist/index.js"));
            return { path: path.startsWith(".") ? path : `./${path}`, external: true };
          }
          if (held.has(found.path) && found.path.startsWith(resolve("src"))) {
            throw new Error(
              `${entry} imports ${relative(".", found.path)}, which the main entry holds: import it from src/index.ts, so that one copy exists`,
            );
          }
          return found;
        });
      },
    };
    await build({ ...options, entryPoints: [entry], plugins: [externals, shareMain] });
  }
}
