// ZAP for NULL security (RFC 27; zeromq.js's docs: "For NULL security, ZAP
// authentication only happens if you set a non-empty domain"), each
// expectation run against npm zeromq 6.8.0 too: a server with a ZAP domain
// asks the handler, with mechanism "NULL" and no credentials, and admits or
// refuses the peer by its answer; without a domain nobody is asked.
import { describe, expect, it } from "vitest";
import { type Impl, closeAfterEach, implementations, track } from "./testing/compat.js";

closeAfterEach();

/** A ZAP handler in `context` answering every request with `status`; resolves each request's frames as text. */
async function zapHandler(zmq: Impl, context: InstanceType<Impl["Context"]>, status: string): Promise<string[][]> {
  const asked: string[][] = [];
  const zap = track(new zmq.Router({ context, linger: 0 }));
  await zap.bind("inproc://zeromq.zap.01");
  void (async () => {
    try {
      for await (const [peer, empty, version, id, ...rest] of zap) {
        asked.push([version, id, ...rest].map((f) => f!.toString()));
        await zap.send([peer!, empty!, version!, id!, status, status === "200" ? "OK" : "No", status === "200" ? "user-1" : "", ""]);
      }
    } catch {
      // closed with the test
    }
  })();
  return asked;
}

for (const [name, zmq] of implementations) {
  describe(`${name}: ZAP for NULL`, () => {
    it("a server with a ZAP domain asks the handler (mechanism NULL, no credentials) and admits on 200", async () => {
      const context = new zmq.Context();
      const asked = await zapHandler(zmq, context, "200");
      const pull = track(new zmq.Pull({ context, zapDomain: "test-domain", linger: 0 }));
      await pull.bind("tcp://127.0.0.1:*");
      const push = track(new zmq.Push({ linger: 0 }));
      push.connect(pull.lastEndpoint!);
      await push.send("admitted");
      expect((await pull.receive()).map(String)).toEqual(["admitted"]);
      expect(asked).toHaveLength(1);
      // version, request id, domain, address, identity, mechanism: nothing after it.
      expect([asked[0]![0], asked[0]![2], asked[0]![3], asked[0]![5], asked[0]!.length]).toEqual(["1.0", "test-domain", "127.0.0.1", "NULL", 6]);
    });

    it("a 400 refuses the peer: the server reports handshake:error:auth and delivers nothing", async () => {
      const context = new zmq.Context();
      await zapHandler(zmq, context, "400");
      const pull = track(new zmq.Pull({ context, zapDomain: "test-domain", linger: 0, receiveTimeout: 300 }));
      const refused = new Promise<unknown>((resolve) => pull.events.on("handshake:error:auth", resolve));
      await pull.bind("tcp://127.0.0.1:*");
      const push = track(new zmq.Push({ linger: 0, reconnectInterval: -1 }));
      push.connect(pull.lastEndpoint!);
      void push.send("refused").catch(() => undefined);
      expect(await refused).toMatchObject({ type: "handshake:error:auth" });
      expect(await pull.receive().catch((e: unknown) => (e as { code?: string }).code)).toBe("EAGAIN");
    });

    it("without a ZAP domain the handler is not asked", async () => {
      const context = new zmq.Context();
      const asked = await zapHandler(zmq, context, "400");
      const pull = track(new zmq.Pull({ context, linger: 0 }));
      await pull.bind("tcp://127.0.0.1:*");
      const push = track(new zmq.Push({ linger: 0 }));
      push.connect(pull.lastEndpoint!);
      await push.send("no zap");
      expect((await pull.receive()).map(String)).toEqual(["no zap"]);
      expect(asked).toEqual([]);
    });
  });
}
