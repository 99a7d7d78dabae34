// `zmq/no-cycle`: no module of a package may import (directly or through
// others) a module that imports it back. Type-only imports count: a cycle of
// types still ties the modules together, and DESIGN.md wants none.
// (import-x/no-cycle always skips type-only imports.) Only relative
// specifiers are followed, so the walk stays inside the linted package.
//
// The linted file's own imports come from its AST; every other module's from
// its source on disk, read with TypeScript's pre-processor (which sees
// `import type`, `export ... from` and dynamic imports), cached per lint run.
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/** Relative specifiers of a file on disk, by path, with the mtime they were read at. */
const cache = new Map();

const isRelative = (specifier) => specifier === "." || specifier === ".." || specifier.startsWith("./") || specifier.startsWith("../");

/** The source file a relative specifier names: NodeNext's "./x.js" is x.ts. */
function resolveModule(fromFile, specifier) {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const stem = base.replace(/\.(m|c)?jsx?$/, "");
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}.cts`, path.join(base, "index.ts")];
  for (const candidate of candidates) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** The modules a file on disk imports through relative specifiers. */
function importsOf(file) {
  let mtime;
  try {
    mtime = statSync(file).mtimeMs;
  } catch {
    return [];
  }
  const hit = cache.get(file);
  if (hit && hit.mtime === mtime) return hit.targets;
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  const targets = [];
  for (const { fileName } of info.importedFiles) {
    if (!isRelative(fileName)) continue;
    const target = resolveModule(file, fileName);
    if (target) targets.push(target);
  }
  cache.set(file, { mtime, targets });
  return targets;
}

/** A path of imports from `start` back to `goal`, or undefined. */
function pathBack(start, goal) {
  const seen = new Set([start]);
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const next of importsOf(file)) {
      if (next === goal) {
        const route = [file];
        for (let f = file; previous.has(f);) route.unshift((f = previous.get(f)));
        return route;
      }
      if (seen.has(next)) continue;
      seen.add(next);
      previous.set(next, file);
      queue.push(next);
    }
  }
  return undefined;
}

/** @type {import("eslint").Rule.RuleModule} */
const rule = {
  meta: {
    type: "problem",
    docs: { description: "Forbid import cycles among a package's modules, type-only imports included." },
    schema: [],
    messages: { cycle: "Import cycle: {{route}}" },
  },
  create(context) {
    const filename = context.physicalFilename;
    if (filename === "<input>" || filename === "<text>") return {};
    const check = (node, source) => {
      if (!source || typeof source.value !== "string" || !isRelative(source.value)) return;
      const target = resolveModule(filename, source.value);
      if (!target || target === filename) return;
      const route = pathBack(target, filename);
      if (!route) return;
      const dir = path.dirname(filename);
      const names = [filename, ...route, filename].map((f) => path.relative(dir, f) || path.basename(f));
      context.report({ node, messageId: "cycle", data: { route: names.join(" -> ") } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source.type === "Literal" ? node.source : undefined),
    };
  },
};

export default rule;
