// Process lifetime: what keeps a Node process alive, measured on npm
// zeromq 6.8.0 (libzmq 4.3.5) and held to the same rules in zmq-ts. Each case
// runs as a child process once with `zeromq` and once with `@zmq/zeromq`;
// the expectation is the same for both.
//
// | The process has ...                                          | zeromq.js 6.8.0 and zmq-ts                          |
// | ------------------------------------------------------------ | --------------------------------------------------- |
// | an open socket with no endpoints                             | exits                                               |
// | a socket reconnecting to an unreachable endpoint             | exits (reconnect timers hold nothing)               |
// | a bound socket nobody waits on (tcp, ipc)                    | exits                                               |
// | an idle established connection, with or without heartbeats   | exits (connections, heartbeat timers hold nothing)  |
// | a pending receive() (no receiveTimeout)                      | stays                                               |
// | a pending receive() with receiveTimeout                      | stays until it fails with EAGAIN, then exits        |
// | a pending send() (no peer, or at the HWM)                    | stays                                               |
// | a bind() not awaited                                         | the bind completes (its then runs), then exits      |
// | a monitor with a receive() or for-await waiting on socket.events, | stays until the socket closes                  |
// | or a listener (socket.events.on)                             |                                                     |
// | messages queued when the loop runs empty, socket open or     | stays until they are delivered (to a peer that      |
// | closed, linger -1 (the default: context.blocky true)         | comes later, too), for ever if none comes           |
// | the same with linger N                                       | stays at most N ms, delivering if a peer comes      |
// | the same on a Context with blocky false (linger 0 by default)| exits at once; queued messages are dropped          |
// | ... blocky false, but the socket's linger set to N           | as linger N                                         |
//
// zeromq.js keeps the process at exit by terminating its contexts (blocking
// in libzmq for linger); zmq-ts holds the event loop instead: a waiting
// operation holds it, and queued messages hold it for up to linger once it
// runs empty ("beforeExit"). Idle sockets, listeners, connections and their
// timers are unreferenced.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import * as zmq from "zeromq";

const children: ChildProcess[] = [];
const sockets: zmq.Pull[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const s of sockets.splice(0)) s.close();
});

/** How long a child that should exit may take (start-up included): a bound on the test, not a measurement. */
const EXIT_BOUND = 8000;
/** How long a child that should stay is watched after it said "ready". */
const ALIVE_WATCH = 1000;

interface Child {
  readonly output: () => string;
  /** Resolves when the child printed `text`. */
  readonly said: (text: string) => Promise<void>;
  readonly exited: Promise<number | null>;
}

function run(lib: string, body: string): Child {
  const program = `import * as zmq from ${JSON.stringify(lib)};\n${body}`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", program], { cwd: import.meta.dirname, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  const waiters: (() => void)[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const said = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.includes(text)) resolve();
        else waiters.push(check);
      };
      check();
      void exited.then(() => (out.includes(text) ? resolve() : reject(new Error(`child exited without saying "${text}": ${out}`))));
    });
  return { output: () => out, said, exited };
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), ms))]);

/** A tcp port nobody listens on (bound once, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const ipcPath = () => `ipc://${join(tmpdir(), `zmq-lifetime-${randomBytes(6).toString("hex")}`)}`;

/** A libzmq Pull that binds late and counts what it gets. */
async function latePeer(endpoint: string): Promise<{ received: Promise<string> }> {
  const pull = new zmq.Pull({ linger: 0 });
  sockets.push(pull);
  await pull.bind(endpoint);
  return { received: pull.receive().then(([m]) => m!.toString()) };
}

const LIBS = ["zeromq", "@zmq/zeromq"] as const;

