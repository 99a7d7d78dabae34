// zeromq.js v6's socket and context options: names, libzmq's defaults and
// ranges, the errors (TypeError for a wrong type, EINVAL for a value libzmq
// refuses) and the low-level numbered methods. Each expectation runs against
// npm zeromq 6.8.0 too, so it is what the real thing does.
import { describe, expect, it } from "vitest";
import type * as real from "zeromq";
import { closeAfterEach, implementations, thrown, track } from "./testing/compat.js";

closeAfterEach();

interface LowLevel {
  getBoolOption(option: number): boolean;
  setBoolOption(option: number, value: boolean): void;
  getInt32Option(option: number): number;
  setInt32Option(option: number, value: number): void;
  getUint32Option(option: number): number;
  getInt64Option(option: number): number;
  getStringOption(option: number): string | null;
  setStringOption(option: number, value: string | null): void;
}

/** libzmq 4.3.5's defaults, as zeromq.js reads them from a new Dealer. */
const DEFAULTS: [string, unknown][] = [
  ["linger", -1],
  ["sendHighWaterMark", 1000],
  ["receiveHighWaterMark", 1000],
  ["sendTimeout", -1],
  ["receiveTimeout", -1],
  ["immediate", false],
  ["routingId", null],
  ["reconnectInterval", 100],
  ["reconnectMaxInterval", 0],
  ["maxMessageSize", -1],
  ["backlog", 100],
  ["ipv6", false],
  ["tcpKeepalive", -1],
  ["tcpKeepaliveIdle", -1],
  ["tcpKeepaliveCount", -1],
  ["tcpKeepaliveInterval", -1],
  ["tcpMaxRetransmitTimeout", 0],
  ["sendBufferSize", -1],
  ["receiveBufferSize", -1],
  ["multicastHops", 1],
  ["affinity", 0],
  ["rate", 100],
  ["recoveryInterval", 10000],
  ["typeOfService", 0],
  ["socksProxy", null],
  ["multicastMaxTransportDataUnit", 1500],
  ["interface", null],
  ["zapDomain", null],
  ["zapEnforceDomain", false],
  ["loopbackFastPath", false],
  ["handshakeInterval", 30000],
  ["heartbeatInterval", 0],
  ["heartbeatTimeToLive", 0],
  ["heartbeatTimeout", -1],
  ["connectTimeout", 0],
  ["plainServer", false],
  ["plainUsername", null],
  ["plainPassword", null],
  ["securityMechanism", null],
  ["threadSafe", false],
  ["type", 5],
  ["lastEndpoint", null],
];

/** Values libzmq refuses: EINVAL, errno 22. */
const OUT_OF_RANGE: [string, unknown][] = [
  ["linger", -2],
  ["rate", 0],
  ["recoveryInterval", -1],
  ["multicastHops", 0],
  ["sendBufferSize", -2],
  ["typeOfService", -1],
  ["multicastMaxTransportDataUnit", 0],
  ["tcpMaxRetransmitTimeout", -1],
  ["routingId", ""],
];

/** Values of the wrong JavaScript type: a TypeError with zeromq.js's message. */
const WRONG_TYPE: [string, unknown, string][] = [
  ["linger", "x", "Option value must be a number"],
  ["sendHighWaterMark", null, "Option value must be a number"],
  ["linger", undefined, "Option value must be a number"],
  ["immediate", 1, "Option value must be a boolean"],
  ["zapEnforceDomain", 1, "Option value must be a boolean"],
  ["zapDomain", 5, "Option value must be a string or buffer"],
  ["routingId", 5, "Option value must be a string or buffer"],
];

