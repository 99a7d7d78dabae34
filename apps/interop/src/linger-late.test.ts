// linger > 0 and a peer that binds late: a connecting Push queues numbered
// two-frame messages while nobody is bound, then closes with linger 10000.
// As libzmq: the closed socket goes on reconnecting, a peer that binds within
// linger gets every message, whole and in order, and then everything is let
// go, so the process exits. Over tcp and ipc the late peer is libzmq (npm
// zeromq) and zmq-ts in the parent; over inproc it is a zmq-ts socket in the
// same process. A libzmq Push in the same situation is run too, as the
// reference.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ours from "@zmq/zeromq";
import { afterEach, describe, expect, it } from "vitest";
import * as zmq from "zeromq";

const COUNT = 10;
/** A bound on how long the test waits for an exit, start-up included; not a measurement. */
const BOUND = 8000;

const children: ChildProcess[] = [];
const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const close of closers.splice(0)) close();
});

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), ms))]);

/**
 * A tcp port nobody listens on, below Linux's ephemeral range (32768-60999), so that no outgoing
 * connection takes it before the late peer binds it.
 */
async function closedPort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (free) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }
  }
}

async function endpointFor(transport: "tcp" | "ipc" | "inproc"): Promise<string> {
  if (transport === "tcp") return `tcp://127.0.0.1:${await closedPort()}`;
  const name = `zmq-linger-late-${randomBytes(6).toString("hex")}`;
  return transport === "ipc" ? `ipc://${join(tmpdir(), name)}` : `inproc://${name}`;
}

/**
 * A child whose Push (from `lib`) queues COUNT messages for `endpoint`, closes
 * with linger 10000 and says "closed". With `bindLate` the child itself binds
 * a zmq-ts Pull there afterwards and prints what it got (inproc).
 */
function closingPush(lib: string, endpoint: string, bindLate: boolean) {
  const late = bindLate
    ? `setTimeout(async () => {
         const pull = new zmq.Pull(); await pull.bind(EP);
         const got = []; for (let i = 0; i < ${COUNT}; i++) got.push((await pull.receive()).map(String).join("/"));
         console.log("got", got.join(",")); pull.close();
       }, 200);`
    : "";
  const program = `
    import * as zmq from ${JSON.stringify(lib)};
    const EP = ${JSON.stringify(endpoint)};
    const push = new zmq.Push({ linger: 10000 });
    push.connect(EP);
    for (let i = 0; i < ${COUNT}; i++) await push.send(["m", String(i)]);
    push.close();
    console.log("closed");
    ${late}
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", program], { cwd: import.meta.dirname, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  let onOut: (() => void) | undefined;
  child.stdout.on("data", (d: Buffer) => ((out += d.toString()), onOut?.()));
  child.stderr.on("data", (d: Buffer) => ((out += d.toString()), onOut?.()));
  const closed = new Promise<void>((resolve) => (onOut = () => out.includes("closed") && resolve()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { closed, exited, output: () => out };
}

const expected = Array.from({ length: COUNT }, (_, i) => `m/${i}`);

type Peer = (endpoint: string) => Promise<string[]>;

/** A late Pull in this process: binds now, returns the COUNT messages it got, as "m/i". */
const peers: Record<string, Peer> = {
  libzmq: async (endpoint) => {
    const pull = new zmq.Pull({ linger: 0 });
    closers.push(() => pull.close());
    await pull.bind(endpoint);
    const got: string[] = [];
    for (let i = 0; i < COUNT; i++) got.push((await pull.receive()).map(String).join("/"));
    return got;
  },
  "zmq-ts": async (endpoint) => {
    const pull = new ours.Pull({ linger: 0 });
    closers.push(() => pull.close());
    await pull.bind(endpoint);
    const got: string[] = [];
    for (let i = 0; i < COUNT; i++) got.push((await pull.receive()).map(String).join("/"));
    return got;
  },
};

describe("a connecting socket closed with linger delivers to a peer that binds late", () => {
  describe.each(["tcp", "ipc"] as const)("over %s", (transport) => {
    for (const [sender, lib] of [
      ["zmq-ts", "@zmq/zeromq"],
      ["libzmq (reference)", "zeromq"],
    ] as const) {
      it.each(Object.keys(peers))(`${sender} Push, late %s Pull: every message, whole and in order, then the process exits`, async (peerName) => {
        const endpoint = await endpointFor(transport);
        const child = closingPush(lib, endpoint, false);
        await child.closed;
        const got = await within(peers[peerName]!(endpoint), BOUND);
        expect(got, child.output()).toEqual(expected);
        expect(await within(child.exited, BOUND), child.output()).toBe(0);
      });
    }
  });

  it("over inproc: a socket that binds later in the same process gets them, then the process exits", async () => {
    const child = closingPush("@zmq/zeromq", await endpointFor("inproc"), true);
    expect(await within(child.exited, BOUND), child.output()).toBe(0);
    expect(child.output()).toContain(`got ${expected.join(",")}`);
  });

  it("in one process over tcp: the closed socket reconnects until the late peer takes everything", async () => {
    const endpoint = await endpointFor("tcp");
    const push = new ours.Push({ linger: 10000, reconnectInterval: 20 });
    push.connect(endpoint);
    for (let i = 0; i < COUNT; i++) await push.send(["m", String(i)]);
    push.close();
    expect(await peers["zmq-ts"]!(endpoint)).toEqual(expected);
  });

  it("linger 0 drops what is queued: a late peer gets nothing, and the next message it gets is a new sender's", async () => {
    const endpoint = await endpointFor("ipc");
    const push = new ours.Push({ linger: 0 });
    push.connect(endpoint);
    for (let i = 0; i < COUNT; i++) await push.send(["dropped", String(i)]);
    push.close();
    const pull = new ours.Pull({ linger: 0 });
    closers.push(() => pull.close());
    await pull.bind(endpoint);
    const fresh = new ours.Push({ linger: 0 });
    closers.push(() => fresh.close());
    fresh.connect(endpoint);
    await fresh.send(["fresh", "0"]);
    expect((await pull.receive()).map(String)).toEqual(["fresh", "0"]);
  });
});
