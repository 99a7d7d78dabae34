// Runs each guide example in-process through its main(), with small counts,
// ephemeral tcp ports and temporary ipc paths, and checks what it logged.
// Every test is bounded by a deadline signal; after each, the process must
// hold no more tcp/ipc handles than before (every socket was closed).
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Push, Router } from "@zmq/zeromq";
import * as hwclient from "./hwclient.js";
import * as hwserver from "./hwserver.js";
import * as lbbroker from "./lbbroker.js";
import * as lpclient from "./lpclient.js";
import * as mspoller from "./mspoller.js";
import * as msgqueue from "./msgqueue.js";
import * as mtserver from "./mtserver.js";
import * as rrbroker from "./rrbroker.js";
import * as rrclient from "./rrclient.js";
import * as rrworker from "./rrworker.js";
import { deferred } from "./support.js";
import * as tasksink from "./tasksink.js";
import * as taskvent from "./taskvent.js";
import * as taskwork from "./taskwork.js";
import * as transports from "./transports.js";
import * as wuclient from "./wuclient.js";
import * as wuproxy from "./wuproxy.js";
import * as wuserver from "./wuserver.js";

const TEST_MS = 15_000;
/** Each example gets this long before its signal stops it. */
const DEADLINE_MS = 10_000;
const ANY_PORT = "tcp://127.0.0.1:*";

/** A log that keeps lines, optionally tagged with who wrote them. */
function collector() {
  const lines: string[] = [];
  return { lines, log: (line: string) => void lines.push(line) };
}

/** An AbortController that also fires at the deadline. */
function stopper() {
  const controller = new AbortController();
  const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(DEADLINE_MS)]);
  return { signal, stop: () => controller.abort() };
}

/** The endpoint(s) an example reports in onReady, or its failure if it ends first. */
function whenReady<T>(ready: Promise<T>, running: Promise<unknown>): Promise<T> {
  return Promise.race([
    ready,
    running.then(() => {
      throw new Error("the example ended before it was ready");
    }),
  ]);
}

const count = (lines: string[], pattern: RegExp) => lines.filter((l) => pattern.test(l)).length;

// Node handles that belong to sockets: what a forgotten close() leaves behind.
const networkKinds = new Set(["TCPServerWrap", "TCPSocketWrap", "PipeServerWrap", "PipeWrap", "ConnectWrap", "PipeConnectWrap"]);
const networkHandles = () => process.getActiveResourcesInfo().filter((kind) => networkKinds.has(kind)).length;
let baseline = 0;

beforeEach(() => {
  baseline = networkHandles();
});

afterEach(async () => {
  // Node releases a closed handle on a later turn of the event loop; there is
  // no event for it, so look again briefly before calling it a leak.
  const deadline = Date.now() + 2_000;
  while (networkHandles() > baseline && Date.now() < deadline) await delay(10);
  expect(networkHandles(), `tcp/ipc handles still open: ${process.getActiveResourcesInfo().join(", ")}`).toBe(baseline);
});

describe("hello world (REQ / REP)", () => {
  it("hwclient gets World for each Hello from hwserver", { timeout: TEST_MS }, async () => {
    const server = collector();
    const client = collector();
    const { signal } = stopper();
    const ready = deferred<string>();
    const serving = hwserver.main({ endpoint: ANY_PORT, requests: 3, workMs: 0, log: server.log, signal, onReady: ready.resolve });
    const endpoint = await whenReady(ready.promise, serving);
    const replies = await hwclient.main({ endpoint, requests: 3, log: client.log, signal });
    expect(await serving).toBe(3);
    expect(replies).toEqual(["World", "World", "World"]);
    expect(count(server.lines, /^Received request: Hello$/)).toBe(3);
    expect(client.lines).toContain("Received World 2");
  });
});

