// The all-in-one package: the zeromq.js import works unchanged, the default
// Context has tcp, ipc, inproc, ws, wss and udp, and received frames are Buffers.
import { describe, expect, it } from "vitest";
import { Pull as PipelinePull } from "@zmq/pattern-pipeline";
import { Context, Pair, Pull, Push, ZmqError, defaultContext, isZmqError } from "./index.js";

describe("@zmq/zeromq", () => {
  it("has a default Context with tcp, ipc, inproc, ws, wss, udp, epgm and pgm (which refuses)", () => {
    const s = new Push();
    expect(s.context).toBe(defaultContext());
    expect(defaultContext().schemes.sort()).toEqual(["epgm", "inproc", "ipc", "pgm", "tcp", "udp", "ws", "wss"]);
    s.close();
  });

  for (const endpoint of ["tcp://127.0.0.1:*", "ipc://*", "inproc://zeromq-all-in-one"]) {
    it(`Push/Pull and Pair over ${endpoint.split(":")[0]}, frames as Buffers`, async () => {
      const rx = new Pull();
      await rx.bind(endpoint);
      const tx = new Push();
      tx.connect(rx.lastEndpoint!);
      await tx.send(["text", new Uint8Array([1, 2]), 7]);
      const msg = await rx.receive();
      for (const f of msg) expect(Buffer.isBuffer(f)).toBe(true);
      expect(msg.map((f) => f.toString("hex"))).toEqual(["74657874", "0102", "37"]);
      const a = new Pair();
      await a.bind(endpoint.replace("zeromq-all-in-one", "pair-all-in-one"));
      const b = new Pair();
      b.connect(a.lastEndpoint!);
      await b.send("hello");
      const [hello] = await a.receive();
      expect(Buffer.isBuffer(hello) && hello.toString()).toBe("hello");
      for (const s of [rx, tx, a, b]) s.close();
    });
  }

  it("is the pattern package's class, so instanceof works with either import", () => {
    const s = new Pull();
    expect(s).toBeInstanceOf(PipelinePull);
    s.close();
  });

  it("takes a Context of its own, with the transports it names", async () => {
    const context = new Context();
    const rx = new Pull({ context });
    await rx.bind("inproc://own");
    const other = new Push();
    other.connect("inproc://own");
    await expect(rx.receive({ signal: AbortSignal.timeout(30) })).rejects.toThrow();
    rx.close();
    other.close();
  });

  it("reports errors like zeromq.js", async () => {
    const s = new Push();
    const e: unknown = await s.bind("foo://bar").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ZmqError);
    expect(isZmqError(e, "EPROTONOSUPPORT")).toBe(true);
    s.close();
    expect(() => s.connect("tcp://127.0.0.1:1")).toThrow(expect.objectContaining({ code: "EBADF" }) as Error);
  });
});
