// zmq-ts devices with real libzmq on both sides: the queue device between
// libzmq REQ clients and libzmq REP workers, the forwarder between a libzmq
// publisher and a libzmq subscriber, the streamer between libzmq PUSH and
// PULL, and a steerable proxy asked for STATISTICS by a libzmq REQ.
import { createCleanup } from "@zmq/kernel/testing";
import { Reply, forwarder, queue, steerableProxy, streamer, Pull, Push } from "@zmq/zeromq";
import { afterEach, describe, expect, it } from "vitest";
import * as zmq from "zeromq";

const open = createCleanup();
afterEach(open.closeAll);
function theirs<T extends { close(): void; linger: number }>(s: T): T {
  s.linger = 0;
  return open.track(s);
}

describe("devices between libzmq peers", () => {
  it("queue: libzmq REQ clients, libzmq REP workers, our ROUTER/DEALER in between", async () => {
    const device = await queue({ frontend: "tcp://127.0.0.1:*", backend: "tcp://127.0.0.1:*" });
    const workers = [0, 1].map(() => theirs(new zmq.Reply()));
    for (const w of workers) w.connect(device.backend.lastEndpoint!);
    const serving = workers.map(async (w, i) => {
      for (;;) {
        let q: Buffer[];
        try {
          q = await w.receive();
        } catch {
          return;
        }
        await w.send(`${q[0]!.toString()} done by ${i}`);
      }
    });
    const clients = [0, 1, 2, 3, 4, 5].map(() => theirs(new zmq.Request()));
    for (const c of clients) c.connect(device.frontend.lastEndpoint!);
    const answers = await Promise.all(
      clients.map(async (c, i) => {
        await c.send(`job ${i}`);
        return (await c.receive())[0]!.toString();
      }),
    );
    answers.forEach((a, i) => expect(a).toMatch(new RegExp(`^job ${i} done by [01]$`)));
    await device.close();
    for (const w of workers) w.close();
    await Promise.all(serving);
  });

  it("forwarder: a libzmq subscriber's subscription reaches a libzmq publisher through us", async () => {
    const device = await forwarder({ frontend: "tcp://127.0.0.1:*", backend: "tcp://127.0.0.1:*" });
    // A libzmq XPUB as the publisher: the subscription frame arriving there is the event.
    const pub = theirs(new zmq.XPublisher());
    await pub.bind("tcp://127.0.0.1:*");
    device.frontend.connect(pub.lastEndpoint!);
    const sub = theirs(new zmq.Subscriber());
    sub.subscribe("stock/");
    sub.connect(device.backend.lastEndpoint!);
    const [subscription] = await pub.receive();
    expect(subscription!.toString("hex")).toBe(Buffer.from("\x01stock/").toString("hex"));
    await pub.send(["bond/x", "1"]);
    await pub.send(["stock/acme", "42"]);
    expect((await sub.receive()).map(String)).toEqual(["stock/acme", "42"]);
    await device.close();
  });

  it("streamer: libzmq PUSH to libzmq PULL through our PULL/PUSH, none lost", async () => {
    const device = await streamer({ frontend: "tcp://127.0.0.1:*", backend: "tcp://127.0.0.1:*" });
    const producer = theirs(new zmq.Push());
    producer.connect(device.frontend.lastEndpoint!);
    const consumer = theirs(new zmq.Pull());
    consumer.connect(device.backend.lastEndpoint!);
    const n = 5000;
    const sending = (async () => {
      for (let i = 0; i < n; i++) await producer.send(String(i));
    })();
    for (let i = 0; i < n; i++) expect((await consumer.receive())[0]!.toString()).toBe(String(i));
    await sending;
    await device.close();
  });

  it("steerable proxy: a libzmq REQ asks for STATISTICS and TERMINATEs it", async () => {
    const front = open.track(new Pull());
    const back = open.track(new Push());
    const control = open.track(new Reply());
    await front.bind("tcp://127.0.0.1:*");
    await back.bind("tcp://127.0.0.1:*");
    await control.bind("tcp://127.0.0.1:*");
    const done = steerableProxy(front, back, control);
    const producer = theirs(new zmq.Push());
    producer.connect(front.lastEndpoint!);
    const consumer = theirs(new zmq.Pull());
    consumer.connect(back.lastEndpoint!);
    await producer.send(["ab", "cde"]);
    expect((await consumer.receive()).map(String)).toEqual(["ab", "cde"]);
    const steer = theirs(new zmq.Request());
    steer.connect(control.lastEndpoint!);
    await steer.send("STATISTICS");
    const stats = (await steer.receive()).map((f) => Number(f.readBigUInt64LE(0)));
    expect(stats).toEqual([2, 5, 0, 0, 0, 0, 2, 5]);
    await steer.send("TERMINATE");
    expect((await steer.receive())[0]!.length).toBe(0);
    await done;
  });
});
