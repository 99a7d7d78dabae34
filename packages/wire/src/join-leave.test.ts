// JOIN and LEAVE, the draft RADIO/DISH commands, byte for byte as libzmq's
// dish_session_t writes them (`04 "JOIN" group`, `05 "LEAVE" group` in a
// command frame) and as its radio_session_t reads them; and through a whole
// DISH -> RADIO connection, fed split at every byte boundary.
import { describe, expect, it } from "vitest";
import { type Command, WireError, ZmtpConnection, concatBytes, decodeCommand, encodeCommand, parseCommandBody, utf8 } from "./index.js";

const bytes = (...parts: (number[] | Uint8Array | string)[]): number[] =>
  parts.flatMap((p) => (typeof p === "string" ? Array.from(utf8(p)) : Array.from(p)));

function thrown(fn: () => unknown): WireError {
  try {
    fn();
  } catch (e) {
    expect(WireError.is(e)).toBe(true);
    return e as WireError;
  }
  throw new Error("expected a WireError");
}

describe("JOIN and LEAVE command bodies", () => {
  it("encodes JOIN as 04 'JOIN' group, as libzmq's dish session", () => {
    expect(Array.from(encodeCommand({ name: "JOIN", group: utf8("weather") }))).toEqual(bytes([4], "JOIN", "weather"));
  });

  it("encodes LEAVE as 05 'LEAVE' group", () => {
    expect(Array.from(encodeCommand({ name: "LEAVE", group: utf8("weather") }))).toEqual(bytes([5], "LEAVE", "weather"));
  });

  it("encodes the empty group and a 255-byte group", () => {
    expect(Array.from(encodeCommand({ name: "JOIN", group: new Uint8Array(0) }))).toEqual(bytes([4], "JOIN"));
    const long = new Uint8Array(255).fill(0x61);
    expect(encodeCommand({ name: "LEAVE", group: long }).length).toBe(6 + 255);
  });

  it("refuses to encode a group longer than 255 bytes (ZMQ_GROUP_MAX_LENGTH)", () => {
    const e = thrown(() => encodeCommand({ name: "JOIN", group: new Uint8Array(256) }));
    expect(e.code).toBe("EINVAL");
    expect(e.message).toContain("255");
  });

  it("decodes what it encodes, and arbitrary group bytes (NUL, 0xff)", () => {
    for (const name of ["JOIN", "LEAVE"] as const) {
      for (const group of [new Uint8Array(0), Uint8Array.of(0, 0xff, 1), utf8("a"), new Uint8Array(255).fill(7)]) {
        const decoded = decodeCommand(parseCommandBody(encodeCommand({ name, group })));
        expect(decoded?.name).toBe(name);
        expect(Array.from((decoded as { group: Uint8Array }).group)).toEqual(Array.from(group));
      }
    }
  });

  it("refuses a received group longer than 255 bytes as a malformed command (libzmq would assert)", () => {
    const body = Uint8Array.from(bytes([4], "JOIN", new Uint8Array(256)));
    const e = thrown(() => decodeCommand(parseCommandBody(body)));
    expect(e.code).toBe("ZMTP_MALFORMED_COMMAND");
  });

  it("leaves commands of other names untyped (libzmq drops them)", () => {
    expect(decodeCommand(parseCommandBody(Uint8Array.from(bytes([4], "JOIX", "g"))))).toBeUndefined();
    expect(decodeCommand(parseCommandBody(Uint8Array.from(bytes([3], "JOI", "Ng"))))).toBeUndefined();
  });
});

interface Side {
  conn: ZmtpConnection;
  out: Uint8Array[];
  commands: Command[];
  messages: Uint8Array[][];
  errors: WireError[];
}

function side(socketType: "RADIO" | "DISH"): Side {
  const s: Side = { conn: undefined as unknown as ZmtpConnection, out: [], commands: [], messages: [], errors: [] };
  s.conn = new ZmtpConnection(
    { socketType, mechanism: { type: "NULL" } },
    {
      send: (chunk) => s.out.push(chunk),
      onReady: () => {},
      onMessage: (frames) => s.messages.push(frames),
      onCommand: (command) => s.commands.push(command),
      onError: (error) => s.errors.push(error),
    },
  );
  return s;
}

/** A RADIO and a DISH past their handshake. */
function connected(): { radio: Side; dish: Side } {
  const radio = side("RADIO");
  const dish = side("DISH");
  radio.conn.start();
  dish.conn.start();
  for (let i = 0; i < 10 && (radio.out.length > 0 || dish.out.length > 0); i++) {
    for (const c of radio.out.splice(0)) dish.conn.feed(c);
    for (const c of dish.out.splice(0)) radio.conn.feed(c);
  }
  expect(radio.conn.ready && dish.conn.ready).toBe(true);
  return { radio, dish };
}

describe("JOIN and LEAVE over a DISH -> RADIO connection", () => {
  it("frames JOIN as one command frame: 04 len 04 'JOIN' group", () => {
    const { dish } = connected();
    const frame = dish.conn.encodeCommand({ name: "JOIN", group: utf8("g1") });
    expect(Array.from(frame)).toEqual(bytes([0x04, 7, 4], "JOIN", "g1"));
    const long = dish.conn.encodeCommand({ name: "LEAVE", group: new Uint8Array(255) });
    // 6 + 255 = 261 bytes: a long command frame (flag 0x06, 8-byte size).
    expect(Array.from(long.subarray(0, 9))).toEqual([0x06, 0, 0, 0, 0, 0, 0, 1, 5]);
  });

  it("the RADIO side sees each command, the stream split at every byte boundary", () => {
    const sent: Command[] = [
      { name: "JOIN", group: utf8("news") },
      { name: "JOIN", group: new Uint8Array(0) },
      { name: "LEAVE", group: utf8("news") },
      { name: "JOIN", group: new Uint8Array(255).fill(0x7a) },
    ];
    const { dish } = connected();
    const wire = concatBytes(sent.map((c) => dish.conn.encodeCommand(c)));
    for (let cut = 0; cut <= wire.length; cut++) {
      const { radio } = connected();
      radio.conn.feed(wire.subarray(0, cut));
      radio.conn.feed(wire.subarray(cut));
      expect(radio.errors).toEqual([]);
      expect(radio.messages).toEqual([]);
      expect(radio.commands.map((c) => c.name)).toEqual(["JOIN", "JOIN", "LEAVE", "JOIN"]);
      radio.commands.forEach((c, i) =>
        expect(Array.from((c as { group: Uint8Array }).group)).toEqual(Array.from((sent[i] as { group: Uint8Array }).group)),
      );
    }
  });

  it("a JOIN with a 256-byte group closes the connection with a protocol error", () => {
    const { radio } = connected();
    const body = Uint8Array.from(bytes([4], "JOIN", new Uint8Array(256)));
    // A long command frame carrying the over-long JOIN.
    const header = [0x06, 0, 0, 0, 0, 0, 0, (body.length >> 8) & 0xff, body.length & 0xff];
    radio.conn.feed(Uint8Array.from([...header, ...body]));
    expect(radio.commands).toEqual([]);
    expect(radio.errors.length).toBe(1);
    expect(radio.errors[0]!.code).toBe("ZMTP_MALFORMED_COMMAND");
  });
});
