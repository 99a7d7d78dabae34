// Where this package's v5 API does better than zeromq.js 6's "zeromq/v5-compat"
// without breaking a program written for it (each is listed in the README's
// migration notes), and what bindSync can and cannot do without a synchronous
// listen. These run against zmq-ts only; the shared behaviour is proved
// against npm zeromq in messaging.test.ts and api.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import * as zmq from "./index.js";

type Sock = zmq.Socket;

function next(sock: Sock, event: string): Promise<unknown[]> {
  return new Promise((resolve) => sock.once(event, (...args: unknown[]) => resolve(args)));
}

describe("v5 API beyond zeromq.js 6", () => {
  const open: Sock[] = [];
  const socket = (type: zmq.SocketType): Sock => {
    const s = zmq.socket(type);
    open.push(s);
    return s;
  };
  const bound = (sock: Sock): Promise<string> =>
    new Promise((resolve, reject) => sock.bind("tcp://127.0.0.1:*", (err) => (err ? reject(err) : resolve(sock.last_endpoint as string))));

  afterEach(() => {
    for (const s of open.splice(0)) if (!s.closed) s.close();
  });

  it("calls the callback of every part of a ZMQ_SNDMORE message, as v5 did (zeromq.js 6 only the last)", async () => {
    const pull = socket("pull");
    const push = socket("push");
    push.connect(await bound(pull));
    const calls: string[] = [];
    const done = new Promise<void>((resolve) => {
      push.send("a", zmq.ZMQ_SNDMORE, () => calls.push("a"));
      push.send("b", zmq.ZMQ_SNDMORE | zmq.ZMQ_DONTWAIT, () => calls.push("b"));
      push.send("c", 0, () => {
        calls.push("c");
        resolve();
      });
    });
    const got = next(pull, "message");
    await done;
    expect(calls).toEqual(["a", "b", "c"]);
    expect(((await got) as Buffer[]).map(String)).toEqual(["a", "b", "c"]);
  });

  it("delivers what was sent before close() (linger), as v5 did; zeromq.js 6 drops what its own queue still held", async () => {
    const pull = socket("pull");
    const push = socket("push");
    push.connect(await bound(pull));
    const got: string[] = [];
    const all = new Promise<void>((resolve) =>
      pull.on("message", (frame: Buffer) => {
        got.push(frame.toString());
        if (got.length === 100) resolve();
      }),
    );
    for (let i = 0; i < 100; i++) push.send(`m${i}`);
    push.close();
    await all;
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
  });

  it("calls back with EBADF for a send on a closed socket (zeromq.js 6 never calls back)", async () => {
    const push = socket("push");
    push.close();
    const err = await new Promise<Error | undefined>((resolve) => push.send("late", 0, resolve));
    expect(err).toMatchObject({ code: "EBADF" });
  });

  it("bindSync: the address is bound in the background; a late failure is an error event", async () => {
    const first = socket("pull");
    const endpoint = await bound(first);
    const second = socket("pull");
    second.monitor();
    const listening = next(second, "listen");
    second.bindSync("tcp://127.0.0.1:*");
    const [, address] = await listening;
    expect(second.last_endpoint).toBe(address);
    const third = socket("pull");
    const failed = next(third, "error");
    third.bindSync(endpoint);
    expect((await failed)[0]).toMatchObject({ code: "EADDRINUSE", address: endpoint });
  });

  it("bindSync over inproc is bound at once: last_endpoint is there and pub/sub works", async () => {
    const pub = socket("pub");
    pub.bindSync("inproc://v5-compat-pubsub");
    expect(pub.last_endpoint).toBe("inproc://v5-compat-pubsub");
    const sub = socket("sub");
    sub.connect("inproc://v5-compat-pubsub");
    sub.subscribe("");
    const got = next(sub, "message");
    pub.send(["over", "inproc"]);
    expect(((await got) as Buffer[]).map(String)).toEqual(["over", "inproc"]);
  });

  it("two bindSync calls in a row both bind (binds run in call order, never EBUSY)", async () => {
    const pull = socket("pull");
    pull.monitor();
    const listens: string[] = [];
    const both = new Promise<void>((resolve) =>
      pull.on("listen", (_value: unknown, address: string) => {
        listens.push(address);
        if (listens.length === 2) resolve();
      }),
    );
    pull.bindSync("tcp://127.0.0.1:*");
    pull.bindSync("tcp://127.0.0.1:*");
    await both;
    expect(new Set(listens).size).toBe(2);
  });

  it("takes ZMQ_IDENTITY on any socket type, as libzmq does (zeromq.js 6 throws on PUSH)", () => {
    const push = socket("push");
    push.identity = "pusher";
    expect(push.identity).toBe("pusher");
  });

  it("reads ZMQ_IPV4ONLY as 1 / 0, as v5 did", () => {
    const s = socket("dealer");
    expect(s.getsockopt(zmq.ZMQ_IPV4ONLY)).toBe(1);
    s.setsockopt(zmq.ZMQ_IPV4ONLY, 0);
    expect([s.getsockopt(zmq.ZMQ_IPV4ONLY), s.getsockopt(zmq.ZMQ_IPV6)]).toEqual([0, 1]);
  });

  it("monitor() works again after unmonitor()", async () => {
    const pull = socket("pull");
    pull.monitor().unmonitor().monitor();
    const listen = next(pull, "listen");
    const endpoint = await bound(pull);
    expect((await listen)[1]).toBe(endpoint);
  });
});