describe.each(LIBS)("process lifetime with %s", (lib) => {
  async function expectExit(body: string, said?: string): Promise<Child> {
    const child = run(lib, body);
    const code = await within(child.exited, EXIT_BOUND);
    expect(code, child.output()).toBe(0);
    if (said) expect(child.output()).toContain(said);
    return child;
  }

  async function expectAlive(body: string): Promise<void> {
    const child = run(lib, body);
    await child.said("ready");
    expect(await within(child.exited, ALIVE_WATCH), child.output()).toBe("still running");
  }

  it("an idle socket lets the process exit", async () => {
    await expectExit(`globalThis.s = new zmq.Push(); console.log("ready");`, "ready");
  });

  it("a socket reconnecting to an unreachable endpoint lets it exit", async () => {
    const port = await closedPort();
    await expectExit(`const s = new zmq.Push(); s.connect("tcp://127.0.0.1:${port}"); globalThis.s = s; console.log("ready");`, "ready");
  });

  it("a bound socket nobody waits on lets it exit (tcp and ipc)", async () => {
    await expectExit(`const s = new zmq.Pull(); await s.bind("tcp://127.0.0.1:*"); globalThis.s = s; console.log("ready");`, "ready");
    await expectExit(`const s = new zmq.Pull(); await s.bind(${JSON.stringify(ipcPath())}); globalThis.s = s; console.log("ready");`, "ready");
  });

  it("an idle connection lets it exit, with heartbeats too (tcp and ws)", async () => {
    for (const endpoint of ["tcp://127.0.0.1:*", "ws://127.0.0.1:*/idle"]) {
      for (const hb of ["", "heartbeatInterval: 50, heartbeatTimeout: 1000"]) {
        await expectExit(
          `const a = new zmq.Push({ ${hb} }); await a.bind("${endpoint}");
           const b = new zmq.Pull({ ${hb} }); b.connect(a.lastEndpoint);
           await a.send("x"); await b.receive(); globalThis.k = [a, b]; console.log("ready");`,
          "ready",
        );
      }
    }
  });

  it("a pending receive() keeps it alive", async () => {
    await expectAlive(
      `const s = new zmq.Pull(); await s.bind("tcp://127.0.0.1:*"); s.receive().then(() => console.log("got")); console.log("ready");`,
    );
  });

  it("a pending receive() with receiveTimeout keeps it alive until it fails with EAGAIN", async () => {
    await expectExit(
      `const s = new zmq.Pull({ receiveTimeout: 200 }); await s.bind("tcp://127.0.0.1:*");
       s.receive().catch((e) => console.log("failed", e.code));`,
      "failed EAGAIN",
    );
  });

  it("a pending send() keeps it alive: no peer, or at the HWM", async () => {
    await expectAlive(`const s = new zmq.Push(); s.send("a").then(() => console.log("sent")); console.log("ready");`);
    const port = await closedPort();
    await expectAlive(
      `const s = new zmq.Push({ sendHighWaterMark: 1 }); s.connect("tcp://127.0.0.1:${port}");
       await s.send("a"); s.send("b").then(() => console.log("sent")); console.log("ready");`,
    );
  });

  it("messages still queued at exit after half a second: zeromq.js's warning on stderr, with the blocky hint when blocky", async () => {
    const port = await closedPort();
    const queued = (blocky: boolean) =>
      `zmq.context.blocky = ${blocky}; const s = new zmq.Dealer({ linger: 1000 }); s.connect("tcp://127.0.0.1:${port}"); s.send(null);`;
    const blocky = await expectExit(queued(true));
    expect(blocky.output()).toMatch(
      /\(node:\d+\) WARNING: Waiting for queued ZeroMQ messages to be delivered\. Set 'context\.blocky = false' to change this behaviour\.\r?\n/,
    );
    const plain = await expectExit(queued(false));
    expect(plain.output()).toMatch(/\(node:\d+\) WARNING: Waiting for queued ZeroMQ messages to be delivered\.\r?\n/);
    // Delivered or dropped within half a second: no warning.
    const quick = await expectExit(`const s = new zmq.Dealer({ linger: 100 }); s.connect("tcp://127.0.0.1:${port}"); s.send(null);`);
    expect(quick.output()).not.toMatch(/WARNING/);
  });

  it("a bind() not awaited completes before the process exits", async () => {
    await expectExit(
      `const s = new zmq.Pull(); s.bind("tcp://127.0.0.1:*").then(() => console.log("bound", s.lastEndpoint));`,
      "bound tcp://127.0.0.1:",
    );
  });

  it("a monitor being read or listened to keeps it alive until the socket closes", async () => {
    const bound = `const s = new zmq.Pull(); await s.bind("tcp://127.0.0.1:*");`;
    await expectAlive(`${bound} (async () => { for await (const e of s.events) console.log(e.type); })(); console.log("ready");`);
    await expectAlive(`${bound} s.events.on("accept", () => {}); console.log("ready");`);
    await expectExit(`${bound} s.events.on("accept", () => {}); setTimeout(() => (s.close(), console.log("closed")), 100);`, "closed");
    await expectExit(
      `${bound} (async () => { for await (const e of s.events) console.log("event", e.type); })(); setTimeout(() => s.close(), 100);`,
      "event end",
    );
  });

  describe("messages queued when the process would exit", () => {
    /** Starts a child that queues one message for `endpoint` (nobody there yet), then says "queued". */
    function queue(endpoint: string, setup: string, close: boolean): Child {
      return run(lib, `${setup} s.connect(${JSON.stringify(endpoint)}); await s.send("late"); ${close ? "s.close();" : ""} console.log("queued");`);
    }

    it.each([
      ["open, linger -1 (the default)", "const s = new zmq.Push();", false],
      ["closed, linger -1", "const s = new zmq.Push();", true],
      ["open, linger 10000", "const s = new zmq.Push({ linger: 10000 });", false],
      ["closed, linger 10000", "const s = new zmq.Push({ linger: 10000 });", true],
      [
        "blocky false, linger 10000 set on the socket",
        "const s = new zmq.Push({ context: new zmq.Context({ blocky: false }), linger: 10000 });",
        true,
      ],
    ] as const)("socket %s: held until a peer that binds late gets them, then exits", async (_name, setup, close) => {
      const endpoint = ipcPath();
      const child = queue(endpoint, setup, close);
      await child.said("queued");
      expect(await within(child.exited, 300), child.output()).toBe("still running");
      const peer = await latePeer(endpoint);
      expect(await within(peer.received, EXIT_BOUND)).toBe("late");
      expect(await within(child.exited, EXIT_BOUND), child.output()).toBe(0);
    });

    it("linger 300 and no peer ever: exits once linger has passed", async () => {
      const child = queue(ipcPath(), "const s = new zmq.Push({ linger: 300 });", false);
      await child.said("queued");
      expect(await within(child.exited, EXIT_BOUND), child.output()).toBe(0);
    });

    it("linger -1 and no peer ever: stays", async () => {
      const child = queue(ipcPath(), "const s = new zmq.Push();", false);
      await child.said("queued");
      expect(await within(child.exited, ALIVE_WATCH), child.output()).toBe("still running");
    });

    it("a Context with blocky false: new sockets get linger 0, and exit drops what is queued", async () => {
      const child = queue(
        ipcPath(),
        `const context = new zmq.Context({ blocky: false }); const s = new zmq.Push({ context }); console.log("linger", s.linger, context.blocky);`,
        false,
      );
      expect(await within(child.exited, EXIT_BOUND), child.output()).toBe(0);
      expect(child.output()).toContain("linger 0 false");
      expect(child.output()).toContain("queued");
    });

    it("context.blocky set to false after the Context is made applies to sockets made afterwards", async () => {
      const child = run(
        lib,
        `const context = new zmq.Context(); const before = new zmq.Push({ context }); context.blocky = false;
         console.log("linger", before.linger, new zmq.Push({ context }).linger);`,
      );
      expect(await within(child.exited, EXIT_BOUND), child.output()).toBe(0);
      expect(child.output()).toContain("linger -1 0");
    });
  });
});
