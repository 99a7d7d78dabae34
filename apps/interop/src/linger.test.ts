// linger, as libzmq keeps it, seen from outside a process: a Push whose peer
// (libzmq, with a receive HWM of 1, never reading) has stopped taking bytes
// closes with tcp bytes still unsent. With linger 0 the connection is dropped
// at once and the process exits; with linger > 0 it exits once linger has
// passed; with -1 (wait for ever) it stays, as libzmq's does.
import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import * as zmq from "zeromq";

const children: ChildProcess[] = [];
const sockets: zmq.Pull[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
  for (const s of sockets.splice(0)) s.close();
});

/** Starts a child that floods `endpoint` with 64 KiB messages, then closes its Push with `linger`. */
function flooder(endpoint: string, linger: number): { child: ChildProcess; closed: Promise<void>; exited: Promise<number | null> } {
  const program = `
    import { Push } from "@zmq/zeromq";
    const push = new Push({ linger: ${linger} });
    push.connect(${JSON.stringify(endpoint)});
    const big = Buffer.alloc(65536, 1);
    for (let i = 0; i < 300; i++) await push.send(big);
    // Let the engine fill the tcp socket's buffers: the peer reads nothing more.
    await new Promise((resolve) => setTimeout(resolve, 300));
    push.close();
    console.log("closed");
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", program], { cwd: import.meta.dirname, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const closed = new Promise<void>((resolve) => child.stdout.on("data", (d: Buffer) => d.toString().includes("closed") && resolve()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, closed, exited };
}

async function stalledPeer(): Promise<string> {
  const pull = new zmq.Pull({ receiveHighWaterMark: 1, linger: 0 });
  sockets.push(pull);
  await pull.bind("tcp://127.0.0.1:*");
  return pull.lastEndpoint!;
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), ms))]);

describe("linger when the peer stopped reading", () => {
  it("linger 0: close() drops the connection and the process exits", async () => {
    const { closed, exited } = flooder(await stalledPeer(), 0);
    await closed;
    expect(await within(exited, 5000)).toBe(0);
  });

  it("linger 300: the process exits once linger has passed", async () => {
    const { closed, exited } = flooder(await stalledPeer(), 300);
    await closed;
    expect(await within(exited, 5000)).toBe(0);
  });

  it("linger -1: the process waits for the peer, as libzmq's does", async () => {
    const { closed, exited } = flooder(await stalledPeer(), -1);
    await closed;
    expect(await within(exited, 1500)).toBe("still running");
  });
});
