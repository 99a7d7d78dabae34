// send() and receive() as zeromq.js's, each expectation run against npm
// zeromq 6.8.0 too: one waiting send and one waiting receive per socket
// (another throws EBUSY at once), and small frames copied by send(), so a
// program that refills one Buffer for each message sends what it wrote.
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
