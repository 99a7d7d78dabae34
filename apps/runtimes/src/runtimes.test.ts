/**
 * The same programs under Node, Bun and Deno (src/scenarios/*.mjs, run as
 * child processes of this test), and each runtime talking to the others
 * over tcp, ws and wss (a certificate made for the run, trusted by the
 * connecting side). A runtime whose binary is missing skips, with the reason
 * in the test's name.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Exit, Run, type Runtime, bun, deno, netnsUnavailable, node, runScenario, runtimes } from "./runtimes.js";
import { type TestCertificate, makeTestCertificate } from "./test-certificate.js";

const PATTERNS = ["push-pull", "req-rep", "pub-sub", "dealer-router"];
const running = new Set<Run>();
afterEach(() => {
  for (const run of running) run.kill();
  running.clear();
});

function expectSuccess(exit: Exit, what: string): void {
  if (exit.code !== 0) throw new Error(`${what} exited with ${exit.code ?? exit.signal}\n${exit.stdout}${exit.stderr}`);
}

const noNetns = netnsUnavailable();
const title = (runtime: Runtime) => (runtime.binary ? `${runtime.name} (${runtime.version})` : `${runtime.name} (skipped: ${runtime.missing})`);

for (const runtime of runtimes) {
  describe.skipIf(!runtime.binary)(title(runtime), () => {
    for (const transport of ["inproc", "tcp", "ipc", "ws"]) {
      it(`Push/Pull, Req/Rep, Pub/Sub, Dealer/Router over ${transport}`, async () => {
        const exit = await runScenario(runtime, "patterns.mjs", [transport]);
        expectSuccess(exit, `patterns.mjs ${transport} under ${runtime.name}`);
        expect(exit.stdout.trim().split("\n")).toEqual(PATTERNS.map((p) => `ok ${p} ${transport} ${runtime.name}`));
      });
    }
    it.skipIf(noNetns !== undefined)(
      `Pub/Sub over epgm:// (PGM multicast) in a network namespace${noNetns ? ` (skipped: ${noNetns})` : ""}`,
      async () => {
        const exit = await runScenario(runtime, "epgm.mjs", [], undefined, true);
        expectSuccess(exit, `epgm.mjs under ${runtime.name}`);
        expect(exit.stdout.trim()).toBe(`ok epgm ${runtime.name}`);
      },
    );
    for (const transport of ["tcp", "ipc", "ws"]) {
      it(`PLAIN with ZAP (a wrong password refused) and CURVE over ${transport}`, async () => {
        const exit = await runScenario(runtime, "security.mjs", [transport]);
        expectSuccess(exit, `security.mjs ${transport} under ${runtime.name}`);
        expect(exit.stdout.trim().split("\n")).toEqual(["plain", "plain-refused", "curve"].map((m) => `ok ${m} ${transport} ${runtime.name}`));
      });
    }
  });
}

describe.skipIf(!deno.binary)(deno.binary ? "deno without permissions" : `deno without permissions (skipped: ${deno.missing})`, () => {
  it("bind without --allow-net or --allow-write rejects with EACCES naming the flag, and the process lives on", async () => {
    const exit = await runScenario(deno, "deno-no-net.mjs", [], ["--allow-read", "--allow-env"]);
    expectSuccess(exit, "deno-no-net.mjs");
    const lines = exit.stdout.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe("rejected tcp://127.0.0.1:* ZmqError:EACCES Permission denied: run Deno with --allow-net (net access to 127.0.0.1:0)");
    expect(lines[1]).toBe("rejected ws://127.0.0.1:*/x ZmqError:EACCES Permission denied: run Deno with --allow-net (net access to 127.0.0.1:0)");
    expect(lines[2]).toMatch(
      /^rejected ipc:\/\/\/tmp\/\S+ ZmqError:EACCES Permission denied: run Deno with --allow-write \(write access to \/tmp\/\S+\)$/,
    );
    expect(lines[3]).toBe("alive");
  });
});

describe("across runtimes", () => {
  // wss: the binding side uses a certificate made for this run, the connecting side trusts exactly it.
  let certificate: TestCertificate | undefined;
  beforeAll(() => {
    certificate = makeTestCertificate();
  });
  afterAll(() => certificate?.remove());
  const pairs: [Runtime, Runtime][] = [];
  for (const server of [node, bun, deno]) for (const client of [node, bun, deno]) if (server !== client) pairs.push([server, client]);
  for (const transport of ["tcp", "ws", "wss"]) {
    for (const [server, client] of pairs) {
      const missing = [server, client].filter((r) => !r.binary).map((r) => r.missing);
      const name = `${server.name} binds ${transport}, ${client.name} connects: Req/Rep and Push/Pull${missing.length ? ` (skipped: ${missing.join("; ")})` : ""}`;
      it.skipIf(missing.length > 0)(name, async () => {
        const bound = new Run(server, "peer.mjs", ["bind", transport], undefined, certificate!.env);
        running.add(bound);
        const endpoints = (await bound.line("endpoints ")).split(" ").slice(1);
        expect(endpoints).toHaveLength(2);
        for (const endpoint of endpoints) expect(endpoint).toMatch(new RegExp(`^${transport}://127\\.0\\.0\\.1:[1-9]\\d*`));
        const connected = new Run(client, "peer.mjs", ["connect", ...endpoints], undefined, certificate!.env);
        running.add(connected);
        const [clientExit, serverExit] = await Promise.all([connected.exited, bound.exited]);
        expectSuccess(clientExit, `${client.name} peer.mjs connect`);
        expectSuccess(serverExit, `${server.name} peer.mjs bind`);
        expect(clientExit.stdout.trim()).toBe(`answered by ${server.name}`);
        expect(serverExit.stdout.trim().split("\n")[1]).toBe(`served ${client.name}`);
      });
    }
  }
});
