// What a socket does in its two awkward states, closed and blocked by a bind
// or unbind in progress: each expectation runs against npm zeromq 6.8.0
// too, so it is what the real thing does. (Concurrent sends and receives:
// compat-operations.test.ts.)
import { describe, expect, it } from "vitest";
import { type Impl, closeAfterEach, implementations, thrown, track } from "./testing/compat.js";

closeAfterEach();

const NOT_SOCKET = { code: "ENOTSOCK", errno: 88, message: "Socket operation on non-socket" };
const BLOCKED = { code: "EBUSY", errno: 16, message: "Socket is blocked by a bind or unbind operation" };

type Pull = InstanceType<Impl["Pull"]>;
type Push = InstanceType<Impl["Push"]>;

/** The operations zeromq.js refuses on a closed or blocked socket. */
function operations(pull: Pull, push: Push): (() => unknown)[] {
  return [
    () => pull.bind("tcp://127.0.0.1:*"),
    () => pull.unbind("tcp://127.0.0.1:5555"),
    () => pull.connect("tcp://127.0.0.1:5555"),
    () => pull.disconnect("tcp://127.0.0.1:5555"),
    () => pull.receive(),
    () => push.send("x"),
  ];
}

for (const [name, zmq] of implementations) {
  describe(`${name}: a closed socket`, () => {
    it("throws EBADF at once from bind, unbind, connect, disconnect, send and receive", () => {
      const pull = new zmq.Pull();
      const push = new zmq.Push();
      pull.close();
      push.close();
      for (const op of operations(pull, push)) expect(thrown(op)).toMatchObject({ code: "EBADF", errno: 9 });
    });

    it("throws ENOTSOCK for its options, read or set, its type, last endpoint and events; readable, writable and closed still answer", () => {
      const dealer = new zmq.Dealer({ linger: 0 });
      dealer.close();
      const reads = [
        () => dealer.linger,
        () => dealer.routingId,
        () => dealer.type,
        () => dealer.lastEndpoint,
        () => dealer.events,
        () => (dealer as unknown as { getInt32Option(option: number): number }).getInt32Option(17),
      ];
      for (const read of reads) expect(thrown(read)).toMatchObject(NOT_SOCKET);
      expect(
        thrown(() => {
          dealer.sendHighWaterMark = 5;
        }),
      ).toMatchObject(NOT_SOCKET);
      expect([dealer.readable, dealer.writable, dealer.closed]).toEqual([false, false, true]);
    });

    it("a Subscriber's subscribe() throws ENOTSOCK (it is an option in libzmq)", () => {
      const sub = new zmq.Subscriber();
      sub.close();
      expect(thrown(() => sub.subscribe("a"))).toMatchObject(NOT_SOCKET);
    });
  });

  describe(`${name}: a bind or unbind in progress`, () => {
    it("blocks bind, unbind, connect, disconnect, send and receive with EBUSY at once; options stay usable; then all works", async () => {
      const pull = track(new zmq.Pull({ linger: 0 }));
      const push = track(new zmq.Push({ linger: 0 }));
      const binding = pull.bind("tcp://127.0.0.1:*");
      const pushBinding = push.bind("tcp://127.0.0.1:*");
      for (const op of operations(pull, push)) expect(thrown(op)).toMatchObject(BLOCKED);
      pull.receiveHighWaterMark = 10;
      expect(pull.receiveHighWaterMark).toBe(10);
      await Promise.all([binding, pushBinding]);
      push.connect(pull.lastEndpoint!);
      await push.send("after the bind");
      expect((await pull.receive()).map(String)).toEqual(["after the bind"]);

      const unbinding = pull.unbind(pull.lastEndpoint!);
      expect(thrown(() => pull.unbind("tcp://127.0.0.1:5555"))).toMatchObject(BLOCKED);
      await unbinding;
    });

    it("a bind that fails unblocks the socket", async () => {
      const pull = track(new zmq.Pull({ linger: 0 }));
      await pull.bind("tcp://127.0.0.1:*");
      const taken = pull.lastEndpoint!;
      const other = track(new zmq.Pull({ linger: 0 }));
      const failing = other.bind(taken).then(
        () => undefined,
        (error: { code?: string }) => error.code,
      );
      expect(thrown(() => other.connect(taken))).toMatchObject(BLOCKED);
      expect(await failing).toBe("EADDRINUSE");
      await other.bind("tcp://127.0.0.1:*");
    });

    it("close() during a bind: the bind resolves and the socket ends up closed", async () => {
      const pull = new zmq.Pull({ linger: 0 });
      const binding = pull.bind("tcp://127.0.0.1:*");
      pull.close();
      await expect(binding).resolves.toBeUndefined();
      expect(pull.closed).toBe(true);
    });
  });
}
