// Every malformed input gives a typed WireError naming the field and value.
import { describe, expect, it } from "vitest";
import {
  FrameDecoder,
  type FrameDecoderOptions,
  FrameEncoder,
  GreetingExchange,
  WireError,
  decodeCommand,
  decodeMetadata,
  encodeCommand,
  encodeCommandBody,
  encodeGreeting,
  encodeMetadata,
  parseCommandBody,
  z85Decode,
  z85Encode,
} from "./index.js";

function decodeAll(bytes: number[] | Uint8Array, options: FrameDecoderOptions = {}) {
  const messages: Uint8Array[][] = [];
  const commands: Uint8Array[] = [];
  const decoder = new FrameDecoder({ onMessage: (m) => messages.push(m), onCommand: (c) => commands.push(c) }, options);
  decoder.feed(Uint8Array.from(bytes));
  return { messages, commands, decoder };
}

function thrown(fn: () => unknown): WireError {
  try {
    fn();
  } catch (e) {
    expect(WireError.is(e)).toBe(true);
    return e as WireError;
  }
  throw new Error("expected a WireError");
}

describe("frame errors", () => {
  it("refuses a 2^63 frame length without allocating", () => {
    const e = thrown(() => decodeAll([0x02, 0x80, 0, 0, 0, 0, 0, 0, 0]));
    expect(e.code).toBe("ZMTP_FRAME_TOO_LARGE");
    expect(e.field).toBe("size");
    expect(e.value).toBe("9223372036854775808");
  });

  it("enforces maxMessageSize per frame, as libzmq", () => {
    expect(decodeAll([0x00, 4, 1, 2, 3, 4], { maxMessageSize: 4 }).messages).toHaveLength(1);
    const e = thrown(() => decodeAll([0x00, 5, 1, 2, 3, 4, 5], { maxMessageSize: 4 }));
    expect(e.code).toBe("ZMTP_FRAME_TOO_LARGE");
    expect(e.value).toBe(5);
    expect(e.message).toContain("maxMessageSize 4");
  });

  it("refuses maxMessageSize it cannot use", () => {
    expect(thrown(() => decodeAll([], { maxMessageSize: -2 })).code).toBe("EINVAL");
  });

  it("closes after an error", () => {
    const decoder = new FrameDecoder({ onMessage: () => {}, onCommand: () => {} }, { maxMessageSize: 0 });
    expect(() => decoder.feed(Uint8Array.of(0, 1, 9))).toThrow(WireError);
    const again = thrown(() => decoder.feed(Uint8Array.of(0, 0)));
    expect(again.code).toBe("ZMTP_FRAME_TOO_LARGE");
  });

  it("hands over a body that arrives as a chunk of its own without copying it", () => {
    const body = new Uint8Array(100_000).fill(3);
    const chunks = new FrameEncoder().encodeMessage([body]);
    expect(chunks).toHaveLength(2);
    const got: Uint8Array[] = [];
    const decoder = new FrameDecoder({ onMessage: (m) => got.push(...m), onCommand: () => {} });
    for (const c of chunks) decoder.feed(c);
    expect(got[0]!.buffer).toBe(body.buffer);
  });

  it("holds a truncated frame without delivering it", () => {
    const { messages, decoder } = decodeAll([0x00, 10, 1, 2, 3]);
    expect(messages).toHaveLength(0);
    expect(decoder.buffered).toBe(3);
    expect(decoder.idle).toBe(false);
  });

  it("refuses COMMAND frames in ZMTP 2.0 framing", () => {
    const e = thrown(() => decodeAll([0x04, 1, 1], { framing: "zmtp2" }));
    expect(e.code).toBe("ZMTP_BAD_FRAME");
    expect(e.value).toBe(4);
  });

  it("refuses a zero ZMTP 1.0 length", () => {
    expect(thrown(() => decodeAll([0x00, 0x00], { framing: "zmtp1" })).code).toBe("ZMTP_BAD_FRAME");
  });

  it("decodes ZMTP 1.0 frames, short and long", () => {
    const long = new Uint8Array(300).fill(7);
    const bytes = [4, 1, 9, 9, 9, 0xff, 0, 0, 0, 0, 0, 0, 0x01, 0x2d, 0, ...long];
    const { messages } = decodeAll(bytes, { framing: "zmtp1" });
    expect(messages).toEqual([[Uint8Array.of(9, 9, 9), long]]);
  });

  it("ignores reserved flag bits and MORE on commands, as libzmq", () => {
    const { messages, commands } = decodeAll([0xf0, 1, 65, 0x05, 2, 1, 66]);
    expect(messages).toEqual([[Uint8Array.of(65)]]);
    expect(commands).toEqual([Uint8Array.of(1, 66)]);
  });
});

