// SocketBase through two tiny socket types (a PUSH on LoadBalancer, a PULL on
// FairQueue) joined by a message transport written here: the public surface
// hides the host roles, options come from the declarative specs, security
// mechanisms registered in the Context add their options, closed sockets
// refuse work, timeouts and signals end waiting operations.
import type { Mechanism } from "@zmq/wire";
import { afterEach, describe, expect, it } from "vitest";
import { Context } from "./context.js";
import { ZmqError } from "./errors.js";
import type { SecurityMechanism } from "./mechanism.js";
import type { Msg } from "./msg.js";
import { defineOptions, flag, oneOf, text } from "./options.js";
import { pipePair } from "./pipe.js";
import { SYNC_BUDGET } from "./sync-budget.js";
import type { SocketBase } from "./socket-base.js";
import { type SocketOptions } from "./socket-base.js";
import { createCleanup } from "./testing/cleanup.js";
import { errorCode as codeOf } from "./testing/errors.js";
import { text as texts } from "./testing/frames.js";
import { TestPull, TestPush } from "./testing/test-sockets.js";
import { type MessageTransport, type PipeHost, TRANSPORT_API_VERSION } from "./transport.js";

/** A PUSH whose linger defaults to 0, as a subclass may declare. */
class QuietPush extends TestPush {
  static {
    defineOptions(this, {}, { linger: 0 });
  }
}

const flavours = ["sweet", "sour"] as const;

/** A PULL with an option of its own. */
class FlavouredPull extends TestPull {
  static {
    defineOptions(this, { flavour: oneOf("sweet", flavours) });
  }
  declare flavour: (typeof flavours)[number];
  constructor(options: SocketOptions & { flavour?: (typeof flavours)[number] }) {
    super(options);
  }
}

/** A message transport in the manner of inproc: bind registers the host, connect joins two hosts with a pipe pair. */
function testTransport(): MessageTransport & { readonly hosts: PipeHost[] } {
  const bound = new Map<string, PipeHost>();
  const hosts: PipeHost[] = [];
  return {
    apiVersion: TRANSPORT_API_VERSION,
    kind: "message",
    scheme: "test",
    hosts,
    bind(endpoint, host) {
      hosts.push(host);
      if (bound.has(endpoint.address)) throw new ZmqError("EADDRINUSE", undefined, endpoint.url);
      bound.set(endpoint.address, host);
      return { endpoint: endpoint.url, close: () => bound.delete(endpoint.address) };
    },
    connect(endpoint, host) {
      hosts.push(host);
      const binder = bound.get(endpoint.address);
      if (!binder) throw new ZmqError("ENOENT", undefined, endpoint.url);
      const [mine, theirs] = pipePair(host.sendHighWaterMark, binder.sendHighWaterMark);
      host.attachPipe(mine, endpoint.url);
      binder.attachPipe(theirs, endpoint.url);
      return { close: () => {} };
    },
  };
}

const testOptions = {
  /** Setting it makes the socket a TEST client. */
  testKey: text(null),
  testServer: flag(false),
} as const;

const unused = (): Mechanism => {
  throw new Error("no connection in these tests");
};

const testMechanism: SecurityMechanism<typeof testOptions> = {
  name: "TEST",
  label: "test",
  options: testOptions,
  selects: (values) => values.testServer || values.testKey !== null,
  create: unused,
};

const otherMechanism: SecurityMechanism<{ readonly otherOn: ReturnType<typeof flag> }> = {
  name: "OTHER",
  label: "other",
  options: { otherOn: flag(false) },
  selects: (values) => values.otherOn,
  create: unused,
};

const { track, closeAll } = createCleanup<SocketBase>();
afterEach(closeAll);

let n = 0;
const ep = () => `test://ep-${++n}`;
const errorOf = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );
const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));
async function microtasks(k = 20): Promise<void> {
  for (let i = 0; i < k; i++) await Promise.resolve();
}
/** Throws from `fn`, as a value. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("did not throw");
}

/** A pull bound and a push connected to it. */
async function pair(context: Context, pushOptions: Omit<SocketOptions, "context"> = {}, pullOptions: Omit<SocketOptions, "context"> = {}) {
  const pull = track(new TestPull({ context, ...pullOptions }));
  const push = track(new TestPush({ context, ...pushOptions }));
  const e = ep();
  await pull.bind(e);
  push.connect(e);
  return { push, pull, endpoint: e };
}

