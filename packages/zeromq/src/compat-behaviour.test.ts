// Behaviour that zeromq.js's own unit tests check, each expectation run
// against npm zeromq 6.8.0 too: REQ/REP operations out of turn (EFSM), the
// constructors' argument checks, the observer's modes and its bind:error
// address, a Proxy over a closed socket, and a send that resolved before a
// close with linger 0.
import { describe, expect, it } from "vitest";
import { closeAfterEach, implementations, thrown, track } from "./testing/compat.js";

closeAfterEach();

const EFSM = { code: "EFSM", message: "Operation cannot be accomplished in current state" };
const caught = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error & { code?: string },
  );

for (const [name, zmq] of implementations) {
  describe(`${name}: REQ and REP out of turn`, () => {
    it("a second request before the reply, a receive before any request, a reply before any request: EFSM once the time is up", async () => {
      const rep = track(new zmq.Reply());
      const req = track(new zmq.Request({ sendTimeout: 20, receiveTimeout: 20 }));
      const address = `inproc://efsm-${name}`;
      await rep.bind(address);
      req.connect(address);
      expect(await caught(req.receive())).toMatchObject(EFSM);
      await req.send("one");
      expect(await caught(req.send("two"))).toMatchObject(EFSM);
      const early = track(new zmq.Reply({ sendTimeout: 0 }));
      expect(await caught(early.send("x"))).toMatchObject(EFSM);
      // In turn, a timeout is EAGAIN.
      const quiet = track(new zmq.Dealer({ receiveTimeout: 0 }));
      expect(await caught(quiet.receive())).toMatchObject({ code: "EAGAIN" });
    });

    it("for-await on a Request that never sent ends in EFSM when the socket closes", async () => {
      const req = track(new zmq.Request());
      process.nextTick(() => req.close());
      const loop = async () => {
        for await (const _ of req) void _;
      };
      expect(await caught(loop())).toMatchObject(EFSM);
    });
  });

  describe(`${name}: constructor arguments`, () => {
    it("options must be an object; a Context takes one argument", () => {
      for (const make of [() => new zmq.Dealer(1 as never), () => new zmq.Dealer(null as never), () => new zmq.Context(1 as never)]) {
        const error = thrown(make);
        expect(error).toBeInstanceOf(TypeError);
        expect(error?.message).toBe("Options must be an object");
      }
      const Ctx = zmq.Context as unknown as new (...args: unknown[]) => unknown;
      expect(thrown(() => new Ctx({}, 2))?.message).toBe("Expected 1 argument but received 2");
      track(new zmq.Dealer(undefined));
    });

    it("a read-only property refuses a value with zeromq.js's TypeError, given to the constructor or set", () => {
      const readOnly = (name: string, cls: string) => new TypeError(`Cannot set property ${name} of #<${cls}> which has only a getter`);
      const Dealer = zmq.Dealer as unknown as new (options: object) => unknown;
      expect(() => new Dealer({ securityMechanism: 1 })).toThrow(readOnly("securityMechanism", "Socket"));
      const socket = track(new zmq.Dealer()) as unknown as Record<string, unknown>;
      expect(() => (socket.securityMechanism = "curve")).toThrow(readOnly("securityMechanism", "Socket"));
      const context = new zmq.Context() as unknown as Record<string, unknown>;
      expect(() => (context.maxSocketsLimit = 1)).toThrow(readOnly("maxSocketsLimit", "Context"));
      const Proxy = zmq.Proxy as unknown as new () => unknown;
      expect(() => new Proxy()).toThrow(new TypeError("Front-end must be a socket object"));
    });

    it("sockets and Contexts take no properties of their own beyond their options", () => {
      const socket = track(new zmq.Dealer());
      const context = new zmq.Context();
      for (const target of [socket, context]) {
        expect(() => {
          (target as unknown as Record<string, unknown>).doesNotExist = 1;
        }).toThrow(new TypeError("Cannot add property doesNotExist, object is not extensible"));
      }
      socket.routingId = "still settable";
      expect(socket.routingId).toBe("still settable");
    });

    it("a Proxy refuses a closed front-end or back-end as neither bound nor connected", async () => {
      const front = track(new zmq.Router());
      const back = track(new zmq.Dealer());
      await front.bind(`inproc://proxy-front-${name}`);
      await back.bind(`inproc://proxy-back-${name}`);
      front.close();
      // zeromq.js throws from run() at once, zmq-ts rejects: an await sees the same error.
      const error = await caught(Promise.resolve().then(() => new zmq.Proxy(front, back).run()));
      expect(error).toMatchObject({ code: "EINVAL", message: "Front-end socket must be bound or connected" });
    });
  });

  describe(`${name}: the observer`, () => {
    it("throws on receive() once listeners are on, and EBADF once it has ended", async () => {
      const socket = new zmq.Dealer();
      const events = socket.events;
      socket.close();
      expect((await events.receive()).type).toBe("end");
      expect(await caught(Promise.resolve().then(() => events.receive()))).toMatchObject({ code: "EBADF" });
      const other = track(new zmq.Dealer());
      other.events.on("bind", () => {});
      expect(thrown(() => other.events.receive())?.message).toMatch(/^Observer is in event emitter mode/);
    });

    it("says which protocol a handshake broke in its error's message (a mechanism mismatch: ZMTP)", async () => {
      const server = track(new zmq.Dealer({ plainServer: true }));
      const client = track(new zmq.Dealer({ curveServer: true }));
      const failed = new Promise<{ error: { code: string; message: string } }>((resolve) => server.events.on("handshake:error:protocol", resolve));
      await server.bind("tcp://127.0.0.1:*");
      client.connect(server.lastEndpoint!);
      const { error } = await failed;
      expect([error.code, error.message]).toEqual(["ERR_ZMTP_MECHANISM_MISMATCH", "ZMTP protocol error"]);
    });

    it("names a failed bind's address without its scheme", async () => {
      const first = track(new zmq.Dealer());
      await first.bind("tcp://127.0.0.1:*");
      const taken = first.lastEndpoint!;
      const second = track(new zmq.Dealer());
      const failed = new Promise<{ address: string }>((resolve) => second.events.on("bind:error", resolve));
      await caught(second.bind(taken));
      expect((await failed).address).toBe(taken.slice("tcp://".length));
    });
  });

  describe(`${name}: close() during a bind`, () => {
    it("the socket is not closed until the bind settles, whether it succeeds or fails", async () => {
      const socket = new zmq.Dealer();
      const bound = socket.bind("tcp://127.0.0.1:*");
      socket.close();
      expect(socket.closed).toBe(false);
      await bound;
      expect(socket.closed).toBe(true);
      const first = track(new zmq.Dealer());
      await first.bind("tcp://127.0.0.1:*");
      const second = new zmq.Dealer();
      const failing = caught(second.bind(first.lastEndpoint!));
      second.close();
      expect(second.closed).toBe(false);
      expect(await failing).toMatchObject({ code: "EADDRINUSE" });
      expect(second.closed).toBe(true);
    });
  });

  describe(`${name}: option warnings`, () => {
    const warningsDuring = async (fn: () => unknown) => {
      const seen: string[] = [];
      const listener = (w: Error) => seen.push(w.message);
      process.on("warning", listener);
      try {
        await fn();
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.off("warning", listener);
      }
      return seen;
    };

    it("warns of an option set after connect or bind, except those that act at once", async () => {
      const late = "Socket option will not take effect until next connect/bind.";
      expect(
        await warningsDuring(async () => {
          const s = track(new zmq.Dealer());
          s.routingId = "before";
          s.connect(`inproc://warn-${name}`);
          s.linger = 10;
          s.sendTimeout = 5;
          s.sendHighWaterMark = 5;
          await Promise.resolve();
        }),
      ).toEqual([]);
      expect(
        await warningsDuring(async () => {
          const s = track(new zmq.Dealer());
          s.connect(`inproc://warn2-${name}`);
          s.routingId = "after";
          const t = track(new zmq.Dealer());
          await t.bind(`inproc://warn3-${name}`);
          t.immediate = true;
        }),
      ).toEqual([late, late]);
    });

    it("takes a 64-bit option past Number.MAX_SAFE_INTEGER, with a warning", async () => {
      const s = track(new zmq.Dealer());
      const seen = await warningsDuring(() => {
        s.affinity = 2 ** 64 - 1; // ZMQ_AFFINITY, a uint64
      });
      expect(s.affinity).toBe(2 ** 64);
      expect(seen).toEqual(["Value is larger than Number.MAX_SAFE_INTEGER and may have been rounded inaccurately."]);
    });
  });

  describe(`${name}: linger 0`, () => {
    it("delivers a message whose send() resolved before close() on an established connection", async () => {
      const pull = track(new zmq.Pull({ receiveTimeout: 2000 }));
      await pull.bind("tcp://127.0.0.1:*");
      const push = new zmq.Push({ linger: 0 });
      const ready = new Promise((resolve) => push.events.on("handshake", resolve));
      push.connect(pull.lastEndpoint!);
      await ready;
      await push.send("hello");
      push.close();
      expect((await pull.receive()).map(String)).toEqual(["hello"]);
    });
  });
}