describe("command errors", () => {
  it("refuses an empty command", () => {
    const e = thrown(() => parseCommandBody(new Uint8Array(0)));
    expect(e.code).toBe("ZMTP_MALFORMED_COMMAND");
  });

  it("refuses a name length past the end", () => {
    const e = thrown(() => parseCommandBody(Uint8Array.of(9, 65, 66)));
    expect(e.code).toBe("ZMTP_MALFORMED_COMMAND");
    expect(e.field).toBe("command name length");
    expect(e.value).toBe(9);
  });

  it("refuses a PING without its ttl", () => {
    const e = thrown(() => decodeCommand(parseCommandBody(encodeCommandBody("PING", Uint8Array.of(1)))));
    expect(e.code).toBe("ZMTP_MALFORMED_COMMAND");
    expect(e.field).toBe("ttl");
  });

  it("refuses a truncated ERROR reason", () => {
    const e = thrown(() => decodeCommand(parseCommandBody(encodeCommandBody("ERROR", Uint8Array.of(5, 65)))));
    expect(e.code).toBe("ZMTP_MALFORMED_COMMAND");
    expect(e.protocolError).toBe(0x10000015);
  });

  it("refuses bad arguments when encoding", () => {
    expect(thrown(() => encodeCommand({ name: "PING", ttl: 70000, context: new Uint8Array(0) })).code).toBe("EINVAL");
    expect(thrown(() => encodeCommand({ name: "PING", ttl: 1, context: new Uint8Array(17) })).field).toBe("context");
    expect(thrown(() => encodeCommand({ name: "ERROR", reason: "x".repeat(256) })).field).toBe("reason");
    expect(thrown(() => encodeCommandBody("")).code).toBe("EINVAL");
  });

  it("reads libzmq 4.3's mangled PLAIN ERROR (5E 'RROR') as ERROR", () => {
    // Bytes a libzmq 4.3.5 PLAIN server sent after its ZAP handler said 400.
    const commands: Uint8Array[] = [];
    new FrameDecoder({ onMessage: () => {}, onCommand: (c) => commands.push(c) }).feed(Uint8Array.from(Buffer.from("04095e52524f5203343030", "hex")));
    expect(decodeCommand(parseCommandBody(commands[0]!))).toEqual({ name: "ERROR", reason: "400" });
    // A real command whose name starts with RROR and fits is left alone.
    const long = encodeCommandBody("R".repeat(94), Uint8Array.of(1));
    long[0] = 0x5e;
    long.set([0x52, 0x52, 0x4f, 0x52], 1);
    expect(parseCommandBody(long).name.length).toBe(94);
  });

  it("carries an ERROR reason as UTF-8 both ways", () => {
    const raw = parseCommandBody(encodeCommand({ name: "ERROR", reason: "café" }));
    expect(decodeCommand(raw)).toEqual({ name: "ERROR", reason: "café" });
  });

  it("leaves unknown commands to the caller", () => {
    expect(decodeCommand(parseCommandBody(encodeCommandBody("HELLO", Uint8Array.of(0, 0))))).toBeUndefined();
  });
});

describe("metadata errors", () => {
  it("refuses a value length that runs past the end", () => {
    const bytes = encodeMetadata([["Socket-Type", "PUSH"]]);
    const e = thrown(() => decodeMetadata(bytes.subarray(0, bytes.length - 1)));
    expect(e.code).toBe("ZMTP_MALFORMED_PROPERTY");
    expect(e.field).toBe("Socket-Type value length");
    expect(e.value).toBe(4);
  });

  it("refuses a truncated name", () => {
    expect(thrown(() => decodeMetadata(Uint8Array.of(20, 65, 66))).code).toBe("ZMTP_MALFORMED_PROPERTY");
  });

  it("refuses an empty name and bad name characters", () => {
    expect(thrown(() => decodeMetadata(Uint8Array.of(0, 0, 0, 0, 0))).code).toBe("ZMTP_BAD_PROPERTY_NAME");
    const e = thrown(() => decodeMetadata(Uint8Array.of(2, 65, 0x20, 0, 0, 0, 0)));
    expect(e.code).toBe("ZMTP_BAD_PROPERTY_NAME");
    expect(e.value).toBe("A ");
  });

  it("refuses a value length above 2^31-1", () => {
    const e = thrown(() => decodeMetadata(Uint8Array.of(1, 65, 0x80, 0, 0, 0)));
    expect(e.code).toBe("ZMTP_MALFORMED_PROPERTY");
    expect(e.value).toBe(0x80000000);
  });

  it("refuses bad names when encoding", () => {
    expect(thrown(() => encodeMetadata([["bad name", "x"]])).code).toBe("EINVAL");
    expect(thrown(() => encodeMetadata([["", "x"]])).code).toBe("EINVAL");
    expect(thrown(() => encodeMetadata([["X".repeat(256), "x"]])).code).toBe("EINVAL");
  });
});

