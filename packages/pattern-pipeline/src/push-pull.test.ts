// Push and Pull over inproc: ordering, multipart, fairness, round-robin,
// HWM blocking, timeouts, close and linger, and the errors of the API.
import { Context, ZmqError, isZmqError } from "@zmq/kernel";
import { createCleanup, endpointNames, rejection, text } from "@zmq/kernel/testing";
import { inproc } from "@zmq/transport-inproc";
import { afterEach, describe, expect, it } from "vitest";
import { Pull, Push } from "./index.js";

const sockets = createCleanup();
afterEach(sockets.closeAll);

const context = new Context({ transports: [inproc()] });
const endpoint = endpointNames("inproc://push-pull");
const push = (options: ConstructorParameters<typeof Push>[0] = {}) => sockets.track(new Push({ context, ...options }));
const pull = (options: ConstructorParameters<typeof Pull>[0] = {}) => sockets.track(new Pull({ context, ...options }));

function thrown(fn: () => unknown): ZmqError {
  try {
    fn();
  } catch (e) {
    expect(isZmqError(e)).toBe(true);
    return e as ZmqError;
  }
  throw new Error("expected a ZmqError");
}

describe("Push -> Pull", () => {
  it("delivers in order, multipart intact, all frame types", async () => {
    const [tx, rx, ep] = [push(), pull(), endpoint()];
    await rx.bind(ep);
    tx.connect(ep);
    await tx.send("one");
    await tx.send(["a", "", "c"]);
    await tx.send([new Uint8Array([1, 2]), new Uint16Array([0x0403]).buffer, new Uint8Array([9, 8, 7]).subarray(1), 42, null]);
    await tx.send([]); // zeromq.js resolves and sends nothing
    await tx.send(true as never);
    expect(text(await rx.receive())).toEqual(["one"]);
    expect(text(await rx.receive())).toEqual(["a", "", "c"]);
    const mixed = await rx.receive();
    expect(mixed.map((f) => Array.from(f))).toEqual([[1, 2], [3, 4], [8, 7], [52, 50], []]);
    for (const f of mixed) expect(f).toBeInstanceOf(Uint8Array);
    expect(text(await rx.receive())).toEqual(["true"]);
    await expect(tx.send(undefined as never)).rejects.toThrow(expect.objectContaining({ detail: expect.stringMatching(/got undefined/) }));
  });

  it("queues messages sent before bind (connect first, as libzmq 4.x)", async () => {
    const [tx, rx, ep] = [push(), pull(), endpoint()];
    tx.connect(ep);
    for (let i = 0; i < 5; i++) await tx.send(String(i));
    await rx.bind(ep);
    for (let i = 0; i < 5; i++) expect(text(await rx.receive())).toEqual([String(i)]);
  });

  it("fair-queues three pushers", async () => {
    const rx = pull();
    const ep = endpoint();
    await rx.bind(ep);
    const senders = [push(), push(), push()];
    senders.forEach((s) => s.connect(ep));
    for (const [i, s] of senders.entries()) for (let j = 0; j < 4; j++) await s.send(`${i}:${j}`);
    const got: string[] = [];
    for (let k = 0; k < 12; k++) got.push(text(await rx.receive())[0]!);
    expect(
      got
        .slice(0, 3)
        .map((g) => g[0])
        .sort(),
    ).toEqual(["0", "1", "2"]);
    for (let round = 0; round < 4; round++) {
      expect(got.slice(round * 3, round * 3 + 3).map((g) => g.split(":")[1])).toEqual([String(round), String(round), String(round)]);
    }
  });

  it("round-robins three pullers", async () => {
    const tx = push();
    const ep = endpoint();
    await tx.bind(ep);
    const receivers = [pull(), pull(), pull()];
    receivers.forEach((r) => r.connect(ep));
    for (let i = 0; i < 9; i++) await tx.send(String(i));
    for (const [i, r] of receivers.entries()) {
      const got = [text(await r.receive())[0], text(await r.receive())[0], text(await r.receive())[0]];
      expect(got).toEqual([String(i), String(i + 3), String(i + 6)]);
    }
  });

  it("blocks at the HWM, never drops, and resumes when the reader drains", async () => {
    const tx = push({ sendHighWaterMark: 2 });
    const rx = pull({ receiveHighWaterMark: 2 });
    const ep = endpoint();
    await rx.bind(ep);
    tx.connect(ep);
    for (let i = 0; i < 4; i++) await tx.send(String(i));
    expect(tx.writable).toBe(false);
    let done = false;
    const blocked = tx.send("4").then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    // Two reads reach the low-water mark of HWM 4 (2 + 2): the send goes through.
    expect(text(await rx.receive())).toEqual(["0"]);
    expect(text(await rx.receive())).toEqual(["1"]);
    await blocked;
    for (let i = 2; i <= 4; i++) expect(text(await rx.receive())).toEqual([String(i)]);
    expect(rx.readable).toBe(false);
  });

  it("fails a blocked send with EAGAIN after sendTimeout; 0 fails at once", async () => {
    const tx = push({ sendHighWaterMark: 1, sendTimeout: 20 });
    tx.connect(endpoint());
    await tx.send("fits");
    const e = await rejection(tx.send("waits"));
    expect(e.code).toBe("EAGAIN");
    expect(e.errno).toBe(11);
    tx.sendTimeout = 0;
    expect((await rejection(tx.send("now"))).code).toBe("EAGAIN");
  });

  it("a push with no peer waits (no pipe to send to)", async () => {
    const tx = push({ sendTimeout: 10 });
    expect(tx.writable).toBe(false);
    expect((await rejection(tx.send("x"))).code).toBe("EAGAIN");
  });

  it("fails a receive with EAGAIN after receiveTimeout", async () => {
    const rx = pull({ receiveTimeout: 15 });
    const e = await rejection(rx.receive());
    expect(e.code).toBe("EAGAIN");
    expect(e.message).toBe("Operation was not possible or timed out");
  });

  it("queues concurrent receives and sends in order (where zeromq.js says EBUSY)", async () => {
    const [tx, rx, ep] = [push({ sendHighWaterMark: 1 }), pull({ receiveHighWaterMark: 1 }), endpoint()];
    await rx.bind(ep);
    tx.connect(ep);
    const receives = [rx.receive(), rx.receive(), rx.receive(), rx.receive()];
    const sends = ["a", "b", "c", "d"].map((m) => tx.send(m));
    await Promise.all(sends);
    expect((await Promise.all(receives)).map((m) => text(m)[0])).toEqual(["a", "b", "c", "d"]);
  });

  it("with exclusiveOperations, a second waiting send or receive throws EBUSY; the first goes on", async () => {
    const exclusive = new Context({ transports: [inproc()], exclusiveOperations: true });
    const [tx, rx, ep] = [push({ context: exclusive }), pull({ context: exclusive }), endpoint()];
    const firstSend = tx.send("first");
    expect(thrown(() => void tx.send("second"))).toMatchObject({ code: "EBUSY", message: expect.stringMatching(/^Socket is busy writing/) });
    const firstReceive = rx.receive();
    expect(thrown(() => void rx.receive())).toMatchObject({ code: "EBUSY", message: expect.stringMatching(/^Socket is busy reading/) });
    await rx.bind(ep);
    tx.connect(ep);
    await firstSend;
    expect(text(await firstReceive)).toEqual(["first"]);
  });

  it("copies frames of up to 128 bytes at send(), and sends larger ones as they are", async () => {
    const [tx, rx, ep] = [push(), pull(), endpoint()];
    await rx.bind(ep);
    tx.connect(ep);
    const small = new Uint8Array(128).fill(1);
    const large = new Uint8Array(129).fill(1);
    const words = new Uint16Array([7, 7]);
    const buffer = new Uint8Array([5, 5, 5, 5]).buffer;
    await tx.send([small, large, words, buffer]);
    small.fill(2);
    words.fill(9);
    new Uint8Array(buffer).fill(9);
    const [s, l, view, whole] = await rx.receive();
    expect([s![0], s!.length]).toEqual([1, 128]);
    expect([...view!]).toEqual([...new Uint8Array(new Uint16Array([7, 7]).buffer)]);
    expect([...whole!]).toEqual([5, 5, 5, 5]);
    expect(l).toBe(large);
  });

  it("aborts a pending receive or send with an AbortSignal", async () => {
    const rx = pull();
    const controller = new AbortController();
    const pending = rx.receive({ signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(pending).rejects.toThrow("stop");
    const tx = push();
    const c2 = new AbortController();
    c2.abort(new Error("already"));
    await expect(tx.send("x", { signal: c2.signal })).rejects.toThrow("already");
    // The aborted receive is gone: a later message goes to the next receive.
    const ep = endpoint();
    await rx.bind(ep);
    tx.connect(ep);
    await tx.send("after");
    expect(text(await rx.receive())).toEqual(["after"]);
  });

  it("for await ends when the socket closes", async () => {
    const [tx, rx, ep] = [push(), pull(), endpoint()];
    await rx.bind(ep);
    tx.connect(ep);
    await tx.send("1");
    await tx.send("2");
    const got: string[] = [];
    const loop = (async () => {
      for await (const msg of rx) {
        got.push(text(msg)[0]!);
        if (got.length === 2) setTimeout(() => rx.close(), 1);
      }
    })();
    await loop;
    expect(got).toEqual(["1", "2"]);
  });
});

describe("close and linger", () => {
  it("rejects pending operations with EAGAIN and throws EBADF at once for later ones, as zeromq.js", async () => {
    const rx = pull();
    const pending = rx.receive();
    rx.close();
    expect((await rejection(pending)).code).toBe("EAGAIN");
    expect(thrown(() => rx.receive()).code).toBe("EBADF");
    expect(thrown(() => rx.connect("inproc://x")).code).toBe("EBADF");
    expect(thrown(() => rx.bind("inproc://x")).code).toBe("EBADF");
    expect(rx.closed).toBe(true);
    rx.close();
  });

  it("linger -1: messages queued before close still arrive", async () => {
    const [tx, rx, ep] = [push(), pull(), endpoint()];
    await rx.bind(ep);
    tx.connect(ep);
    for (let i = 0; i < 3; i++) await tx.send(String(i));
    tx.close();
    for (let i = 0; i < 3; i++) expect(text(await rx.receive())).toEqual([String(i)]);
  });

  it("linger 0: queued messages are dropped at close", async () => {
    const [tx, rx, ep] = [push({ linger: 0 }), pull({ receiveTimeout: 20 }), endpoint()];
    await rx.bind(ep);
    tx.connect(ep);
    await tx.send("dropped");
    tx.close();
    expect((await rejection(rx.receive())).code).toBe("EAGAIN");
  });

  it("linger > 0: what is unread when linger expires is dropped", async () => {
    const [tx, rx, ep] = [push({ linger: 10 }), pull({ receiveTimeout: 50 }), endpoint()];
    await rx.bind(ep);
    tx.connect(ep);
    await tx.send("read in time");
    await tx.send("too late");
    tx.close();
    expect(text(await rx.receive())).toEqual(["read in time"]);
    await new Promise((r) => setTimeout(r, 30));
    expect((await rejection(rx.receive())).code).toBe("EAGAIN");
  });

  it("a closed puller's pipe leaves the rotation: sends go to the others", async () => {
    const tx = push();
    const ep = endpoint();
    await tx.bind(ep);
    const [a, b] = [pull(), pull()];
    a.connect(ep);
    b.connect(ep);
    a.close();
    await Promise.resolve();
    for (let i = 0; i < 4; i++) await tx.send(String(i));
    for (let i = 0; i < 4; i++) expect(text(await b.receive())).toEqual([String(i)]);
  });
});

describe("errors", () => {
  it("EINVAL for malformed endpoints and bad options, naming the value", async () => {
    const s = push();
    const e = thrown(() => s.connect("no-scheme"));
    expect(e.code).toBe("EINVAL");
    expect(e.address).toBe("no-scheme");
    expect((await rejection(s.bind("inproc://"))).code).toBe("EINVAL");
    const opt = thrown(() => (s.linger = -2));
    expect(opt.code).toBe("EINVAL");
    expect(opt.detail).toContain("'linger'");
    expect(opt.detail).toContain("-2");
    const wrongType = (() => {
      try {
        (s as unknown as { sendHighWaterMark: unknown }).sendHighWaterMark = "x";
      } catch (error) {
        return error as TypeError & { detail?: string };
      }
    })();
    expect(wrongType).toBeInstanceOf(TypeError);
    expect(wrongType!.detail).toContain('"x"');
    expect(() => new Push({ context, nope: 1 } as never)).toThrow(TypeError);
  });

  it("EPROTONOSUPPORT names the scheme and how to add its transport", async () => {
    const s = push();
    const e = await rejection(s.bind("tcp://127.0.0.1:*"));
    expect(e.code).toBe("EPROTONOSUPPORT");
    expect(e.detail).toContain('"tcp://"');
    expect(e.detail).toContain("@zmq/transport-tcp");
    expect(e.address).toBe("tcp://127.0.0.1:*");
  });

  it("ENOENT for unknown endpoints on unbind and disconnect", async () => {
    const s = push();
    const e = await rejection(s.unbind("inproc://never"));
    expect(e.code).toBe("ENOENT");
    expect(e.address).toBe("inproc://never");
    expect(thrown(() => s.disconnect("inproc://never")).code).toBe("ENOENT");
  });

  it("EADDRINUSE for a name bound twice in one Context; names are per Context", async () => {
    const ep = endpoint();
    await pull().bind(ep);
    expect((await rejection(pull().bind(ep))).code).toBe("EADDRINUSE");
    const other = new Pull({ context: new Context({ transports: [inproc()] }) });
    sockets.track(other);
    await other.bind(ep);
  });

  it("ENOTSUP for the wrong direction", async () => {
    const rx = pull() as unknown as Push;
    expect((await rejection(rx.send("x"))).code).toBe("ENOTSUP");
    const tx = push() as unknown as Pull;
    expect((await rejection(tx.receive())).code).toBe("ENOTSUP");
  });

  it("EINVAL without a Context", () => {
    expect(thrown(() => new Push()).detail).toContain("Context");
  });

  it("errors carry code, errno and a brand that survives copies", () => {
    const e = new ZmqError("EHOSTUNREACH");
    expect([e.code, e.errno, e.message]).toEqual(["EHOSTUNREACH", 113, "Host unreachable"]);
    expect(ZmqError.is({ ...e })).toBe(false);
    expect(isZmqError(e, "EHOSTUNREACH")).toBe(true);
    expect(isZmqError(e, "EAGAIN")).toBe(false);
  });
});

describe("unbind and disconnect", () => {
  it("disconnect stops delivery to that endpoint only", async () => {
    const tx = push();
    const [ep1, ep2] = [endpoint(), endpoint()];
    const [a, b] = [pull(), pull()];
    await a.bind(ep1);
    await b.bind(ep2);
    tx.connect(ep1);
    tx.connect(ep2);
    tx.disconnect(ep1);
    for (let i = 0; i < 3; i++) await tx.send(String(i));
    for (let i = 0; i < 3; i++) expect(text(await b.receive())).toEqual([String(i)]);
    expect(a.readable).toBe(false);
  });

  it("unbind frees the name and drops the pipes made through it", async () => {
    const [rx, tx, ep] = [pull(), push({ sendTimeout: 10 }), endpoint()];
    await rx.bind(ep);
    tx.connect(ep);
    await rx.unbind(ep);
    await Promise.resolve();
    expect((await rejection(tx.send("x"))).code).toBe("EAGAIN");
    const again = pull();
    await again.bind(ep);
  });
});

describe("options", () => {
  it("have zeromq.js's names and libzmq's defaults", () => {
    const s = push();
    expect({
      linger: s.linger,
      sendHighWaterMark: s.sendHighWaterMark,
      receiveHighWaterMark: s.receiveHighWaterMark,
      sendTimeout: s.sendTimeout,
      receiveTimeout: s.receiveTimeout,
      immediate: s.immediate,
      routingId: s.routingId,
      reconnectInterval: s.reconnectInterval,
      reconnectMaxInterval: s.reconnectMaxInterval,
      maxMessageSize: s.maxMessageSize,
      heartbeatInterval: s.heartbeatInterval,
      heartbeatTimeToLive: s.heartbeatTimeToLive,
      heartbeatTimeout: s.heartbeatTimeout,
      handshakeInterval: s.handshakeInterval,
      lastEndpoint: s.lastEndpoint,
    }).toEqual({
      linger: -1,
      sendHighWaterMark: 1000,
      receiveHighWaterMark: 1000,
      sendTimeout: -1,
      receiveTimeout: -1,
      immediate: false,
      routingId: null,
      reconnectInterval: 100,
      reconnectMaxInterval: 0,
      maxMessageSize: -1,
      heartbeatInterval: 0,
      heartbeatTimeToLive: 0,
      heartbeatTimeout: -1,
      handshakeInterval: 30000,
      lastEndpoint: null,
    });
  });

  it("are settable in the constructor and afterwards", async () => {
    const s = push({ linger: 0, sendHighWaterMark: 5, routingId: "me" });
    expect([s.linger, s.sendHighWaterMark, s.routingId]).toEqual([0, 5, "me"]);
    s.receiveTimeout = 250;
    expect(s.receiveTimeout).toBe(250);
    const ep = endpoint();
    await s.bind(ep);
    expect(s.lastEndpoint).toBe(ep);
    s.connect("inproc://elsewhere");
    expect(s.lastEndpoint).toBe("inproc://elsewhere");
    expect([s.type, pull().type]).toEqual([8, 7]);
  });

  it("closing ends the monitor with an end event", async () => {
    const s = push();
    const events = s.events;
    const seen: string[] = [];
    const loop = (async () => {
      for await (const e of events) seen.push(e.type);
    })();
    s.close();
    await loop;
    expect(seen).toEqual(["end"]);
    expect(events.closed).toBe(true);
  });
});

describe("fairness between sockets", () => {
  it("receive loops on several sockets progress evenly when all have messages waiting", async () => {
    const pulls = [pull(), pull(), pull()];
    const pushes = [push({ sendHighWaterMark: 0 }), push({ sendHighWaterMark: 0 }), push({ sendHighWaterMark: 0 })];
    for (const [i, p] of pulls.entries()) {
      const e = endpoint();
      p.receiveHighWaterMark = 0;
      await p.bind(e);
      pushes[i]!.connect(e);
      for (let k = 0; k < 3000; k++) await pushes[i]!.send("m");
    }
    const counts = [0, 0, 0];
    let total = 0;
    await new Promise<void>((done) => {
      pulls.forEach((p, i) => {
        void (async () => {
          for await (const _ of p) {
            counts[i]!++;
            if (++total === 3000) done();
            if (total >= 3000) return;
          }
        })();
      });
    });
    // Each socket has its own budget of immediate completions per event-loop
    // turn, so no loop can take every turn's share.
    for (const c of counts) expect(c).toBeGreaterThan(500);
  });
});