describe("weather updates (PUB / SUB)", () => {
  it("wuclient averages its zip code's temperatures while wuserver publishes", { timeout: TEST_MS }, async () => {
    const server = collector();
    const client = collector();
    const { signal, stop } = stopper();
    const dir = mkdtempSync(join(tmpdir(), "wuserver-"));
    try {
      const ready = deferred<string[]>();
      // Five zip codes, so one update in five is for the client.
      const publishing = wuserver.main({
        endpoints: [ANY_PORT, `ipc://${join(dir, "weather.ipc")}`],
        zipCodes: [10000, 10004],
        log: server.log,
        signal,
        onReady: ready.resolve,
      });
      const [tcp, ipc] = await whenReady(ready.promise, publishing);
      expect(tcp).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      // The server publishes until the client has what it needs: the slow joiner misses only the early updates.
      const [overTcp, overIpc] = await Promise.all([
        wuclient.main({ endpoint: tcp, zip: "10001", updates: 5, log: client.log, signal }),
        wuclient.main({ endpoint: ipc, zip: "10003", updates: 5, log: client.log, signal }),
      ]);
      stop();
      expect(await publishing).toBeGreaterThanOrEqual(10);
      for (const result of [overTcp, overIpc]) {
        expect(result.updates).toBe(5);
        expect(result.average).toBeGreaterThanOrEqual(-80);
        expect(result.average).toBeLessThanOrEqual(135);
      }
      expect(client.lines.some((l) => /^Average temperature for zip code 10001 was -?\d+\.\dF over 5 updates$/.test(l))).toBe(true);
      expect(client.lines.some((l) => /^Average temperature for zip code 10003 was -?\d+\.\dF over 5 updates$/.test(l))).toBe(true);
      expect(server.lines.at(-1)).toMatch(/^wuserver: published \d+ updates$/);
    } finally {
      stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("wuproxy forwards updates downstream and subscriptions upstream", { timeout: TEST_MS }, async () => {
    const lines = collector();
    const { signal, stop } = stopper();
    try {
      const serverReady = deferred<string[]>();
      const publishing = wuserver.main({ endpoints: [ANY_PORT], zipCodes: [10000, 10001], log: lines.log, signal, onReady: serverReady.resolve });
      const [upstream] = await whenReady(serverReady.promise, publishing);
      const proxyReady = deferred<string>();
      const proxying = wuproxy.main({ frontend: upstream, backend: ANY_PORT, log: lines.log, signal, onReady: proxyReady.resolve });
      const downstream = await whenReady(proxyReady.promise, proxying);
      const result = await wuclient.main({ endpoint: downstream, zip: "10001", updates: 3, log: lines.log, signal });
      stop();
      await Promise.all([publishing, proxying]);
      expect(result.updates).toBe(3);
      expect(lines.lines).toContain(`wuproxy: forwarding ${upstream} to ${downstream}`);
      expect(lines.lines).toContain("wuproxy: stopped");
      expect(lines.lines.some((l) => /^Average temperature for zip code 10001 was .* over 3 updates$/.test(l))).toBe(true);
    } finally {
      stop();
    }
  });
});

describe("handling multiple sockets (Poller)", () => {
  it("mspoller handles tasks from a PUSH and weather from wuserver as they come", { timeout: TEST_MS }, async () => {
    const server = collector();
    const poller = collector();
    const { signal, stop } = stopper();
    const tasks = new Push({ linger: 0 });
    try {
      const ready = deferred<string[]>();
      const publishing = wuserver.main({ endpoints: [ANY_PORT], zipCodes: [10000, 10002], log: server.log, signal, onReady: ready.resolve });
      const [weather] = await whenReady(ready.promise, publishing);
      await tasks.bind(ANY_PORT);
      const handling = mspoller.main({ ventilator: tasks.lastEndpoint!, weather, zip: "10001", tasks: 5, updates: 5, log: poller.log, signal });
      for (let i = 1; i <= 5; i++) await tasks.send(String(i * 10));
      expect(await handling).toEqual({ tasks: 5, updates: 5 });
      stop();
      await publishing;
      expect(poller.lines.filter((l) => l.startsWith("task: "))).toEqual(["task: 10 ms", "task: 20 ms", "task: 30 ms", "task: 40 ms", "task: 50 ms"]);
      expect(count(poller.lines, /^weather: 10001 -?\d+ \d+$/)).toBeGreaterThanOrEqual(5);
    } finally {
      stop();
      tasks.close();
    }
  });
});

describe("reliable request-reply (Lazy Pirate)", () => {
  it("lpclient resends a request whose reply does not come, on a new socket, and gets every answer", { timeout: TEST_MS }, async () => {
    const client = collector();
    const { signal, stop } = stopper();
    // A server that loses the first copy of request 2, as the guide's lpserver "crashes" now and then.
    const server = new Router({ linger: 0 });
    try {
      await server.bind(ANY_PORT);
      const seen: string[] = [];
      const serving = (async () => {
        for await (const [id, empty, body] of server) {
          seen.push(body!.toString());
          if (body!.toString() === "2" && seen.filter((b) => b === "2").length === 1) continue;
          await server.send([id!, empty!, body!]);
        }
      })();
      const result = await lpclient.main({ endpoint: server.lastEndpoint!, requests: 3, timeout: 1000, retries: 3, log: client.log, signal });
      expect(result).toEqual({ answered: [1, 2, 3], resent: 1, abandoned: false });
      expect(seen).toEqual(["1", "2", "2", "3"]);
      expect(client.lines).toContain("W: no response from server, retrying...");
      server.close();
      await serving;
    } finally {
      stop();
      server.close();
    }
  });

  it("lpclient gives up after its retries when nobody answers", { timeout: TEST_MS }, async () => {
    const client = collector();
    const { signal, stop } = stopper();
    const silent = new Router({ linger: 0 });
    try {
      await silent.bind(ANY_PORT);
      const result = await lpclient.main({ endpoint: silent.lastEndpoint!, requests: 2, timeout: 50, retries: 3, log: client.log, signal });
      expect(result).toEqual({ answered: [], resent: 2, abandoned: true });
      expect(client.lines.at(-1)).toBe("E: server seems to be offline, abandoning");
    } finally {
      stop();
      silent.close();
    }
  });
});

describe("divide and conquer (PUSH / PULL pipeline)", () => {
  it("taskvent deals a batch to three taskworks and tasksink collects every result", { timeout: TEST_MS }, async () => {
    const sinkLog = collector();
    const ventLog = collector();
    const workLogs = [collector(), collector(), collector()];
    const { signal, stop } = stopper();
    try {
      const sinkReady = deferred<string>();
      const collecting = tasksink.main({ endpoint: ANY_PORT, tasks: 30, log: sinkLog.log, signal, onReady: sinkReady.resolve });
      const sink = await whenReady(sinkReady.promise, collecting);
      const ventReady = deferred<string>();
      const venting = taskvent.main({
        endpoint: ANY_PORT,
        sink,
        tasks: 30,
        maxWorkMs: 3,
        workers: 3,
        log: ventLog.log,
        signal,
        onReady: ventReady.resolve,
      });
      const ventilator = await whenReady(ventReady.promise, venting);
      const working = workLogs.map((w, i) => taskwork.main({ ventilator, sink, name: `w${i}`, log: w.log, signal }));
      const sent = await venting;
      const collected = await collecting;
      stop();
      const done = await Promise.all(working);
      expect(sent.tasks).toBe(30);
      expect(collected.results).toBe(30);
      // All three were connected before the batch went out, so PUSH dealt evenly.
      expect(done).toEqual([10, 10, 10]);
      expect(ventLog.lines.at(-1)).toBe(`Total expected cost: ${sent.totalMs} msec`);
      expect(sinkLog.lines).toContain("tasksink: batch started");
      expect(sinkLog.lines).toContain("tasksink: 30 of 30 results");
      expect(sinkLog.lines.at(-1)).toMatch(/^Total elapsed time: \d+ msec$/);
      expect(count(workLogs[0]!.lines, /^w0: task \d+, \d ms$/)).toBe(10);
    } finally {
      stop();
    }
  });
});

describe("brokers (ROUTER / DEALER)", () => {
  async function throughBroker(run: typeof rrbroker.main | typeof msgqueue.main) {
    const brokerLog = collector();
    const workerLog = collector();
    const clientLog = collector();
    const { signal, stop } = stopper();
    try {
      const ready = deferred<{ frontend: string; backend: string }>();
      const brokering = run({ frontend: ANY_PORT, backend: ANY_PORT, log: brokerLog.log, signal, onReady: ready.resolve });
      const { frontend, backend } = await whenReady(ready.promise, brokering);
      const workers = ["wa", "wb"].map((name) => rrworker.main({ endpoint: backend, workMs: 0, name, log: workerLog.log, signal }));
      const replies = await Promise.all(
        ["ca", "cb"].map((name) => rrclient.main({ endpoint: frontend, requests: 3, name, log: clientLog.log, signal })),
      );
      stop();
      const answered = await Promise.all(workers);
      const result = await brokering;
      expect(replies).toEqual([Array(3).fill("World"), Array(3).fill("World")]);
      expect(answered[0]! + answered[1]!).toBe(6);
      expect(count(workerLog.lines, /^w[ab]: received request \[Hello\]$/)).toBe(6);
      expect(clientLog.lines).toContain("ca: received reply 3 [World]");
      expect(clientLog.lines).toContain("cb: received reply 3 [World]");
      return { result, lines: brokerLog.lines };
    } finally {
      stop();
    }
  }

  it("rrbroker shuttles requests to rrworkers and replies back to rrclients", { timeout: TEST_MS }, async () => {
    const { result, lines } = await throughBroker(rrbroker.main);
    expect(result).toEqual({ requests: 6, replies: 6 });
    expect(lines.at(-1)).toBe("rrbroker: passed on 6 requests and 6 replies");
  });

  it("msgqueue does the same with proxy()", { timeout: TEST_MS }, async () => {
    const { lines } = await throughBroker(msgqueue.main);
    expect(lines.at(-1)).toBe("msgqueue: stopped");
  });
});

describe("load-balancing broker (ROUTER / ROUTER, REQ clients and workers)", () => {
  for (const transport of ["inproc", "ipc"] as const) {
    it(`routes every client's requests to free workers over ${transport}`, { timeout: TEST_MS }, async () => {
      const { lines, log } = collector();
      const { signal, stop } = stopper();
      try {
        const result = await lbbroker.main({ transport, clients: 5, workers: 2, requestsPerClient: 2, log, signal });
        expect(result.replies).toBe(10);
        expect(Object.keys(result.served).sort()).toEqual(["worker-0", "worker-1"]);
        expect(Object.values(result.served).reduce((a, b) => a + b)).toBe(10);
        for (let c = 0; c < 5; c++) expect(count(lines, new RegExp(`^client-${c}: OK$`))).toBe(2);
        expect(count(lines, /^worker-[01]: HELLO from client-[0-4]$/)).toBe(10);
        expect(lines.at(-1)).toMatch(/^lbbroker: 10 replies; worker-\d served \d+, worker-\d served \d+$/);
      } finally {
        stop();
      }
    });
  }
});

describe("multithreaded-style server (ROUTER / DEALER, REP workers over inproc)", () => {
  it("spreads concurrent hwclients over its worker pool", { timeout: TEST_MS }, async () => {
    const serverLog = collector();
    const clientLog = collector();
    const { signal, stop } = stopper();
    try {
      const ready = deferred<string>();
      const serving = mtserver.main({ endpoint: ANY_PORT, workers: 4, workMs: 2, log: serverLog.log, signal, onReady: ready.resolve });
      const endpoint = await whenReady(ready.promise, serving);
      const replies = await Promise.all([1, 2, 3].map(() => hwclient.main({ endpoint, requests: 4, log: clientLog.log, signal })));
      stop();
      const served = await serving;
      expect(replies.flat()).toEqual(Array(12).fill("World"));
      expect(served.reduce((a, b) => a + b)).toBe(12);
      // The DEALER deals round-robin, so more than one worker took part.
      expect(served.filter((n) => n > 0).length).toBeGreaterThan(1);
      expect(count(serverLog.lines, /^worker-[0-3]: received request \[Hello\]$/)).toBe(12);
      expect(serverLog.lines.at(-1)).toMatch(/^mtserver: stopped; requests served per worker: \d+, \d+, \d+, \d+$/);
    } finally {
      stop();
    }
  });
});

describe("transports", () => {
  for (const transport of transports.transportNames) {
    it(`carries the same PUSH / PULL exchange over ${transport}`, { timeout: TEST_MS }, async () => {
      const { lines, log } = collector();
      const { signal, stop } = stopper();
      try {
        const results = await transports.main({ transports: [transport], messages: 4, log, signal });
        expect(results[transport]).toEqual([1, 2, 3, 4].map((n) => `${transport} message ${n}`));
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^${transport}: ${transport}://\\S+ carried 4 messages in [\\d.]+ ms: `));
      } finally {
        stop();
      }
    });
  }

  it("runs standalone from dist/ (node dist/guide/transports.js)", { timeout: TEST_MS }, async () => {
    const script = join(import.meta.dirname, "../../dist/guide/transports.js");
    const { stdout } = await promisify(execFile)(process.execPath, [script, "inproc", "tcp", "--messages=2"], { timeout: DEADLINE_MS });
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^inproc: inproc:\/\/pipeline carried 2 messages/);
    expect(lines[1]).toMatch(/^tcp: tcp:\/\/127\.0\.0\.1:\d+ carried 2 messages/);
  });
});

describe("stopping", () => {
  /** A log that aborts the run as soon as a line matches: an event, not a timer. */
  function abortOn(pattern: RegExp) {
    const lines: string[] = [];
    const { signal, stop } = stopper();
    const log = (line: string) => {
      lines.push(line);
      if (pattern.test(line)) stop();
    };
    return { lines, log, signal };
  }

  it("hwserver returns when aborted while waiting for requests", { timeout: TEST_MS }, async () => {
    const { lines, log, signal } = abortOn(/listening/);
    expect(await hwserver.main({ endpoint: ANY_PORT, log, signal })).toBe(0);
    expect(lines).toHaveLength(1);
  });

  it("wuclient reports what it had when aborted before any update", { timeout: TEST_MS }, async () => {
    const { lines, log, signal } = abortOn(/collecting/);
    // Nobody listens on this ipc path: the client would wait for ever.
    const dir = mkdtempSync(join(tmpdir(), "wuclient-"));
    try {
      const result = await wuclient.main({ endpoint: `ipc://${join(dir, "nobody.ipc")}`, updates: 5, log, signal });
      expect(result.updates).toBe(0);
      expect(lines).toContain("wuclient: stopped after 0 of 5 updates");
      expect(lines.at(-1)).toBe("Average temperature for zip code 10001 was unknownF over 0 updates");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("taskvent stops while no worker takes its tasks", { timeout: TEST_MS }, async () => {
    const sinkLog = collector();
    const { lines, log, signal } = abortOn(/sending/);
    const sinkReady = deferred<string>();
    const { signal: sinkSignal, stop: stopSink } = stopper();
    const collecting = tasksink.main({ endpoint: ANY_PORT, tasks: 5, log: sinkLog.log, signal: sinkSignal, onReady: sinkReady.resolve });
    try {
      const sink = await whenReady(sinkReady.promise, collecting);
      // A PUSH with no peer would wait to send, as libzmq's does; the abort stops it instead.
      expect(await taskvent.main({ endpoint: ANY_PORT, sink, tasks: 5, log, signal })).toEqual({ tasks: 0, totalMs: 0 });
      expect(lines.at(-1)).toBe("taskvent: stopped after 0 of 5 tasks");
    } finally {
      stopSink();
    }
    expect((await collecting).results).toBe(0);
  });

  it("lbbroker closes its clients and workers when aborted before any worker exists", { timeout: TEST_MS }, async () => {
    for (const transport of ["inproc", "ipc"] as const) {
      const { lines, log, signal } = abortOn(/^lbbroker: 3 clients/);
      const result = await lbbroker.main({ transport, clients: 3, workers: 0, log, signal });
      expect(result).toEqual({ replies: 0, served: {} });
      expect(lines).toHaveLength(1);
    }
  });

  it("mtserver stops its proxy and its workers", { timeout: TEST_MS }, async () => {
    const { log, signal } = abortOn(/serving/);
    expect(await mtserver.main({ endpoint: ANY_PORT, workers: 3, log, signal })).toEqual([0, 0, 0]);
  });
});
