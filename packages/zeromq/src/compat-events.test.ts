// Monitor events as zeromq.js reports them: which events each socket sees,
// in its own order, with addresses formatted as libzmq formats them and
// errors as Error objects. Each expectation runs against npm zeromq 6.8.0
// too, so it is what the real thing does. (Across two sockets the order is
// not fixed: each list here is one socket's own.)
import { EVENT_TYPES } from "@zmq/kernel/testing";
import { describe, expect, it } from "vitest";
import { type Impl, closeAfterEach, implementations, track } from "./testing/compat.js";

closeAfterEach();

type Sock = Pick<InstanceType<Impl["Push"]>, "events">;

// zeromq.js's Observer takes listeners for its own event types; "unknown" is ours alone.
const TYPES = EVENT_TYPES.filter((type) => type !== "unknown");

/**
 * Every event a socket reports until "end", as "type address [error code]", port numbers as
 * PORT; and a promise per type seen. zeromq.js's Observer is either iterated or listened to,
 * never both: this listens.
 */
function record(socket: Sock): { events: string[]; seen: (type: string) => Promise<unknown> } {
  const events: string[] = [];
  const waiters = new Map<string, { promise: Promise<unknown>; resolve: (event: unknown) => void }>();
  const waiter = (type: string) => {
    let w = waiters.get(type);
    if (!w) {
      let resolve!: (event: unknown) => void;
      const promise = new Promise<unknown>((r) => (resolve = r));
      w = { promise, resolve };
      waiters.set(type, w);
    }
    return w;
  };
  for (const type of TYPES) {
    socket.events.on(type as "end", (event: unknown) => {
      const e = event as { type: string; address?: string; error?: { code?: string } };
      events.push([e.type, e.address?.replace(/:\d+$/, ":PORT"), e.error?.code].filter((x) => x !== undefined).join(" "));
      waiter(type).resolve(event);
    });
  }
  return { events, seen: (type) => waiter(type).promise };
}

for (const [name, zmq] of implementations) {
  describe(`${name}: monitor events`, () => {
    it("bind, connect and handshake on both sides, then end on close", async () => {
      const pull = track(new zmq.Pull({ linger: 0 }));
      const push = track(new zmq.Push({ linger: 0 }));
      const pulled = record(pull);
      const pushed = record(push);
      await pull.bind("tcp://127.0.0.1:*");
      push.connect(pull.lastEndpoint!);
      await push.send("x");
      await pull.receive();
      await Promise.all([pulled.seen("handshake"), pushed.seen("handshake")]);
      push.close();
      pull.close();
      await Promise.all([pulled.seen("end"), pushed.seen("end")]);
      const address = "tcp://127.0.0.1:PORT";
      expect(pushed.events).toEqual([`connect:delay ${address}`, `connect ${address}`, `handshake ${address}`, "end"]);
      expect(pulled.events.slice(0, 3)).toEqual([`bind ${address}`, `accept ${address}`, `handshake ${address}`]);
      expect(pulled.events.at(-1)).toBe("end");
    });

    it("a second receive() while one waits throws EBUSY; the first still gets the next event", async () => {
      const pull = track(new zmq.Pull({ linger: 0 }));
      const first = pull.events.receive();
      let error: { code?: string; message?: string } | undefined;
      try {
        void pull.events.receive().catch(() => undefined);
      } catch (e) {
        error = e as { code?: string; message?: string };
      }
      expect(error).toMatchObject({ code: "EBUSY", message: "Observer is busy reading; only one receive operation may be in progress at any time" });
      await pull.bind("tcp://127.0.0.1:*");
      expect(await first).toMatchObject({ type: "bind" });
    });

    it("a for-await over the events while a receive() waits is EBUSY too", async () => {
      const pull = track(new zmq.Pull({ linger: 0 }));
      const first = pull.events.receive();
      const iterating = (async () => {
        for await (const event of pull.events) return event;
      })();
      await expect(iterating).rejects.toMatchObject({ code: "EBUSY" });
      await pull.bind("tcp://127.0.0.1:*");
      expect(await first).toMatchObject({ type: "bind" });
    });

    it("new Observer(socket) reports that socket's events", async () => {
      const pull = track(new zmq.Pull({ linger: 0 }));
      const observer = new zmq.Observer(pull);
      const bound = observer.receive();
      await pull.bind("tcp://127.0.0.1:*");
      expect(await bound).toMatchObject({ type: "bind", address: pull.lastEndpoint });
    });

    it("a refused connection: connect:delay, close, connect:retry, as libzmq reports the failed attempt", async () => {
      const push = track(new zmq.Push({ linger: 0, reconnectInterval: 50 }));
      const pushed = record(push);
      push.connect("tcp://127.0.0.1:1");
      await pushed.seen("connect:retry");
      push.close();
      await pushed.seen("end");
      expect([...new Set(pushed.events)].slice(0, 3)).toEqual([
        "connect:delay tcp://127.0.0.1:PORT",
        "close tcp://127.0.0.1:PORT",
        "connect:retry tcp://127.0.0.1:PORT",
      ]);
    });

    it("a handshake that fails on the mechanism reports handshake:error:protocol with an Error", async () => {
      const server = track(new zmq.Pull({ linger: 0, plainServer: true }));
      const failed = record(server).seen("handshake:error:protocol") as Promise<{ error: { code?: string } }>;
      await server.bind("tcp://127.0.0.1:*");
      // A NULL client at a PLAIN server: the mechanisms differ.
      const client = track(new zmq.Push({ linger: 0, reconnectInterval: -1 }));
      client.connect(server.lastEndpoint!);
      const { error } = await failed;
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe("ERR_ZMTP_MECHANISM_MISMATCH");
    });
  });
}
