// send() and receive() as zeromq.js's, each expectation run against npm
// zeromq 6.8.0 too: one waiting send and one waiting receive per socket
// (another throws EBUSY at once), and small frames copied by send(), so a
// program that refills one Buffer for each message sends what it wrote.
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { closeAfterEach, implementations, thrown, track } from "./testing/compat.js";

closeAfterEach();

for (const [name, zmq] of implementations) {
  describe(`${name}: one operation of each kind at a time`, () => {
    it("a send() while another waits throws EBUSY at once; the first still ends in EAGAIN", async () => {
      const dealer = track(new zmq.Dealer({ sendTimeout: 20 }));
      const first = dealer.send("waits").catch((e: unknown) => e as Error & { code?: string });
      const error = thrown(() => void dealer.send("second").catch(() => undefined));
      expect(error).toMatchObject({ code: "EBUSY", message: "Socket is busy writing; only one send operation may be in progress at any time" });
      expect(typeof (error as { errno?: unknown }).errno).toBe("number");
      expect(await first).toMatchObject({ code: "EAGAIN" });
      // Once nothing waits, send() is free again.
      expect(await dealer.send("again").catch((e: unknown) => (e as { code?: string }).code)).toBe("EAGAIN");
    });

    it("a receive() while another waits throws EBUSY at once; the first gets the next message", async () => {
      const pull = track(new zmq.Pull());
      const address = `inproc://busy-${name}`;
      await pull.bind(address);
      const first = pull.receive();
      const error = thrown(() => void pull.receive().catch(() => undefined));
      expect(error).toMatchObject({ code: "EBUSY", message: "Socket is busy reading; only one receive operation may be in progress at any time" });
      const push = track(new zmq.Push());
      push.connect(address);
      await push.send("next");
      expect((await first).map(String)).toEqual(["next"]);
    });
  });

  describe(`${name}: send() copies small frames`, () => {
    for (const [transport, size] of [
      ["tcp", 8],
      ["tcp", 128],
      ["inproc", 8],
    ] as const) {
      it(`a Buffer of ${size} bytes refilled for each of 10 messages over ${transport}: each message as it was written`, async () => {
        const pull = track(new zmq.Pull());
        await pull.bind(transport === "tcp" ? "tcp://127.0.0.1:*" : `inproc://refill-${name}-${size}`);
        const push = track(new zmq.Push());
        push.connect(pull.lastEndpoint!);
        const buffer = Buffer.alloc(size);
        for (let i = 0; i < 10; i++) {
          buffer.writeUInt32BE(i);
          await push.send(buffer);
        }
        const seen: number[] = [];
        for (let i = 0; i < 10; i++) {
          const [frame] = await pull.receive();
          expect(frame!.length).toBe(size);
          seen.push(frame!.readUInt32BE(0));
        }
        expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      });
    }

    for (const [transport, size] of [
      ["tcp", 8],
      ["tcp", 128],
      ["ipc", 64],
      ["ws", 64],
    ] as const) {
      it(`once connected, a Buffer of ${size} bytes refilled for each of 2,000 messages over ${transport}: each message as it was written`, async () => {
        const pull = track(new zmq.Pull());
        const endpoint = { tcp: "tcp://127.0.0.1:*", ipc: `ipc://${tmpdir()}/zmq-refill-${process.pid}-${name}.sock`, ws: "ws://127.0.0.1:*" }[
          transport
        ];
        await pull.bind(endpoint);
        const push = track(new zmq.Push());
        push.connect(pull.lastEndpoint!);
        // One message there and back first, so that the rest go to a connection that is up.
        await push.send("first");
        expect((await pull.receive()).map(String)).toEqual(["first"]);
        const buffer = Buffer.alloc(size);
        const sending = (async () => {
          for (let i = 0; i < 2000; i++) {
            buffer.writeUInt32BE(i);
            await push.send(buffer);
          }
        })();
        let next = 0;
        for (; next < 2000; next++) {
          const [frame] = await pull.receive();
          if (frame!.length !== size || frame!.readUInt32BE(0) !== next) break;
        }
        await sending;
        expect(next).toBe(2000);
      });
    }

    for (const transport of ["tcp", "ipc"] as const) {
      it(`a Buffer of 64 bytes refilled for each message while the connection over ${transport} is backed up: each message as it was written`, async () => {
        const pull = track(new zmq.Pull());
        await pull.bind(transport === "tcp" ? "tcp://127.0.0.1:*" : `ipc://${tmpdir()}/zmq-backed-${process.pid}-${name}.sock`);
        const push = track(new zmq.Push({ sendTimeout: 0 }));
        push.connect(pull.lastEndpoint!);
        push.sendTimeout = -1;
        await push.send("first");
        expect((await pull.receive()).map(String)).toEqual(["first"]);
        push.sendTimeout = 0;
        // Send without reading until send() would block: the socket's queue is full of messages written from one Buffer.
        const buffer = Buffer.alloc(64);
        let sent = 0;
        for (; sent < 1_000_000; sent++) {
          buffer.writeUInt32BE(sent);
          const refused = await push.send(buffer).then(
            () => false,
            (error: unknown) => (error as { code?: string }).code === "EAGAIN",
          );
          if (refused) break;
        }
        expect(sent).toBeLessThan(1_000_000);
        push.sendTimeout = -1;
        const total = sent + 1000;
        const sending = (async () => {
          for (let i = sent; i < total; i++) {
            buffer.writeUInt32BE(i);
            await push.send(buffer);
          }
        })();
        let next = 0;
        for (; next < total; next++) {
          const [frame] = await pull.receive();
          if (frame!.readUInt32BE(0) !== next) break;
        }
        await sending;
        expect(next).toBe(total);
      });
    }

    it("a Buffer of 64 bytes refilled for each of 2,000 messages published to 3 subscribers over tcp: each gets every message as it was written", async () => {
      const pub = track(new zmq.Publisher({ sendHighWaterMark: 0 }));
      await pub.bind("tcp://127.0.0.1:*");
      const subs = [0, 1, 2].map(() => {
        const sub = track(new zmq.Subscriber({ receiveHighWaterMark: 0 }));
        sub.connect(pub.lastEndpoint!);
        sub.subscribe();
        return sub;
      });
      // Publish until every subscriber hears: then all three are connected and subscribed.
      const heard = subs.map((sub) => sub.receive());
      let settled = false;
      void Promise.all(heard).then(() => (settled = true));
      while (!settled) {
        await pub.send("hello");
        await new Promise((resolve) => setImmediate(resolve));
      }
      const buffer = Buffer.alloc(64);
      const counts = subs.map(async (sub) => {
        let next = 0;
        while (next < 2000) {
          const [frame] = await sub.receive();
          if (String(frame) === "hello") continue;
          if (frame!.readUInt32BE(0) !== next) break;
          next++;
        }
        return next;
      });
      for (let i = 0; i < 2000; i++) {
        buffer.writeUInt32BE(i);
        await pub.send(buffer);
      }
      expect(await Promise.all(counts)).toEqual([2000, 2000, 2000]);
    });
  });
}

