// tcp:// end to end with Push/Pull: addresses, wildcards, ephemeral ports,
// IPv6, hostnames, and the errors libzmq gives.
import { Context, type Event } from "@zmq/kernel";
import { createCleanup, rejection, text } from "@zmq/kernel/testing";
import { Pull, Push } from "@zmq/pattern-pipeline";
import { afterEach, describe, expect, it } from "vitest";
import { parseTcpAddress, tcp } from "./index.js";

const context = new Context({ transports: [tcp()] });
const open = createCleanup();
afterEach(open.closeAll);
const pull = (o: Record<string, unknown> = {}) => open.track(new Pull({ context, linger: 0, ...o }));
const push = (o: Record<string, unknown> = {}) => open.track(new Push({ context, linger: 0, ...o }));

async function roundTrip(bindTo: string, connectVia?: (bound: string) => string): Promise<string> {
  const rx = pull();
  await rx.bind(bindTo);
  const tx = push();
  tx.connect(connectVia ? connectVia(rx.lastEndpoint!) : rx.lastEndpoint!);
  await tx.send(["over", "tcp"]);
  expect(text(await rx.receive())).toEqual(["over", "tcp"]);
  return rx.lastEndpoint!;
}

describe("tcp addresses", () => {
  it("parses libzmq's forms", () => {
    expect(parseTcpAddress("u", "127.0.0.1:5555", false)).toEqual({ host: "127.0.0.1", port: 5555 });
    expect(parseTcpAddress("u", "*:*", true)).toEqual({ host: "*", port: 0 });
    expect(parseTcpAddress("u", "[::1]:0", true)).toEqual({ host: "::1", port: 0 });
    expect(parseTcpAddress("u", "localhost:80", false)).toEqual({ host: "localhost", port: 80 });
    expect(parseTcpAddress("u", "10.0.0.1:1;127.0.0.1:7", false)).toEqual({ host: "127.0.0.1", port: 7 });
    for (const [address, bind] of [
      ["127.0.0.1", false],
      ["127.0.0.1:abc", true],
      ["127.0.0.1:65536", true],
      [":5555", true],
      ["::1:5555", true],
      ["[::1:5555", true],
      ["[1.2.3.4]:5", true],
      ["*:5555", false],
      ["127.0.0.1:*", false],
      ["127.0.0.1:0", false],
    ] as const) {
      expect(() => parseTcpAddress(`tcp://${address}`, address, bind), address).toThrow(
        expect.objectContaining({ detail: expect.stringMatching(/Invalid tcp endpoint/) }),
      );
    }
  });

  it("binds an ephemeral port and reports it (127.0.0.1:* and :0)", async () => {
    expect(await roundTrip("tcp://127.0.0.1:*")).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const ep = await roundTrip("tcp://127.0.0.1:0");
    expect(Number(ep.split(":").pop())).toBeGreaterThan(0);
  });

  it("binds tcp://*:* on every interface as 0.0.0.0, reachable on loopback", async () => {
    const ep = await roundTrip("tcp://*:*", (bound) => bound.replace("0.0.0.0", "127.0.0.1"));
    expect(ep).toMatch(/^tcp:\/\/0\.0\.0\.0:\d+$/);
  });

  it("speaks IPv6 on [::1]", async () => {
    expect(await roundTrip("tcp://[::1]:*")).toMatch(/^tcp:\/\/\[::1\]:\d+$/);
  });

  it("resolves hostnames: bind localhost, connect by name", async () => {
    const ep = await roundTrip("tcp://localhost:*", (bound) => bound.replace("127.0.0.1", "localhost"));
    expect(ep).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
  });

  it("accepts keepalive and connect-timeout options", async () => {
    const rx = pull();
    await rx.bind("tcp://127.0.0.1:*");
    const tx = push({ tcpKeepalive: 1, tcpKeepaliveIdle: 30, connectTimeout: 500 });
    tx.connect(rx.lastEndpoint!);
    await tx.send("kept alive");
    expect(text(await rx.receive())).toEqual(["kept alive"]);
  });
});

describe("tcp errors", () => {
  it("EADDRINUSE with the address, and a bind:error event", async () => {
    const first = pull();
    await first.bind("tcp://127.0.0.1:*");
    const second = pull();
    const events: Event[] = [];
    second.events.on("bind:error", (e) => events.push(e));
    const e = await rejection(second.bind(first.lastEndpoint!));
    expect([e.code, e.errno, e.address]).toEqual(["EADDRINUSE", 98, first.lastEndpoint]);
    expect(events).toMatchObject([{ type: "bind:error", error: { code: "EADDRINUSE" } }]);
  });

  it("EINVAL for malformed endpoints: bind rejects, connect throws", async () => {
    const s = pull();
    for (const bad of ["tcp://", "tcp://127.0.0.1:abc", "tcp://127.0.0.1"]) {
      const e = await rejection(s.bind(bad));
      expect([e.code, e.address]).toEqual(["EINVAL", bad]);
    }
    expect(() => push().connect("tcp://127.0.0.1")).toThrow(expect.objectContaining({ code: "EINVAL" }) as Error);
    expect(() => push().connect("tcp://*:5555")).toThrow(expect.objectContaining({ detail: expect.stringMatching(/cannot connect to \*/) }));
  });

  it("ENODEV for a name that does not resolve", async () => {
    const e = await rejection(pull().bind("tcp://no-such-host.invalid:*"));
    expect(e.code).toBe("ENODEV");
  });

  it("unbind closes the listener: new connects are refused, with a close event", async () => {
    const rx = pull();
    await rx.bind("tcp://127.0.0.1:*");
    const ep = rx.lastEndpoint!;
    const closes: Event[] = [];
    rx.events.on("close", (e) => closes.push(e));
    await rx.unbind(ep);
    expect(closes).toEqual([{ type: "close", address: ep }]);
    const tx = push({ reconnectInterval: 10 });
    const retried = new Promise<Event>((r) => tx.events.on("connect:retry", r));
    tx.connect(ep);
    expect(await retried).toMatchObject({ type: "connect:retry", address: ep });
  });
});
