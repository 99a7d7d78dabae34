// ipc:// end to end: paths, the abstract namespace, wildcards, stale
// socket files, and the errors libzmq gives.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Context, isZmqError } from "@zmq/kernel";
import { createCleanup, text } from "@zmq/kernel/testing";
import { Pair } from "@zmq/pattern-pair";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ipc } from "./index.js";

const context = new Context({ transports: [ipc()] });
const dir = mkdtempSync(join(tmpdir(), "zmq-ts-ipc-test-"));
const open = createCleanup<Pair>();
afterEach(open.closeAll);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pair = () => open.track(new Pair({ context, linger: 0 }));

async function exchange(bindTo: string): Promise<[Pair, Pair]> {
  const a = pair();
  await a.bind(bindTo);
  const b = pair();
  b.connect(a.lastEndpoint!);
  await b.send(["ping", ""]);
  expect(text(await a.receive())).toEqual(["ping", ""]);
  await a.send("pong");
  expect(text(await b.receive())).toEqual(["pong"]);
  return [a, b];
}

describe("ipc", () => {
  it("binds a path and removes the file on unbind", async () => {
    const path = join(dir, "plain.sock");
    const [a] = await exchange(`ipc://${path}`);
    expect(a.lastEndpoint).toBe(`ipc://${path}`);
    expect(existsSync(path)).toBe(true);
    await a.unbind(`ipc://${path}`);
    expect(existsSync(path)).toBe(false);
  });

  it("uses the Linux abstract namespace for ipc://@name, with no file", async () => {
    const name = `zmq-ts-test-${process.pid}-${Date.now()}`;
    const [a] = await exchange(`ipc://@${name}`);
    expect(a.lastEndpoint).toBe(`ipc://@${name}`);
  });

  it("binds ipc://* to a fresh path", async () => {
    const [a] = await exchange("ipc://*");
    expect(a.lastEndpoint).toMatch(/^ipc:\/\/\/.+\/socket$/);
  });

  it("replaces a stale socket file left behind, as libzmq does", async () => {
    const path = join(dir, "stale.sock");
    // A process that bound the path and died without removing it.
    execFileSync("/usr/bin/python3", ["-c", `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(path)})`]);
    expect(existsSync(path)).toBe(true);
    await exchange(`ipc://${path}`);
  });

  it("refuses to replace something that is not a socket", async () => {
    const path = join(dir, "regular-file");
    writeFileSync(path, "keep me");
    await expect(pair().bind(`ipc://${path}`)).rejects.toMatchObject({ code: "EADDRINUSE", address: `ipc://${path}` });
    expect(existsSync(path)).toBe(true);
  });

  it("refuses a path longer than a unix socket address holds, with EINVAL", async () => {
    const long = `ipc:///tmp/${"x".repeat(120)}`;
    const e: unknown = await pair()
      .bind(long)
      .catch((x: unknown) => x);
    expect(isZmqError(e, "EINVAL")).toBe(true);
    expect((e as { detail?: string }).detail).toContain("longer than a unix socket address holds");
    expect(() => pair().connect(long)).toThrow(expect.objectContaining({ detail: expect.stringMatching(/longer than/) }));
    expect(() => pair().connect("ipc://*")).toThrow(expect.objectContaining({ detail: expect.stringMatching(/cannot connect/) }));
  });

  it("a second bind on a live path takes it over, as libzmq (which unlinks before binding)", async () => {
    const path = join(dir, "taken.sock");
    const [first] = await exchange(`ipc://${path}`);
    const second = pair();
    // libzmq unlinks and rebinds; a live listener loses its name to the newcomer.
    await second.bind(`ipc://${path}`);
    const c = pair();
    c.connect(`ipc://${path}`);
    await c.send("to the newcomer");
    expect(text(await second.receive())).toEqual(["to the newcomer"]);
    expect(first.readable).toBe(false);
  });
});
