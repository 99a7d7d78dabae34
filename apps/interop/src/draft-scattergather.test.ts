// Draft SCATTER/GATHER interop: zmq-ts's Scatter and Gather against libzmq
// 4.3.5's (npm zeromq 6.8.0, `zeromq/draft`, in this process).
//
// The matrix: our socket as the scatter or the gather, either side binding,
// over tcp and ipc; every cell sends a run of single-frame messages with an
// empty frame and a 70,000-byte one, and the gather must see them all, in
// order, each as `[message]`.
//
// Then focused tests: our Scatter round-robin over our Gather and libzmq's,
// our Gather reading our Scatter and libzmq's together, a libzmq Scatter with
// `immediate` skipping an endpoint nobody listens on, EINVAL for a multipart
// send on both implementations, a raw ZMTP scatter's multipart message
// dropped whole by both Gathers, and conflate on our Gather behind a libzmq
// Scatter.
//
// Our classes are not exported by @zmq/zeromq yet: they come from their
// package's build, on @zmq/zeromq's default Context (tcp, ipc, Buffers).
import { createCleanup, nextEvent } from "@zmq/kernel/testing";
import { context } from "@zmq/zeromq";
import { afterAll, afterEach, expect, it } from "vitest";
import * as draft from "zeromq/draft.js";
import { Gather, Scatter } from "@zmq/zeromq/draft";
import { describeDraftFor, rawPeerSends } from "./draft-support.js";
import { ipcEndpoint, removeTempDirs } from "./peers.js";

type Transport = "tcp" | "ipc";
type Impl = "ours" | "libzmq";

const IO_TIMEOUT = 8_000;
const IO = { linger: 0, sendTimeout: IO_TIMEOUT, receiveTimeout: IO_TIMEOUT };

interface ScatterLike {
  bind(address: string): Promise<void>;
  connect(address: string): void;
  readonly lastEndpoint: string | null;
  send(message: string | Uint8Array): Promise<void>;
  close(): void;
}

interface GatherLike {
  bind(address: string): Promise<void>;
  connect(address: string): void;
  readonly lastEndpoint: string | null;
  receive(): Promise<Uint8Array[]>;
  close(): void;
}

const open = createCleanup<{ close(): void }>();
afterEach(open.closeAll);
afterAll(removeTempDirs);

const makeScatter = (impl: Impl, options: object = {}): ScatterLike =>
  open.track(impl === "ours" ? new Scatter({ context, ...IO, ...options }) : new draft.Scatter({ linger: 0, sendTimeout: IO_TIMEOUT, ...options }));
const makeGather = (impl: Impl, options: object = {}): GatherLike =>
  open.track(impl === "ours" ? new Gather({ context, ...IO, ...options }) : new draft.Gather({ linger: 0, receiveTimeout: IO_TIMEOUT, ...options }));
const address = (transport: Transport) => (transport === "tcp" ? "tcp://127.0.0.1:*" : ipcEndpoint("sg"));
const str = (frame: Uint8Array) => Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString();
const next = async (g: GatherLike) => {
  const msg = await g.receive();
  expect(msg).toHaveLength(1);
  return str(msg[0]!);
};

const describeDraft = describeDraftFor("draft-scattergather");