for (const [name, zmq] of implementations) {
  describe(`socket options of ${name}`, () => {
    it("every option zeromq.js has, with libzmq's defaults", () => {
      const dealer = track(new zmq.Dealer()) as unknown as Record<string, unknown>;
      for (const [option, value] of DEFAULTS) expect(dealer[option], option).toEqual(value);
    });

    it("options whose transport is missing here are stored and read back", () => {
      const dealer = track(new zmq.Dealer()) as unknown as Record<string, unknown>;
      for (const [option, value] of [
        ["rate", 200],
        ["recoveryInterval", 5000],
        ["multicastHops", 4],
        ["sendBufferSize", 65536],
        ["receiveBufferSize", 65536],
        ["typeOfService", 16],
        ["socksProxy", "127.0.0.1:1080"],
        ["interface", "lo"],
        ["loopbackFastPath", true],
        ["multicastMaxTransportDataUnit", 9000],
        ["tcpKeepaliveCount", 3],
        ["tcpKeepaliveInterval", 10],
      ] as const) {
        dealer[option] = value;
        expect(dealer[option], option).toBe(value);
      }
    });

    it("EINVAL (errno 22, libzmq's message) for a value libzmq refuses, keeping the old value", () => {
      const dealer = track(new zmq.Dealer()) as unknown as Record<string, unknown>;
      for (const [option, value] of OUT_OF_RANGE) {
        const before = dealer[option];
        const e = thrown(() => (dealer[option] = value));
        expect(e, option).toBeInstanceOf(Error);
        expect(e!.code, option).toBe("EINVAL");
        expect(e!.errno, option).toBe(22);
        expect(dealer[option], option).toEqual(before);
      }
    });

    it("a TypeError with zeromq.js's message for a value of the wrong type", () => {
      const dealer = track(new zmq.Dealer()) as unknown as Record<string, unknown>;
      for (const [option, value, message] of WRONG_TYPE) {
        const e = thrown(() => (dealer[option] = value));
        expect(e, option).toBeInstanceOf(TypeError);
        expect(e!.message, option).toBe(message);
      }
      expect(thrown(() => new zmq.Dealer({ linger: "x" } as never))).toBeInstanceOf(TypeError);
    });

    it("a fractional number is truncated", () => {
      const dealer = track(new zmq.Dealer());
      dealer.linger = 1.9;
      expect(dealer.linger).toBe(1);
    });

    it("an unknown constructor option is a TypeError", () => {
      const e = thrown(() => track(new zmq.Dealer({ bogus: 1 } as never)));
      expect(e).toBeInstanceOf(TypeError);
      expect(e!.message).toBe("Cannot add property bogus, object is not extensible");
    });

    it("securityMechanism follows the options: null, then plain", () => {
      const dealer = track(new zmq.Dealer());
      expect(dealer.securityMechanism).toBeNull();
      dealer.plainServer = true;
      expect(dealer.securityMechanism).toBe("plain");
    });

    it("the low-level methods read and write by libzmq's option numbers", () => {
      // zeromq.js's type declarations mark these protected; they are public methods of its sockets all the same.
      const dealer = track(new zmq.Dealer()) as unknown as LowLevel & real.Dealer;
      expect(dealer.getInt32Option(17)).toBe(-1);
      dealer.setInt32Option(17, 5);
      expect(dealer.linger).toBe(5);
      expect(dealer.getInt32Option(23)).toBe(1000);
      expect(dealer.getBoolOption(39)).toBe(false);
      dealer.setBoolOption(39, true);
      expect(dealer.immediate).toBe(true);
      expect(dealer.getStringOption(32)).toBeNull();
      dealer.setStringOption(55, "global");
      expect(dealer.zapDomain).toBe("global");
      expect(dealer.getStringOption(55)).toBe("global");
      expect(dealer.getInt64Option(22)).toBe(-1);
      expect(dealer.getUint32Option(57)).toBe(0);
      const unknown = thrown(() => dealer.getInt32Option(9999));
      expect(unknown!.code).toBe("EINVAL");
      expect(thrown(() => dealer.setInt32Option(17, "x" as never))).toBeInstanceOf(TypeError);
      expect(thrown(() => dealer.setInt32Option(17, "x" as never))!.message).toBe("Option value must be a number");
    });
  });

  describe(`Context options of ${name}`, () => {
    it("libzmq's defaults, and values given to the constructor", () => {
      const context = new zmq.Context();
      expect([context.ioThreads, context.maxSockets, context.maxSocketsLimit, context.maxMessageSize, context.ipv6]).toEqual([
        1,
        1023,
        65535,
        2147483647,
        false,
      ]);
      const custom = new zmq.Context({ ioThreads: 2, maxSockets: 10, ipv6: true });
      expect([custom.ioThreads, custom.maxSockets, custom.ipv6]).toEqual([2, 10, true]);
      expect(new zmq.Context({ threadPriority: 5 }).threadPriority).toBeUndefined();
    });

    it("EINVAL for values libzmq refuses, TypeError for the wrong type and for the read-only limit", () => {
      for (const options of [{ ioThreads: -1 }, { maxSockets: 0 }, { maxMessageSize: -1 }]) {
        const e = thrown(() => new zmq.Context(options));
        expect(e?.code, JSON.stringify(options)).toBe("EINVAL");
      }
      const context = new zmq.Context();
      expect(thrown(() => ((context as unknown as Record<string, unknown>).ioThreads = "2"))).toBeInstanceOf(TypeError);
      expect(thrown(() => ((context as unknown as Record<string, unknown>).maxSocketsLimit = 5))).toBeInstanceOf(TypeError);
      expect(thrown(() => new zmq.Context({ bogus: 1 } as never))).toBeInstanceOf(TypeError);
    });

    it("maxSockets: a socket beyond it is EMFILE; a closed one frees its slot; set after the first socket, it no longer applies", async () => {
      const context = new zmq.Context({ maxSockets: 2 });
      const a = track(new zmq.Pair({ context }));
      track(new zmq.Pair({ context }));
      const e = thrown(() => track(new zmq.Pair({ context })));
      expect([e?.code, e?.errno, e?.message]).toEqual(["EMFILE", 24, "Too many open file descriptors"]);
      a.close();
      // libzmq frees the slot on its reaper thread, a moment after close(); ours at once.
      let again: Error | undefined = new Error("not tried");
      for (let turn = 0; turn < 100 && again; turn++) {
        if (turn > 0) await new Promise((resolve) => setImmediate(resolve));
        again = thrown(() => track(new zmq.Pair({ context })));
        if (again) expect(again).toMatchObject({ code: "EMFILE" });
      }
      expect(again).toBeUndefined();
      // libzmq sizes a context's socket slots once, at its first socket.
      const started = new zmq.Context();
      track(new zmq.Pair({ context: started }));
      started.maxSockets = 1;
      expect(started.maxSockets).toBe(1);
      expect(thrown(() => track(new zmq.Pair({ context: started })))).toBeUndefined();
    });

    it("the low-level methods by libzmq's context option numbers", () => {
      const context = new zmq.Context() as unknown as LowLevel & real.Context;
      expect(context.getInt32Option(1)).toBe(1);
      context.setInt32Option(2, 100);
      expect(context.maxSockets).toBe(100);
      expect(context.getInt32Option(3)).toBe(65535);
      expect(context.getBoolOption(42)).toBe(false);
    });
  });
}

