// The Poller: zmq_poll's multiplexing over several sockets (zeromq.js v6 has
// no Poller, so there is nothing of theirs to compare with; readable and
// writable, which it builds on, are checked against zeromq.js in
// compat-states.test.ts and the options tests).
import { describe, expect, it } from "vitest";
import { Dealer, Poller, Pull, Push, Router } from "./index.js";
import { closeAfterEach, thrown, track } from "./testing/compat.js";

closeAfterEach();

let n = 0;
const inproc = () => `inproc://poller-${++n}`;
const str = (frames: Uint8Array[]) => frames.map((f) => Buffer.from(f).toString());

/** A Pull bound on inproc and a Push connected to it. */
async function pipeline(): Promise<{ push: Push; pull: Pull }> {
  const pull = track(new Pull());
  const push = track(new Push());
  const ep = inproc();
  await pull.bind(ep);
  push.connect(ep);
  return { push, pull };
}

describe("Poller.poll", () => {
  it("resolves with the readable sockets once one is, saying for what", async () => {
    const a = await pipeline();
    const b = await pipeline();
    const poller = new Poller([a.pull, b.pull]);
    const polling = poller.poll();
    await b.push.send("to b");
    const ready = await polling;
    expect(ready).toEqual([{ socket: b.pull, readable: true, writable: false }]);
    expect(str(await b.pull.receive())).toEqual(["to b"]);
  });

  it("resolves at once when a socket is ready already, and with [] at once for timeout 0", async () => {
    const a = await pipeline();
    const poller = new Poller([a.pull]);
    expect(await poller.poll({ timeout: 0 })).toEqual([]);
    await a.push.send("x");
    expect((await poller.poll({ timeout: 0 })).map((r) => r.socket)).toEqual([a.pull]);
  });

  it("resolves with [] when the timeout passes first", async () => {
    const a = await pipeline();
    const started = Date.now();
    expect(await new Poller([a.pull]).poll({ timeout: 30 })).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("waits for writable: a Push with no peer is not, and becomes writable when one connects", async () => {
    const push = track(new Push());
    const poller = new Poller([push], "writable");
    expect(await poller.poll({ timeout: 0 })).toEqual([]);
    const polling = poller.poll();
    const pull = track(new Pull());
    const ep = inproc();
    await pull.bind(ep);
    push.connect(ep);
    expect(await polling).toEqual([{ socket: push, readable: false, writable: true }]);
  });

  it("polls for both: a Dealer with a peer is writable, and readable once a reply is in", async () => {
    const router = track(new Router());
    const dealer = track(new Dealer());
    const ep = inproc();
    await router.bind(ep);
    dealer.connect(ep);
    const poller = new Poller([dealer], "both");
    expect(await poller.poll()).toEqual([{ socket: dealer, readable: false, writable: true }]);
    await dealer.send("ping");
    const [id] = await router.receive();
    await router.send([id!, "pong"]);
    const readable = new Poller([dealer]);
    await readable.poll();
    expect(await poller.poll()).toEqual([{ socket: dealer, readable: true, writable: true }]);
  });

  it("rejects with the signal's reason when aborted, and with ENOTSOCK when a socket is closed", async () => {
    const a = await pipeline();
    const controller = new AbortController();
    const polling = new Poller([a.pull]).poll({ signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(polling).rejects.toThrow("stop");
    const waiting = new Poller([a.pull]).poll();
    a.pull.close();
    await expect(waiting).rejects.toMatchObject({ code: "ENOTSOCK" });
    await expect(new Poller([a.pull]).poll()).rejects.toMatchObject({ code: "ENOTSOCK" });
  });

  it("add() replaces what a socket is polled for, remove() stops polling it; bad events are EINVAL", async () => {
    const a = await pipeline();
    const poller = new Poller<Pull | Push>([a.pull]);
    poller.add(a.push, "writable");
    expect(poller.sockets).toEqual([a.pull, a.push]);
    expect(await poller.poll()).toEqual([{ socket: a.push, readable: false, writable: true }]);
    expect(poller.remove(a.push)).toBe(true);
    expect(poller.remove(a.push)).toBe(false);
    expect(await poller.poll({ timeout: 0 })).toEqual([]);
    expect(thrown(() => poller.add(a.pull, "sideways" as never))).toMatchObject({ code: "EINVAL" });
  });
});

describe("Poller as an async iterator", () => {
  it("gives [socket, message] from every socket in fair turn, and ends when they are all closed", async () => {
    const a = await pipeline();
    const b = await pipeline();
    for (let i = 0; i < 3; i++) await a.push.send(`a${i}`);
    for (let i = 0; i < 3; i++) await b.push.send(`b${i}`);
    const got: string[] = [];
    for await (const [socket, message] of new Poller([a.pull, b.pull])) {
      got.push(`${socket === a.pull ? "A" : "B"}:${str(message).join()}`);
      if (got.length === 6) {
        a.pull.close();
        b.pull.close();
      }
    }
    expect(got).toEqual(["A:a0", "B:b0", "A:a1", "B:b1", "A:a2", "B:b2"]);
  });

  it("waits for messages that arrive later, on tcp too", async () => {
    const pull = track(new Pull());
    await pull.bind("tcp://127.0.0.1:*");
    const push = track(new Push());
    push.connect(pull.lastEndpoint!);
    const other = await pipeline();
    const poller = new Poller([pull, other.pull]);
    const iterator = poller[Symbol.asyncIterator]();
    const first = iterator.next();
    await push.send("over tcp");
    const [socket, message] = (await first).value as [Pull, Uint8Array[]];
    expect(socket).toBe(pull);
    expect(str(message)).toEqual(["over tcp"]);
    const second = iterator.next();
    await other.push.send("over inproc");
    expect(str(((await second).value as [Pull, Uint8Array[]])[1])).toEqual(["over inproc"]);
    await iterator.return!(undefined);
  });
});