describe("SocketBase", () => {
  describe("public surface", () => {
    const hostRoles = [
      "attachPipe",
      "hwm",
      "engineOptions",
      "connectOptions",
      "reconnectOptions",
      "peerReady",
      "peerCommand",
      "emit",
      "readActivated",
      "writeActivated",
      "pipeTerminated",
      "acceptsPeer",
    ];

    it("shows none of the roles transports, sessions and pipes use", async () => {
      const transport = testTransport();
      const context = new Context({ transports: [transport] });
      const { push, pull } = await pair(context);
      for (const socket of [push, pull]) {
        for (const name of hostRoles) expect((socket as unknown as Record<string, unknown>)[name], name).toBeUndefined();
      }
      // The transport was given a host, never the user's socket.
      expect(transport.hosts.length).toBe(2);
      for (const host of transport.hosts) expect([push, pull]).not.toContain(host);
      expect(transport.hosts.map((h) => h.socketType)).toEqual(["PULL", "PUSH"]);
    });

    it("moves messages between the two socket types, round-robin over pulls", async () => {
      const context = new Context({ transports: [testTransport()] });
      const { push, pull } = await pair(context);
      const pull2 = track(new TestPull({ context }));
      const e2 = ep();
      await pull2.bind(e2);
      push.connect(e2);
      expect(push.lastEndpoint).toBe(e2);
      for (let i = 0; i < 4; i++) await push.send([`m${i}`, "x"]);
      expect(texts(await pull.receive())).toEqual(["m0", "x"]);
      expect(texts(await pull2.receive())).toEqual(["m1", "x"]);
      expect(texts(await pull.receive())).toEqual(["m2", "x"]);
      expect(texts(await pull2.receive())).toEqual(["m3", "x"]);
      expect([push.type, pull.type, push.socketType, pull.socketType]).toEqual([8, 7, "PUSH", "PULL"]);
    });
  });

  describe("options", () => {
    const context = new Context({ transports: [testTransport()] });

    it("have libzmq's defaults from the declarative specs", () => {
      const push = track(new TestPush({ context }));
      expect({
        linger: push.linger,
        sendHighWaterMark: push.sendHighWaterMark,
        receiveHighWaterMark: push.receiveHighWaterMark,
        sendTimeout: push.sendTimeout,
        receiveTimeout: push.receiveTimeout,
        immediate: push.immediate,
        routingId: push.routingId,
        reconnectInterval: push.reconnectInterval,
        handshakeInterval: push.handshakeInterval,
        zapDomain: push.zapDomain,
      }).toEqual({
        linger: -1,
        sendHighWaterMark: 1000,
        receiveHighWaterMark: 1000,
        sendTimeout: -1,
        receiveTimeout: -1,
        immediate: false,
        routingId: null,
        reconnectInterval: 100,
        handshakeInterval: 30000,
        zapDomain: null,
      });
    });

    it("take values from the constructor and from properties; routingId reads back as a string", () => {
      const push = track(new TestPush({ context, linger: 5, sendHighWaterMark: 7, routingId: new TextEncoder().encode("me") }));
      expect([push.linger, push.sendHighWaterMark, push.routingId]).toEqual([5, 7, "me"]);
      push.linger = 0;
      push.immediate = true;
      push.routingId = null;
      expect([push.linger, push.immediate, push.routingId]).toEqual([0, true, null]);
    });

    it("refuse a bad value (TypeError for the wrong type, EINVAL out of range) naming the option and the value, keeping the old one", () => {
      const push = track(new TestPush({ context }));
      const e1 = thrown(() => {
        (push as unknown as Record<string, unknown>).linger = "soon";
      });
      expect(e1).toBeInstanceOf(TypeError);
      expect((e1 as Error).message).toBe("Option value must be a number");
      expect((e1 as { detail?: string }).detail).toContain("linger");
      expect((e1 as { detail?: string }).detail).toContain('"soon"');
      const e2 = thrown(() => {
        push.sendHighWaterMark = -3;
      });
      expect(codeOf(e2)).toBe("EINVAL");
      expect((e2 as { detail?: string }).detail).toMatch(/sendHighWaterMark.*-3/);
      expect(push.linger).toBe(-1);
      expect(push.sendHighWaterMark).toBe(1000);
      // A fractional number is truncated, as zeromq.js converts it for libzmq.
      expect(track(new TestPush({ context, receiveTimeout: 1.5 })).receiveTimeout).toBe(1);
    });

    it("refuse an unknown constructor option with zeromq.js's TypeError, naming it and the socket type in detail", () => {
      const e = thrown(() => new TestPush({ context, bogus: 1 } as SocketOptions));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toBe("Cannot add property bogus, object is not extensible");
      expect((e as { detail?: string }).detail).toContain("'bogus'");
      expect((e as { detail?: string }).detail).toContain("PUSH");
    });

    it("need a Context", () => {
      expect(codeOf(thrown(() => new TestPush({})))).toBe("EINVAL");
    });

    it("take a subclass's default override without changing its parent's", () => {
      const quiet = track(new QuietPush({ context }));
      const loud = track(new TestPush({ context }));
      expect(quiet.linger).toBe(0);
      expect(loud.linger).toBe(-1);
      expect(track(new QuietPush({ context, linger: 20 })).linger).toBe(20);
      expect(() => defineOptions(class extends TestPush {}, {}, { notAnOption: 1 })).toThrow(
        expect.objectContaining({ code: "EINVAL", detail: expect.stringContaining("notAnOption") as unknown }),
      );
      expect(() => defineOptions(class extends TestPush {}, {}, { linger: -2 })).toThrow(
        expect.objectContaining({ detail: expect.stringMatching(/linger/) }),
      );
    });

    it("of a subclass exist on its sockets only", () => {
      const pull = track(new FlavouredPull({ context, flavour: "sour" }));
      expect(pull.flavour).toBe("sour");
      expect(track(new FlavouredPull({ context })).flavour).toBe("sweet");
      expect(codeOf(thrown(() => ((pull as unknown as Record<string, unknown>).flavour = "salty")))).toBe("EINVAL");
      const plain = track(new TestPull({ context }));
      expect((plain as unknown as Record<string, unknown>).flavour).toBeUndefined();
      expect(thrown(() => new TestPull({ context, flavour: "sour" } as SocketOptions))).toBeInstanceOf(TypeError);
    });
  });

  describe("security mechanisms", () => {
    const secure = new Context({ transports: [testTransport()], mechanisms: [testMechanism, otherMechanism] });
    const bare = new Context({ transports: [testTransport()] });
    type Props = Record<string, unknown>;

    it("is NULL by default", () => {
      expect(track(new TestPush({ context: secure })).securityMechanism).toBeNull();
      expect(track(new TestPush({ context: bare })).securityMechanism).toBeNull();
    });

    it("adds the options of the Context's mechanisms to its sockets, with their defaults and checks", () => {
      const s = track(new TestPush({ context: secure })) as unknown as Props;
      expect([s.testKey, s.testServer, s.otherOn]).toEqual([null, false, false]);
      const e = thrown(() => (s.testServer = "yes"));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as { detail?: string }).detail).toContain("testServer");
      expect(s.testServer).toBe(false);
    });

    it("follows the mechanism's selects(): set, then unset", () => {
      const socket = track(new TestPush({ context: secure }));
      const s = socket as unknown as Props;
      s.testServer = false;
      expect(socket.securityMechanism).toBeNull();
      s.testKey = "k";
      expect(socket.securityMechanism).toBe("test");
      s.testKey = null;
      expect(socket.securityMechanism).toBeNull();
      s.testServer = true;
      expect(socket.securityMechanism).toBe("test");
      expect(track(new TestPull({ context: secure, testKey: "from-constructor" } as SocketOptions)).securityMechanism).toBe("test");
    });

    it("is the mechanism whose option was set last, as libzmq", () => {
      const socket = track(new TestPush({ context: secure }));
      const s = socket as unknown as Props;
      s.testKey = "k";
      expect(socket.securityMechanism).toBe("test");
      s.otherOn = true;
      expect(socket.securityMechanism).toBe("other");
      s.testServer = true;
      expect(socket.securityMechanism).toBe("test");
      // Unsetting the other one's option does not take the selected one away.
      s.otherOn = false;
      expect(socket.securityMechanism).toBe("test");
    });

    it("options are unknown (TypeError) in a Context without the mechanism", () => {
      track(new TestPush({ context: secure })); // a socket of another Context has them
      const e = thrown(() => new TestPush({ context: bare, testKey: "k" } as SocketOptions));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toContain("testKey");
      const socket = track(new TestPush({ context: bare }));
      // The mechanism's options are properties of its Context's sockets only.
      expect("testServer" in socket).toBe(false);
      expect((socket as unknown as Props).testServer).toBeUndefined();
      expect(socket.securityMechanism).toBeNull();
    });
  });

  describe("closed sockets", () => {
    const context = new Context({ transports: [testTransport()] });

    it("refuse send, receive, bind and connect with EBADF at once, as zeromq.js does", () => {
      const socket = track(new TestPull({ context }));
      const push = track(new TestPush({ context }));
      socket.close();
      push.close();
      expect(socket.closed).toBe(true);
      socket.close(); // twice is fine
      expect(codeOf(thrown(() => push.send("x")))).toBe("EBADF");
      expect(codeOf(thrown(() => socket.receive()))).toBe("EBADF");
      expect(codeOf(thrown(() => socket.bind(ep())))).toBe("EBADF");
      expect(codeOf(thrown(() => socket.connect(ep())))).toBe("EBADF");
      expect(codeOf(thrown(() => socket.unbind(ep())))).toBe("EBADF");
      // Options, read or set, fail with ENOTSOCK as libzmq's zmq_getsockopt on a closed socket does through zeromq.js.
      for (const read of [() => socket.linger, () => socket.type, () => socket.lastEndpoint, () => socket.routingId, () => socket.events]) {
        expect(thrown(read)).toMatchObject({ code: "ENOTSOCK", errno: 88, message: "Socket operation on non-socket" });
      }
      expect(codeOf(thrown(() => (socket.linger = 0)))).toBe("ENOTSOCK");
      expect(codeOf(thrown(() => socket.getInt32Option(17)))).toBe("ENOTSOCK");
      expect([socket.readable, push.writable, socket.closed]).toEqual([false, false, true]);
    });

    it("a close during a bind lets the bind resolve, as zeromq.js's (no rejection to leave unhandled)", async () => {
      const socket = new TestPull({ context });
      const binding = socket.bind(ep());
      socket.close();
      await expect(binding).resolves.toBeUndefined();
      expect(socket.closed).toBe(true);
    });

    it("end waiting receives with EAGAIN and for-await loops", async () => {
      const { pull } = await pair(context);
      const waiting = errorOf(pull.receive());
      const got: Msg[] = [];
      const loop = (async () => {
        for await (const msg of pull) got.push(msg);
        return "ended";
      })();
      await microtasks();
      pull.close();
      expect(codeOf(await waiting)).toBe("EAGAIN");
      expect(await loop).toBe("ended");
      expect(got).toEqual([]);
    });

    it("end a send waiting on a full queue with EAGAIN", async () => {
      const { push } = await pair(context, { sendHighWaterMark: 1 });
      await push.send("fits");
      const blocked = errorOf(push.send("waits"));
      push.close();
      expect(codeOf(await blocked)).toBe("EAGAIN");
    });
  });

  describe("a bind or unbind in progress", () => {
    const context = new Context({ transports: [testTransport()] });
    const BUSY = { code: "EBUSY", errno: 16, message: "Socket is blocked by a bind or unbind operation" };

    it("blocks bind, unbind, connect, disconnect, send and receive with EBUSY at once until it settles, as zeromq.js's", async () => {
      const pull = track(new TestPull({ context }));
      const push = track(new TestPush({ context }));
      const [a, b] = [ep(), ep()];
      const binding = pull.bind(a);
      const pushBinding = push.bind(b);
      for (const op of [() => pull.bind(ep()), () => pull.unbind(a), () => pull.connect(ep()), () => pull.disconnect(a), () => pull.receive()]) {
        expect(thrown(op)).toMatchObject(BUSY);
      }
      expect(thrown(() => push.send("x"))).toMatchObject(BUSY);
      // Options are not blocked.
      pull.linger = 0;
      expect(pull.linger).toBe(0);
      await Promise.all([binding, pushBinding]);
      push.connect(a);
      await push.send("after the bind");
      expect(texts(await pull.receive())).toEqual(["after the bind"]);

      const unbinding = pull.unbind(a);
      expect(thrown(() => pull.unbind(a))).toMatchObject(BUSY);
      await unbinding;
      await pull.bind(a);
    });

    it("a failed bind unblocks the socket too", async () => {
      const pull = track(new TestPull({ context }));
      const failing = errorOf(pull.bind("nosuch://x"));
      expect(thrown(() => pull.bind(ep()))).toMatchObject(BUSY);
      expect(await failing).toMatchObject({ code: "EPROTONOSUPPORT" });
      await pull.bind(ep());
    });
  });

  describe("waiting", () => {
    const context = new Context({ transports: [testTransport()] });

    it("receiveTimeout 0 fails with EAGAIN at once, without waiting a turn", async () => {
      const pull = track(new TestPull({ context, receiveTimeout: 0 }));
      let error: unknown;
      pull.receive().catch((e: unknown) => (error = e));
      await microtasks(3);
      expect(codeOf(error)).toBe("EAGAIN");
    });

    it("sendTimeout 0 fails with EAGAIN at once when no peer can take the message", async () => {
      const push = track(new TestPush({ context, sendTimeout: 0 }));
      let error: unknown;
      push.send("nobody").catch((e: unknown) => (error = e));
      await microtasks(3);
      expect(codeOf(error)).toBe("EAGAIN");
    });

    it("a waiting receive completes when a message arrives, in the order receives were made", async () => {
      const { push, pull } = await pair(context);
      const first = pull.receive();
      const second = pull.receive();
      await push.send("one");
      await push.send("two");
      expect([texts(await first), texts(await second)]).toEqual([["one"], ["two"]]);
    });

    it("a send waits for room and completes once the peer reads", async () => {
      const { push, pull } = await pair(context, { sendHighWaterMark: 1 });
      await push.send("a");
      let sent = false;
      const waiting = push.send("b").then(() => (sent = true));
      await microtasks();
      expect(sent).toBe(false);
      expect(push.writable).toBe(false);
      expect(texts(await pull.receive())).toEqual(["a"]);
      await waiting;
      expect(texts(await pull.receive())).toEqual(["b"]);
    });

    it("an aborted receive rejects with the signal's reason and takes no message", async () => {
      const { push, pull } = await pair(context);
      const controller = new AbortController();
      const aborted = errorOf(pull.receive({ signal: controller.signal }));
      const reason = new Error("stop");
      controller.abort(reason);
      expect(await aborted).toBe(reason);
      await push.send("kept");
      expect(texts(await pull.receive())).toEqual(["kept"]);
      expect(await errorOf(pull.receive({ signal: AbortSignal.abort(reason) }))).toBe(reason);
    });

    it("after SYNC_BUDGET immediate receives in one turn the next waits a macrotask; another socket's budget is its own", async () => {
      const { push, pull } = await pair(context, { sendHighWaterMark: 0 }, { receiveHighWaterMark: 0 });
      const other = await pair(context);
      for (let i = 0; i < SYNC_BUDGET + 50; i++) void push.send(String(i));
      await other.push.send("other");
      await nextMacrotask();
      const settled: boolean[] = [];
      const receives = Array.from({ length: SYNC_BUDGET + 1 }, (_, i) => pull.receive().then((msg) => (settled[i] = texts(msg)[0] === String(i))));
      let otherSettled = false;
      const otherReceive = other.pull.receive().then(() => (otherSettled = true));
      await microtasks();
      expect(settled.filter(Boolean).length).toBe(SYNC_BUDGET);
      expect(settled[SYNC_BUDGET]).toBeUndefined();
      expect(otherSettled).toBe(true);
      await nextMacrotask();
      await Promise.all([...receives, otherReceive]);
      expect(settled[SYNC_BUDGET]).toBe(true);
    });
  });
});