for (const [name, zmq] of implementations) {
  describe(`${name}: option values as libzmq stores them`, () => {
    it("a C int option takes a number modulo 2^32, signed: 1e10 is 1410065408, 2^31 is negative and refused", () => {
      const dealer = track(new zmq.Dealer());
      dealer.receiveTimeout = 1e10;
      expect(dealer.receiveTimeout).toBe(1410065408);
      expect(thrown(() => (dealer.sendTimeout = 2 ** 31))).toMatchObject({ code: "EINVAL" });
      expect(dealer.sendTimeout).toBe(-1);
      // A 64-bit option keeps large values.
      dealer.affinity = 2 ** 40;
      expect(dealer.affinity).toBe(2 ** 40);
    });

    it("heartbeatTimeToLive keeps whole deciseconds: 1234 reads 1200, 50 reads 0", () => {
      const dealer = track(new zmq.Dealer());
      dealer.heartbeatTimeToLive = 1234;
      expect(dealer.heartbeatTimeToLive).toBe(1200);
      dealer.heartbeatTimeToLive = 50;
      expect(dealer.heartbeatTimeToLive).toBe(0);
    });

    it("a Context's ipv6 is the default of the sockets made on it", () => {
      const context = new zmq.Context({ ipv6: true });
      expect(track(new zmq.Dealer({ context })).ipv6).toBe(true);
      expect(track(new zmq.Dealer({ context, ipv6: false })).ipv6).toBe(false);
      expect(track(new zmq.Dealer()).ipv6).toBe(false);
    });
  });
}
