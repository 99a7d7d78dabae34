import { describe, expect, it } from "vitest";
import { Context } from "./context.js";
import { isZmqError } from "./errors.js";
import { Observer } from "./observer.js";
import { OptionStore } from "./options.js";
import { TRANSPORT_API_VERSION, type MessageTransport } from "./transport.js";

const fakeTransport = (scheme: string, apiVersion: number = TRANSPORT_API_VERSION): MessageTransport =>
  ({
    apiVersion,
    kind: "message",
    scheme,
    bind: () => ({ endpoint: `${scheme}://x`, close: () => {} }),
    connect: () => ({ close: () => {} }),
  }) as MessageTransport;

describe("Context", () => {
  it("holds transports by scheme, with no global registry", () => {
    const a = new Context({ transports: [fakeTransport("mem")] });
    const b = new Context();
    expect(a.transport("mem").scheme).toBe("mem");
    expect(a.schemes).toEqual(["mem"]);
    expect(() => b.transport("mem")).toThrow(/no transport for "mem:\/\/"/);
  });

  it("names the package to add for an unknown scheme", () => {
    try {
      new Context({ transports: [fakeTransport("inproc")] }).transport("ipc", "ipc:///tmp/x");
      expect.fail("should throw");
    } catch (e) {
      expect(isZmqError(e, "EPROTONOSUPPORT")).toBe(true);
      expect((e as Error).message).toContain("@zmq/transport-ipc");
      expect((e as Error).message).toContain("inproc://");
      expect((e as { address?: string }).address).toBe("ipc:///tmp/x");
    }
  });

  it("refuses a transport written for another API version", () => {
    expect(() => new Context({ transports: [fakeTransport("mem", 2)] })).toThrow(/transport API 2/);
  });

  it("keeps per-transport state per Context", () => {
    const key = {};
    const a = new Context();
    const b = new Context();
    a.state(key, () => ({ n: 1 })).n++;
    expect(a.state(key, () => ({ n: 0 })).n).toBe(2);
    expect(b.state(key, () => ({ n: 7 })).n).toBe(7);
  });
});

describe("OptionStore", () => {
  it("validates with EINVAL naming the option and the value", () => {
    const o = new OptionStore();
    expect(() => o.set("linger", "x")).toThrow(`Invalid value for option 'linger': "x"`);
    expect(() => o.set("heartbeatTimeToLive", 6553600)).toThrow(/6553600/);
    expect(() => o.set("routingId", "")).toThrow(/1 to 255 bytes/);
    expect(() => o.set("routingId", "x".repeat(256))).toThrow(/routingId/);
    o.set("routingId", new Uint8Array([0, 1]));
    o.set("immediate", true);
    expect(o.get("immediate")).toBe(true);
    expect(() => o.set("immediate", 1)).toThrow(/true or false/);
  });
});

describe("Observer", () => {
  it("delivers to listeners, receivers and iterators", async () => {
    const o = new Observer();
    const heard: string[] = [];
    const listener = (e: { address: string }) => heard.push(e.address);
    o.on("bind", listener);
    o.emit({ type: "bind", address: "a" });
    o.off("bind", listener);
    o.emit({ type: "bind", address: "b" });
    expect(heard).toEqual(["a"]);
    // Nobody else listened to "b": it waits for receive().
    expect(await o.receive()).toEqual({ type: "bind", address: "b" });
    const iterated: string[] = [];
    const loop = (async () => {
      for await (const e of o) iterated.push(e.type);
    })();
    o.emit({ type: "connect:retry", address: "c", interval: 100 });
    o.emit({ type: "end" });
    await loop;
    expect(iterated).toEqual(["connect:retry", "end"]);
  });

  it("buffers at most 1000 events while nobody listens, and ends receives on close", async () => {
    const o = new Observer();
    for (let i = 0; i < 1500; i++) o.emit({ type: "accept", address: String(i) });
    let count = 0;
    o.close();
    expect(o.closed).toBe(true);
    for (;;) {
      try {
        await o.receive();
        count++;
      } catch (e) {
        expect(isZmqError(e, "EAGAIN")).toBe(true);
        break;
      }
    }
    expect(count).toBe(1000);
  });
});
