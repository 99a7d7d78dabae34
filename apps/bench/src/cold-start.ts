// Cold start: how long a fresh Node process takes to import zmq-ts
// (`import("@zmq/zeromq")`) against zeromq.js (`require("zeromq")`, its
// documented form; CommonJS with a native addon), and the first message
// after it (import, bind, connect, one Push→Pull message over tcp, close);
// then both loaded the same way, by import() from an ES module and by
// require() from CommonJS, as an application of either kind would.
// Each sample is a new process; the two alternate, 15 samples each, and the
// median counts. The times are taken inside the process, from just before
// the import, so Node's own start-up (the same for both) is left out.
//
//   pnpm --filter @zmq/bench bench:cold-start
import { spawnSync } from "node:child_process";
import { median } from "./harness.js";
import { type Row, markdown, writeResults } from "./report.js";

const SAMPLES = 15;

const firstMessage = (load: string) => `const t = performance.now();
      const { Push, Pull } = ${load};
      const pull = new Pull(); await pull.bind("tcp://127.0.0.1:*");
      const push = new Push(); push.connect(pull.lastEndpoint);
      await push.send("x"); await pull.receive();
      console.log(performance.now() - t); push.close(); pull.close();`;
const requireOf = (name: string) => `(await import("node:module")).createRequire(import.meta.url)("${name}")`;

/** Programs that print the milliseconds from before their import to the point named; `cjs` ones run as CommonJS. */
const programs = {
  "zmq-ts": {
    importOnly: `const t = performance.now(); await import("@zmq/zeromq"); console.log(performance.now() - t);`,
    esm: `const t = performance.now(); await import("@zmq/zeromq"); console.log(performance.now() - t);`,
    cjs: `const t = performance.now(); require("@zmq/zeromq"); console.log(performance.now() - t);`,
    firstMessage: firstMessage(`await import("@zmq/zeromq")`),
  },
  "zeromq.js": {
    importOnly: `const t = performance.now(); ${requireOf("zeromq")}; console.log(performance.now() - t);`,
    esm: `const t = performance.now(); await import("zeromq"); console.log(performance.now() - t);`,
    cjs: `const t = performance.now(); require("zeromq"); console.log(performance.now() - t);`,
    firstMessage: firstMessage(requireOf("zeromq")),
  },
};

function sample(source: string, commonJs: boolean): number {
  // -e runs in this app's directory, so both packages resolve from its node_modules.
  const args = commonJs ? ["-e", source] : ["--input-type=module", "-e", source];
  const r = spawnSync(process.execPath, args, { cwd: import.meta.dirname, encoding: "utf8", timeout: 30_000 });
  const ms = Number(r.stdout.trim().split("\n").pop());
  if (r.status !== 0 || !Number.isFinite(ms)) throw new Error(`a cold-start sample failed: ${r.stderr || r.stdout}`);
  return ms;
}

const rows: Row[] = [];
for (const [label, key] of [
  ["import (zeromq.js: require), fresh process", "importOnly"],
  ["from an ES module, import() of both, fresh process", "esm"],
  ["from CommonJS, require() of both, fresh process", "cjs"],
  ["import, bind, connect and one message over tcp, fresh process", "firstMessage"],
] as const) {
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    ours.push(sample(programs["zmq-ts"][key], key === "cjs"));
    theirs.push(sample(programs["zeromq.js"][key], key === "cjs"));
  }
  rows.push({ case: `cold start: ${label}`, ours: median(ours), zeromq: median(theirs), unit: "ms", lowerIsBetter: true });
}

const title = "Cold start in Node";
const note = `import("@zmq/zeromq") against require("zeromq") (zeromq.js's documented form), then both loaded the same way from an ES module and from CommonJS (Node 20.19+ requires an ES module); each sample a new Node ${process.version} process, timed inside it from just before the import; median of ${SAMPLES} alternating samples each.`;
console.log(markdown(title, rows, { note }));
writeResults("cold-start", title, rows, { note });