describe("greeting errors", () => {
  const exchange = (options: Partial<ConstructorParameters<typeof GreetingExchange>[0]> = {}) => {
    const g = new GreetingExchange({ mechanism: "NULL", socketType: "PULL", ...options });
    g.start();
    return g;
  };

  it("refuses a mechanism mismatch with libzmq's protocol error", () => {
    const e = thrown(() => exchange().feed(encodeGreeting({ mechanism: "PLAIN", socketType: "PUSH" })));
    expect(e.code).toBe("ZMTP_MECHANISM_MISMATCH");
    expect(e.value).toBe("PLAIN");
    expect(e.protocolError).toBe(0x11000002);
  });

  it("still owes the peer the rest of its greeting after refusing it in one chunk (takeOwed, once)", () => {
    const g = exchange();
    thrown(() => g.feed(encodeGreeting({ mechanism: "PLAIN", socketType: "PUSH" })));
    const ours = encodeGreeting({ mechanism: "NULL", socketType: "PULL" });
    expect(g.takeOwed()).toEqual(ours.subarray(10));
    expect(g.takeOwed()).toBeUndefined();
  });

  it("refuses a mechanism field that is not a name", () => {
    const bad = encodeGreeting({ mechanism: "NULL", socketType: "PUSH" });
    bad[14] = 0x01;
    expect(thrown(() => exchange().feed(bad)).code).toBe("ZMTP_BAD_MECHANISM");
    const unpadded = encodeGreeting({ mechanism: "NULL", socketType: "PUSH" });
    unpadded[20] = 0x41;
    expect(thrown(() => exchange().feed(unpadded)).code).toBe("ZMTP_BAD_MECHANISM");
  });

  it("refuses legacy peers when asked to, or when the mechanism is not NULL", () => {
    const v2 = Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1, 8);
    expect(thrown(() => exchange({ legacy: false }).feed(v2)).code).toBe("ZMTP_UNSUPPORTED_VERSION");
    const e = thrown(() => exchange({ mechanism: "PLAIN" }).feed(v2));
    expect(e.code).toBe("ZMTP_UNSUPPORTED_VERSION");
    expect(e.value).toBe("2.0");
    expect(thrown(() => exchange({ legacy: false }).feed(Uint8Array.of(0x05))).value).toBe("1.0");
  });

  it("refuses an unknown 2.0 socket type", () => {
    const e = thrown(() => exchange().feed(Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1, 99)));
    expect(e.code).toBe("ZMTP_BAD_SOCKET_TYPE");
    expect(e.value).toBe(99);
  });

  it("refuses bad options", () => {
    expect(thrown(() => encodeGreeting({ mechanism: "null", socketType: "PUSH" })).code).toBe("EINVAL");
    expect(thrown(() => encodeGreeting({ mechanism: "A".repeat(21), socketType: "PUSH" })).code).toBe("EINVAL");
    expect(thrown(() => encodeGreeting({ mechanism: "NULL", socketType: "PUSH", minor: 256 })).field).toBe("minor");
  });
});

describe("Z85", () => {
  it("encodes RFC 32's test vector", () => {
    expect(z85Encode(Uint8Array.of(0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b))).toBe("HelloWorld");
    expect(Array.from(z85Decode("HelloWorld"))).toEqual([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
  });

  it("refuses bad lengths, characters and overflow", () => {
    expect(thrown(() => z85Encode(new Uint8Array(3))).code).toBe("Z85_BAD_LENGTH");
    expect(thrown(() => z85Decode("")).code).toBe("Z85_BAD_LENGTH");
    expect(thrown(() => z85Decode("Hello!")).code).toBe("Z85_BAD_LENGTH");
    const bad = thrown(() => z85Decode("Hell~"));
    expect(bad.code).toBe("Z85_BAD_CHARACTER");
    expect(bad.value).toBe("~");
    expect(thrown(() => z85Decode("Hellé")).code).toBe("Z85_BAD_CHARACTER");
    const over = thrown(() => z85Decode("%%%%%"));
    expect(over.code).toBe("Z85_OVERFLOW");
    expect(over.value).toBe("%%%%%");
  });
});

describe("WireError", () => {
  it("is recognised across copies by its brand", () => {
    const e = new WireError("ZMTP_BAD_FRAME", "x", { field: "flags", value: 1 });
    expect(WireError.is(e)).toBe(true);
    expect(WireError.is(new Error("x"))).toBe(false);
    expect(WireError.is({ code: "ZMTP_BAD_FRAME" })).toBe(false);
    expect(e).toBeInstanceOf(Error);
  });
});
