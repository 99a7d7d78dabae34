import { describe, expect, it } from "vitest";
import { Context } from "./context.js";
import { isZmqError } from "./errors.js";
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
    expect(() => b.transport("mem")).toThrow(expect.objectContaining({ detail: expect.stringMatching(/no transport for "mem:\/\/"/) }));
  });

  it("names the package to add for an unknown scheme", () => {
    try {
      new Context({ transports: [fakeTransport("inproc")] }).transport("ipc", "ipc:///tmp/x");
      expect.fail("should throw");
    } catch (e) {
      expect(isZmqError(e, "EPROTONOSUPPORT")).toBe(true);
      expect((e as { detail?: string }).detail).toContain("@zmq/transport-ipc");
      expect((e as { detail?: string }).detail).toContain("inproc://");
      expect((e as { address?: string }).address).toBe("ipc:///tmp/x");
    }
  });

  it("refuses a transport written for another API version", () => {
    const other = TRANSPORT_API_VERSION + 1;
    expect(() => new Context({ transports: [fakeTransport("mem", other)] })).toThrow(
      expect.objectContaining({ detail: expect.stringMatching(new RegExp(`transport API ${other}`)) }),
    );
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