for (const [name, zmq] of implementations) {
  describe(`${name}: send() shares large frames`, () => {
    it("over inproc, a 2 KiB Buffer sent, echoed and received back is the same memory", async () => {
      const a = track(new zmq.Pair());
      const b = track(new zmq.Pair());
      await a.bind(`inproc://share-${name}`);
      b.connect(`inproc://share-${name}`);
      const original = Buffer.alloc(2048);
      await a.send(original);
      await b.send(await b.receive());
      const [final] = await a.receive();
      final!.writeUInt8(0x40, 0);
      expect(original[0]).toBe(0x40);
    });
  });

  describe(`${name}: a receive that gave up frees its turn`, () => {
    it("after a receive() timed out, the next receive() waits rather than throwing EBUSY", async () => {
      const pull = track(new zmq.Pull({ receiveTimeout: 10 }));
      await pull.bind(`inproc://gave-up-${name}`);
      expect(await pull.receive().catch((e: unknown) => (e as { code?: string }).code)).toBe("EAGAIN");
      const push = track(new zmq.Push());
      push.connect(`inproc://gave-up-${name}`);
      const next = pull.receive();
      await push.send("after");
      expect((await next).map(String)).toEqual(["after"]);
    });
  });
}

describe("zmq-ts: exclusiveOperations: false", () => {
  it("concurrent receives and sends wait their turn in order instead", async () => {
    const [, ours] = implementations[0]!;
    const context = new ours.Context({ exclusiveOperations: false } as never);
    const pull = track(new ours.Pull({ context }));
    const push = track(new ours.Push({ context, sendHighWaterMark: 1 }));
    await pull.bind("inproc://in-turn");
    const receives = [pull.receive(), pull.receive()];
    const sends = [push.send("one"), push.send("two"), push.send("three")];
    push.connect("inproc://in-turn");
    await Promise.all(sends);
    expect((await Promise.all(receives)).map((m) => m.map(String))).toEqual([["one"], ["two"]]);
    expect((await pull.receive()).map(String)).toEqual(["three"]);
  });
});
