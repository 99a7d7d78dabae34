// Scatter and Gather over ZMTP on the kernel's in-memory transport: chunked
// and delayed bytes, immediate, a dropped connection, a peer of the wrong type.
import { Context, type SocketOptions } from "@zmq/kernel";
import { type MemoryConnectionFaults, TestPush, createCleanup, memoryTransport, nextEvent } from "@zmq/kernel/testing";
import { afterEach, describe, expect, it } from "vitest";
// @zmq/engine is not a devDependency of this package (yet): its build output, by path.
import { zmtpEngine } from "@zmq/engine";
import { Gather, Scatter } from "./index.js";

const sockets = createCleanup();
afterEach(sockets.closeAll);
const str = (frame: Uint8Array) => new TextDecoder().decode(frame);

function setup(faults?: MemoryConnectionFaults) {
  const transport = memoryTransport({ engine: zmtpEngine, faults });
  const context = new Context({ transports: [transport] });
  const io: SocketOptions = { context, linger: 0, sendTimeout: 5000, receiveTimeout: 5000, reconnectInterval: 5 };
  return {
    transport,
    context,
    scatter: (o: SocketOptions = {}) => sockets.track(new Scatter({ ...io, ...o })),
    gather: (o: SocketOptions = {}) => sockets.track(new Gather({ ...io, ...o })),
  };
}

describe("Scatter and Gather over ZMTP (in-memory transport)", () => {
  it("deliver with bytes cut into single-byte chunks and delayed", async () => {
    const { scatter, gather } = setup({ chunkSize: 1, delayMs: 1 });
    const g = gather();
    await g.bind("mem://*");
    const s = scatter();
    s.connect(g.lastEndpoint!);
    for (let i = 0; i < 20; i++) await s.send(`m${i}`);
    for (let i = 0; i < 20; i++) expect(str((await g.receive())[0])).toBe(`m${i}`);
  });

  it("with immediate, queue nothing for an endpoint that never connects", async () => {
    const { scatter, gather } = setup();
    const g = gather();
    await g.bind("mem://*");
    const s = scatter({ immediate: true });
    const up = nextEvent(g, "handshake");
    s.connect(g.lastEndpoint!);
    s.connect("mem://nobody-listens");
    await up;
    for (const m of ["foo", "bar", "baz", "qux"]) await s.send(m);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push(str((await g.receive())[0]));
    expect(got).toEqual(["foo", "bar", "baz", "qux"]);
  });

  it("a dropped connection reconnects and delivery goes on", async () => {
    const { transport, scatter, gather } = setup();
    const g = gather();
    await g.bind("mem://*");
    const s = scatter();
    s.connect(g.lastEndpoint!);
    await s.send("before");
    expect(str((await g.receive())[0])).toBe("before");
    const again = nextEvent(g, "handshake");
    transport.connections[0]!.acceptor.destroy();
    await again;
    await s.send("after");
    expect(str((await g.receive())[0])).toBe("after");
  });

  it("Gather refuses a PUSH peer (not a SCATTER)", async () => {
    const { context, gather } = setup();
    const g = gather();
    await g.bind("mem://*");
    const refused = nextEvent(g, "handshake:error:protocol");
    const push = sockets.track(new TestPush({ context, linger: 0 }));
    push.connect(g.lastEndpoint!);
    await push.send("not for a gather");
    await refused;
    expect(g.readable).toBe(false);
  });
});
