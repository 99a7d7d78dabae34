// What epgm:// and pgm:// accept and refuse, without sending any multicast
// (traffic tests run inside a private network namespace in apps/interop):
// addresses as libzmq reads them, only PUB / XPUB / SUB / XSUB, pgm://
// refused for want of raw sockets, and the window libzmq computes.
import { Context } from "@zmq/kernel";
import { TestPull, TestPush, createCleanup, errorCode, rejection } from "@zmq/kernel/testing";
import { afterEach, describe, expect, it } from "vitest";
// The socket packages are not dependencies of this one: their build output, by path.
import { Publisher, Subscriber } from "../../pattern-pubsub/dist/index.js";
import { epgm, parseEpgmAddress, pgm, windowSqns } from "./index.js";

const open = createCleanup();
afterEach(() => open.closeAll());

describe("epgm:// addresses", () => {
  const parse = (address: string, ipv6 = false) => parseEpgmAddress(`epgm://${address}`, address, ipv6);
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return errorCode(e);
    }
    return "none";
  };

  it("reads interface;group:port, with the interface as an address, a name or left out", () => {
    expect(parse("127.0.0.1;239.192.1.1:5555")).toMatchObject({ family: "udp4", host: "239.192.1.1", port: 5555, interface: "127.0.0.1" });
    expect(parse("eth0;239.192.1.1:5555")).toMatchObject({ host: "239.192.1.1", interface: "eth0" });
    expect(parse("239.192.1.1:5555")).toMatchObject({ host: "239.192.1.1", interface: undefined });
    expect(parse("[::1];[ff02::1]:5555", true)).toMatchObject({ family: "udp6", host: "ff02::1", interface: "::1" });
  });

  it("refuses a unicast address, a missing or wildcard port, and a multicast interface with EINVAL", () => {
    expect(code(() => parse("127.0.0.1;10.0.0.1:5555"))).toBe("EINVAL");
    expect(code(() => parse("239.192.1.1"))).toBe("EINVAL");
    expect(code(() => parse("239.192.1.1:*"))).toBe("EINVAL");
    expect(code(() => parse("239.192.1.1:0"))).toBe("EINVAL");
    expect(code(() => parse("239.0.0.2;239.192.1.1:5555"))).toBe("EINVAL");
    expect(() => parse("127.0.0.1;10.0.0.1:5555")).toThrow(expect.objectContaining({ detail: expect.stringMatching(/^Invalid epgm endpoint/) }));
  });

  it("sizes the window as libzmq's compute_sqns: rate (kbit/s) / 8 x recovery interval (ms) / TPDU", () => {
    // The defaults: 100 kbit/s, 10 s, 1500 bytes.
    expect(windowSqns(100, 10_000, 1500)).toBe(80);
    expect(windowSqns(100_000, 10_000, 1500)).toBe(83_333);
    expect(windowSqns(1, 0, 1500)).toBe(1);
  });
});

describe("which sockets use epgm://", () => {
  const context = () => new Context({ transports: [epgm(), pgm()] });

  it("PUSH, PULL and the rest are ENOCOMPATPROTO, as in libzmq", async () => {
    const c = context();
    const push = open.track(new TestPush({ context: c }));
    expect(() => push.connect("epgm://127.0.0.1;239.192.1.1:5555")).toThrow(expect.objectContaining({ code: "ENOCOMPATPROTO" }));
    const pull = open.track(new TestPull({ context: c }));
    expect(errorCode(await rejection(pull.bind("epgm://127.0.0.1;239.192.1.1:5555")))).toBe("ENOCOMPATPROTO");
  });

  it("a Subscriber or Publisher with a unicast address gets EINVAL at connect", () => {
    const c = context();
    const sub = open.track(new Subscriber({ context: c }));
    expect(() => sub.connect("epgm://127.0.0.1;10.1.2.3:5555")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    const pub = open.track(new Publisher({ context: c }));
    expect(() => pub.connect("epgm://127.0.0.1;10.1.2.3:5555")).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("pgm:// is refused with EPROTONOSUPPORT: it needs raw IP sockets", async () => {
    const c = context();
    const pub = open.track(new Publisher({ context: c }));
    expect(() => pub.connect("pgm://127.0.0.1;239.192.1.1:5555")).toThrow(
      expect.objectContaining({ code: "EPROTONOSUPPORT", detail: expect.stringMatching(/raw IP sockets/) }),
    );
    const sub = open.track(new Subscriber({ context: c }));
    const error = await rejection(sub.bind("pgm://127.0.0.1;239.192.1.1:5555"));
    expect(errorCode(error)).toBe("EPROTONOSUPPORT");
  });
});