describeDraft("SCATTER/GATHER against libzmq 4.3.5", () => {
  for (const transport of ["tcp", "ipc"] as const) {
    for (const scatterImpl of ["ours", "libzmq"] as const) {
      for (const binder of ["scatter", "gather"] as const) {
        const gatherImpl: Impl = scatterImpl === "ours" ? "libzmq" : "ours";
        it(`${transport}: ${scatterImpl} SCATTER to ${gatherImpl} GATHER, the ${binder} binds`, async () => {
          const scatter = makeScatter(scatterImpl);
          const gather = makeGather(gatherImpl);
          if (binder === "scatter") {
            await scatter.bind(address(transport));
            gather.connect(scatter.lastEndpoint!);
          } else {
            await gather.bind(address(transport));
            scatter.connect(gather.lastEndpoint!);
          }
          const messages = ["foo", "", "bar", "y".repeat(70_000), ...Array.from({ length: 20 }, (_, i) => `m${i}`)];
          for (const m of messages) await scatter.send(m);
          for (const m of messages) expect(await next(gather)).toBe(m);
        });
      }
    }
  }

  it("our Scatter sends round-robin over our Gather and libzmq's", async () => {
    const scatter = makeScatter("ours");
    const gathers = [makeGather("ours"), makeGather("libzmq")];
    for (const g of gathers) {
      await g.bind(address("tcp"));
      scatter.connect(g.lastEndpoint!);
    }
    for (let i = 0; i < 6; i++) await scatter.send(String(i));
    const got: string[][] = [];
    for (const g of gathers) got.push([await next(g), await next(g), await next(g)]);
    expect(got).toEqual([
      ["0", "2", "4"],
      ["1", "3", "5"],
    ]);
  });

  it("our Gather takes from our Scatter and libzmq's together, each sender's messages in order", async () => {
    const gather = makeGather("ours");
    await gather.bind(address("ipc"));
    const scatters = [makeScatter("ours"), makeScatter("libzmq")];
    for (const s of scatters) s.connect(gather.lastEndpoint!);
    // Both connections up before anything is queued, so that both queues are full when reading starts.
    for (const [n, s] of scatters.entries()) await s.send(`hello ${n}`);
    const hellos = new Set([await next(gather), await next(gather)]);
    expect(hellos).toEqual(new Set(["hello 0", "hello 1"]));
    for (const [n, s] of scatters.entries()) for (let i = 0; i < 3; i++) await s.send(`s${n}-${i}`);
    // When each message arrives is up to the two senders, so only each one's order is fixed.
    const got: string[] = [];
    for (let i = 0; i < 6; i++) got.push(await next(gather));
    for (const n of [0, 1]) expect(got.filter((m) => m.startsWith(`s${n}`))).toEqual([`s${n}-0`, `s${n}-1`, `s${n}-2`]);
  });

  it("a libzmq Scatter with immediate skips an endpoint nobody listens on; our Gather gets every message", async () => {
    const gather = new Gather({ context, ...IO });
    open.track(gather);
    await gather.bind(address("tcp"));
    const scatter = makeScatter("libzmq", { immediate: true });
    const up = nextEvent(gather, "handshake");
    scatter.connect(gather.lastEndpoint!);
    scatter.connect(address("ipc"));
    await up;
    const messages = ["foo", "bar", "baz", "qux"];
    for (const m of messages) await scatter.send(m);
    for (const m of messages) expect(await next(gather)).toBe(m);
  });

  for (const gatherImpl of ["ours", "libzmq"] as const) {
    it(`${gatherImpl} GATHER drops a multipart message from a raw ZMTP SCATTER whole, and takes the next one`, async () => {
      const gather = makeGather(gatherImpl);
      await gather.bind(address("tcp"));
      await rawPeerSends(gather.lastEndpoint!, "SCATTER", open.track);
      expect(await next(gather)).toBe("alone");
    });
  }

  it("both implementations refuse a multipart send with EINVAL", async () => {
    const ours = new Scatter({ context, ...IO });
    open.track(ours);
    const theirs = makeScatter("libzmq");
    const gather = makeGather("ours");
    await gather.bind(address("tcp"));
    ours.connect(gather.lastEndpoint!);
    theirs.connect(gather.lastEndpoint!);
    const code = (p: Promise<unknown>) =>
      p.then(
        () => "sent",
        (e: unknown) => (e as { code?: string }).code,
      );
    const multipart = ["a", "b"] as never;
    expect(await code(theirs.send(multipart))).toBe("EINVAL");
    expect(await code(ours.send(multipart))).toBe("EINVAL");
  });

  it("our Gather with conflate, behind a libzmq Scatter, keeps only the newest message", async () => {
    const gather = new Gather({ context, ...IO, conflate: true });
    open.track(gather);
    await gather.bind(address("tcp"));
    const scatter = makeScatter("libzmq");
    scatter.connect(gather.lastEndpoint!);
    await scatter.send("first");
    expect(await next(gather)).toBe("first");
    for (let i = 0; i < 50; i++) await scatter.send(`burst ${i}`);
    // Whatever has arrived when we read, later messages replace earlier ones: reads only go forward and end at the last.
    let last = -1;
    while (last < 49) {
      const n = Number((await next(gather)).slice("burst ".length));
      expect(n).toBeGreaterThan(last);
      last = n;
    }
    expect(gather.readable).toBe(false);
  });
});
