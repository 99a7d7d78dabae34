// What `import("@zmq/zeromq")` loads in Node, read off Node's own module
// loader (a load hook that logs every URL): four modules (the package, the
// kernel, the wire codec, the engine) and none of the transports most
// programs never use. ws, udp and epgm load with the first bind or connect
// that names them, and then work.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "zmq-node-import-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hooks = `
import { appendFileSync } from "node:fs";
let log;
export function initialize(data) { log = data.log; }
export async function load(url, context, next) {
  if (url.startsWith("file:")) appendFileSync(log, url + "\\n");
  return next(url, context);
}
`;

/** Runs `body` after registering the hooks; returns the log, split at the lines the program marks. */
function loadsOf(body: string): string[][] {
  const log = join(dir, `log-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(log, "");
  const hooksFile = join(dir, "hooks.mjs");
  writeFileSync(hooksFile, hooks);
  const program = `
    import { register } from "node:module";
    import { appendFileSync } from "node:fs";
    register(${JSON.stringify(pathToFileURL(hooksFile).href)}, { data: { log: ${JSON.stringify(log)} } });
    const mark = () => appendFileSync(${JSON.stringify(log)}, "--\\n");
    ${body}
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", program], { cwd: import.meta.dirname, encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`the program failed: ${r.stderr}`);
  return readFileSync(log, "utf8")
    .split("--\n")
    .map((part) => part.split("\n").filter(Boolean));
}

/** "zeromq" for .../packages/zeromq/dist/index.js, and so on. */
const packagesOf = (urls: string[]) => urls.map((url) => url.match(/\/packages\/([^/]+)\/dist\//)?.[1] ?? url);

it("import loads the package, the kernel, the wire codec and the engine: one module each", () => {
  const [atImport] = loadsOf(`await import("@zmq/zeromq"); mark();`);
  expect(packagesOf(atImport!).sort()).toEqual(["engine", "kernel", "wire", "zeromq"]);
  for (const url of atImport!) expect(url).toMatch(/\/dist\/index\.js$/);
});

it("ws, udp and epgm load with their first use, and work", () => {
  const [atImport, afterWs, afterUdp] = loadsOf(`
    const { Pull, Push } = await import("@zmq/zeromq");
    const { Dish } = await import("@zmq/zeromq/draft");
    mark();
    const pull = new Pull();
    await pull.bind("ws://127.0.0.1:*");
    const push = new Push();
    push.connect(pull.lastEndpoint);
    await push.send("over ws");
    const [msg] = await pull.receive();
    if (msg.toString() !== "over ws") throw new Error("wrong message " + msg);
    mark();
    const dish = new Dish();
    await dish.bind("udp://127.0.0.1:*");
    mark();
    push.close(); pull.close(); dish.close();
  `);
  const loaded = (urls: string[]) => new Set(packagesOf(urls));
  for (const lazy of ["transport-ws", "transport-udp", "transport-epgm", "pgm"]) expect(loaded(atImport!)).not.toContain(lazy);
  expect(loaded(afterWs!)).toContain("transport-ws");
  expect(loaded(afterWs!)).not.toContain("transport-udp");
  expect(loaded(afterUdp!)).toContain("transport-udp");
  expect(loaded(afterUdp!)).not.toContain("transport-epgm");
});
