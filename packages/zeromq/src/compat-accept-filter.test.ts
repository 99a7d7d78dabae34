// tcpAcceptFilter (ZMQ_TCP_ACCEPT_FILTER), each expectation run against npm
// zeromq 6.8.0 too: each value adds a filter (an address, optionally with a
// prefix length), null clears them, a bad value is EINVAL and the option
// cannot be read back; a tcp listener closes a peer that matches no filter
// (accept:error) and delivers nothing from it.
import { describe, expect, it } from "vitest";
import { type Impl, closeAfterEach, implementations, track } from "./testing/compat.js";

closeAfterEach();

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

/** A Pull with the filters, bound at `bind`, and a Push connected to it from 127.0.0.1: what the Pull receives, or EAGAIN. */
async function attempt(zmq: Impl, filters: (string | null)[], options: { ipv6?: boolean; bind?: string } = {}) {
  const pull = track(new zmq.Pull({ linger: 0, receiveTimeout: 400, ipv6: options.ipv6 ?? false }));
  for (const filter of filters) pull.tcpAcceptFilter = filter;
  const refused = new Promise<{ type: string }>((resolve) => pull.events.on("accept:error", resolve));
  await pull.bind(options.bind ?? "tcp://127.0.0.1:*");
  const port = pull.lastEndpoint!.split(":").pop()!;
  const push = track(new zmq.Push({ linger: 0, reconnectInterval: 50 }));
  push.connect(`tcp://127.0.0.1:${port}`);
  void push.send("knock").catch(() => undefined);
  const received = await pull.receive().then(
    (msg) => msg.map(String).join(),
    (e: { code?: string }) => e.code,
  );
  return { received, refused };
}

for (const [name, zmq] of implementations) {
  describe(`${name}: tcpAcceptFilter`, () => {
    it("takes addresses with optional prefix lengths, refuses malformed ones with EINVAL, and cannot be read", () => {
      const s = track(new zmq.Pull({ linger: 0 }));
      for (const ok of ["127.0.0.1", "10.0.0.0/8", "10.0.0.0/0", "10.0.0.0/8x", "1.2.3.4/32", null]) {
        expect(codeOf(() => (s.tcpAcceptFilter = ok))).toBeUndefined();
      }
      for (const bad of ["10.0.0.0/", "10.0.0.0/33", "10.0.0.0/abc", "localhost", "", "::1"]) {
        expect([bad, codeOf(() => (s.tcpAcceptFilter = bad))]).toEqual([bad, "EINVAL"]);
      }
      expect(codeOf(() => s.tcpAcceptFilter)).toBe("EINVAL");
      const v6 = track(new zmq.Pull({ linger: 0, ipv6: true }));
      for (const ok of ["::1", "fe80::/10", "::ffff:127.0.0.1", "2001:db8::/128"]) expect(codeOf(() => (v6.tcpAcceptFilter = ok))).toBeUndefined();
      expect(codeOf(() => (v6.tcpAcceptFilter = "::1/129"))).toBe("EINVAL");
    });

    it("a peer that matches a filter is accepted", async () => {
      expect((await attempt(zmq, ["10.0.0.0/8", "127.0.0.0/8"])).received).toBe("knock");
    });

    it("a peer that matches no filter is closed with accept:error and nothing it sent is delivered", async () => {
      const { received, refused } = await attempt(zmq, ["10.0.0.0/8", "127.0.0.2"]);
      expect(received).toBe("EAGAIN");
      expect(await refused).toMatchObject({ type: "accept:error" });
    });

    it("null clears the filters", async () => {
      expect((await attempt(zmq, ["10.0.0.0/8", null])).received).toBe("knock");
    });

    it("with ipv6, on a dual-stack listener, an IPv4 filter matches an IPv4 peer and an IPv6 one does not", async () => {
      expect((await attempt(zmq, ["127.0.0.1"], { ipv6: true, bind: "tcp://*:*" })).received).toBe("knock");
      expect((await attempt(zmq, ["::ffff:127.0.0.1"], { ipv6: true, bind: "tcp://*:*" })).received).toBe("knock");
      expect((await attempt(zmq, ["::1"], { ipv6: true, bind: "tcp://*:*" })).received).toBe("EAGAIN");
    });

    it("a listener keeps the filters it was bound with", async () => {
      const pull = track(new zmq.Pull({ linger: 0, receiveTimeout: 400 }));
      pull.tcpAcceptFilter = "10.0.0.0/8";
      await pull.bind("tcp://127.0.0.1:*");
      pull.tcpAcceptFilter = null; // later binds only
      const push = track(new zmq.Push({ linger: 0 }));
      push.connect(pull.lastEndpoint!);
      void push.send("knock").catch(() => undefined);
      expect(await pull.receive().catch((e: { code?: string }) => e.code)).toBe("EAGAIN");
    });
  });
}
