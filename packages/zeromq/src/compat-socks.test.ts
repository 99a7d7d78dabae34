// socksProxy (ZMQ_SOCKS_PROXY), each expectation run against npm zeromq
// 6.8.0 too, through a SOCKS5 proxy in this process: a tcp connect goes
// through the proxy, which is asked for the endpoint's host (an IPv4
// address as 4 bytes, a name as the name) and port, offered no
// authentication only; a refused CONNECT delivers nothing and is retried
// (that one against zmq-ts only: libzmq 4.3.5 aborts there).
import { afterEach, describe, expect, it } from "vitest";
import { closeAfterEach, implementations, track } from "./testing/compat.js";
import { type SocksProxy, startSocksProxy } from "./testing/socks-proxy.js";

closeAfterEach();
const proxies: SocksProxy[] = [];
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
});
const proxy = async (options?: { refuse?: number }) => {
  const p = await startSocksProxy(options);
  proxies.push(p);
  return p;
};

for (const [name, zmq] of implementations) {
  describe(`${name}: socksProxy`, () => {
    it("a tcp connect goes through the proxy, which is asked for the IPv4 address and port; messages flow both ways", async () => {
      const socks = await proxy();
      const router = track(new zmq.Router({ linger: 0 }));
      await router.bind("tcp://127.0.0.1:*");
      const port = Number(router.lastEndpoint!.split(":").pop());
      const dealer = track(new zmq.Dealer({ linger: 0, socksProxy: socks.address, routingId: "via-proxy" }));
      expect(dealer.socksProxy).toBe(socks.address);
      dealer.connect(router.lastEndpoint!);
      await dealer.send("hello");
      const [id, body] = await router.receive();
      expect([id!.toString(), body!.toString()]).toEqual(["via-proxy", "hello"]);
      await router.send([id!, "back"]);
      expect((await dealer.receive()).map(String)).toEqual(["back"]);
      expect(socks.requests).toEqual([{ methods: [0], addressType: 1, host: "127.0.0.1", port }]);
    });

    it("a host name is passed to the proxy as a name, for it to resolve", async () => {
      const socks = await proxy();
      const pull = track(new zmq.Pull({ linger: 0 }));
      await pull.bind("tcp://127.0.0.1:*");
      const port = Number(pull.lastEndpoint!.split(":").pop());
      const push = track(new zmq.Push({ linger: 0, socksProxy: socks.address }));
      push.connect(`tcp://localhost:${port}`);
      await push.send("by name");
      expect((await pull.receive()).map(String)).toEqual(["by name"]);
      expect(await socks.nextRequest()).toEqual({ methods: [0], addressType: 3, host: "localhost", port });
    });
  });
}

// zmq-ts only: libzmq 4.3.5 aborts the process when the proxy refuses ("Bad file descriptor (epoll.cpp:86)", from its
// SOCKS connecter's error path), so npm zeromq cannot run this one.
describe("zmq-ts: socksProxy refused", () => {
  const zmq = implementations[0]![1];
  it("a CONNECT the proxy refuses delivers nothing, and the socket tries again", async () => {
    const socks = await proxy({ refuse: 5 });
    const pull = track(new zmq.Pull({ linger: 0, receiveTimeout: 300 }));
    await pull.bind("tcp://127.0.0.1:*");
    const push = track(new zmq.Push({ linger: 0, socksProxy: socks.address, reconnectInterval: 20 }));
    push.connect(pull.lastEndpoint!);
    void push.send("refused").catch(() => undefined);
    await socks.nextRequest();
    await socks.nextRequest(); // a second attempt
    expect(await pull.receive().catch((e: { code?: string }) => e.code)).toBe("EAGAIN");
  });
});
