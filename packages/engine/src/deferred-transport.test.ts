// The kernel's deferredTransport end to end: a stream transport whose code
// "loads" when the test says so (the in-memory transport with ZMTP behind a
// promise). Address and socket-type errors come at once without loading;
// bind waits for the load; a connect before the load starts its connection
// once loaded (or not at all when closed first); after the load everything
// is synchronous, as with the transport itself; a failed load is an error,
// never a crash, and the next use tries again.
import { Context, type SocketBase, type SocketOptions, type StreamTransport, ZmqError, deferredTransport } from "@zmq/kernel";
import { TestPull, TestPush, createCleanup, memoryTransport, text, watchEvents as watch } from "@zmq/kernel/testing";
import { afterEach, describe, expect, it } from "vitest";
import { zmtpEngine } from "./index.js";

const open = createCleanup<SocketBase>();
afterEach(open.closeAll);

function setup(admitPush = true) {
  const real = memoryTransport({ engine: zmtpEngine });
  let release!: (t: StreamTransport) => void;
  let fail!: (e: Error) => void;
  let loads = 0;
  const load = () => {
    loads++;
    return new Promise<StreamTransport>((resolve, reject) => {
      release = resolve;
      fail = reject;
    });
  };
  const deferred = deferredTransport(
    {
      scheme: "mem",
      validate: (endpoint) => {
        if (endpoint.address.includes(" ")) throw new ZmqError("EINVAL", "no spaces", endpoint.url);
      },
      admit: (host) => {
        if (!admitPush && host.socketType === "PUSH") throw new ZmqError("ENOCOMPATPROTO", "no PUSH here");
      },
    },
    load,
  );
  const context = new Context({ transports: [deferred] });
  const push = (options: Omit<SocketOptions, "context"> = {}) => open.track(new TestPush({ context, ...options }));
  const pull = (options: Omit<SocketOptions, "context"> = {}) => open.track(new TestPull({ context, ...options }));
  return { real, deferred, push, pull, loads: () => loads, release: () => release(real), fail: (e: Error) => fail(e) };
}

describe("deferredTransport", () => {
  it("refuses a malformed address and a socket type at once, without loading", () => {
    const s = setup(false);
    expect(() => s.pull().connect("mem://a b")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => s.push().connect("mem://x")).toThrow(expect.objectContaining({ code: "ENOCOMPATPROTO" }));
    expect(s.loads()).toBe(0);
  });

  it("binds once loaded, and a connect made before the load connects after it", async () => {
    const s = setup();
    const rx = s.pull();
    const binding = rx.bind("mem://here");
    const tx = s.push();
    const events = watch(tx);
    tx.connect("mem://here");
    expect(s.loads()).toBe(1); // one load, shared
    s.release();
    await binding;
    await tx.send("first");
    expect(text(await rx.receive())).toEqual(["first"]);
    await events.next("handshake");
  });

  it("after the load, connect is synchronous as with the transport itself", async () => {
    const s = setup();
    const rx = s.pull();
    const binding = rx.bind("mem://now");
    s.release();
    await binding;
    await s.deferred.load();
    const tx = s.push({ sendTimeout: 0 });
    tx.connect("mem://now");
    // The pipe exists during the call (libzmq's connect without `immediate`): a send with no wait succeeds.
    await tx.send("queued at once");
    expect(text(await rx.receive())).toEqual(["queued at once"]);
    expect(s.real.connections).toHaveLength(1);
  });

  it("a connect closed before the load never connects", async () => {
    const s = setup();
    const tx = s.push();
    tx.connect("mem://nowhere");
    tx.disconnect("mem://nowhere");
    const rx = s.pull();
    const binding = rx.bind("mem://nowhere");
    s.release();
    await binding;
    await s.deferred.load();
    await new Promise((r) => setImmediate(r));
    expect(s.real.connections).toHaveLength(0);
  });

  it("a failed load rejects bind with EPROTONOSUPPORT, reports a waiting connect, and the next use loads again", async () => {
    const s = setup();
    const tx = s.push();
    const events = watch(tx);
    tx.connect("mem://later");
    const rx = s.pull();
    const binding = rx.bind("mem://later");
    s.fail(new Error("module not found"));
    await expect(binding).rejects.toMatchObject({ code: "EPROTONOSUPPORT", detail: expect.stringContaining("module not found") });
    const failed = await events.next("close:error");
    expect(failed.error.code).toBe("EPROTONOSUPPORT");
    const again = rx.bind("mem://later");
    expect(s.loads()).toBe(2);
    s.release();
    await again;
  });
});
