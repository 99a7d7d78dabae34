// Radio and Dish over inproc (command messages in the pipes) and over ZMTP on
// the kernel's in-memory transport (JOIN / LEAVE commands): group filtering
// at the RADIO, join/leave errors as libzmq gives them, single-frame sends,
// joins sent again after a reconnection, a peer that sends a malformed
// message, and queues bounded by the high-water marks.
import { type ByteStream, Context, type SocketOptions } from "@zmq/kernel";
import {
  type MemoryConnectionFaults,
  type MemoryTransport,
  createCleanup,
  errorCode,
  memoryTransport,
  nextEvent,
  rejection,
} from "@zmq/kernel/testing";
import { inproc } from "@zmq/transport-inproc";
import { type Command, ZmtpConnection, utf8 } from "@zmq/wire";
import { afterEach, describe, expect, it } from "vitest";
// @zmq/engine is not a devDependency of this package: its build output, by path.
import { zmtpEngine } from "@zmq/engine";
import { Dish, type DishMessage, GROUP_MAX_LENGTH, Radio } from "./index.js";

const open = createCleanup();
afterEach(open.closeAll);
const str = (b: Uint8Array) => new TextDecoder().decode(b);
const pair = ([body, { group }]: DishMessage) => [str(group), str(body)];

let names = 0;
function setup(kind: "inproc" | "mem", faults?: MemoryConnectionFaults) {
  const transport = kind === "inproc" ? inproc() : memoryTransport({ engine: zmtpEngine, faults });
  const context = new Context({ transports: [transport] });
  const io: SocketOptions = { context, receiveTimeout: 5000, sendTimeout: 5000, reconnectInterval: 5 };
  return {
    transport,
    context,
    address: kind === "inproc" ? `inproc://rd-${++names}` : "mem://*",
    radio: (o: SocketOptions = {}) => open.track(new Radio({ ...io, ...o })),
    dish: (o: SocketOptions = {}) => open.track(new Dish({ ...io, ...o })),
  };
}

let probes = 0;
/**
 * Joins a fresh probe group and sends probes to it until the dish gets one:
 * then the RADIO has seen every JOIN and LEAVE the dish sent before (they
 * travel in order, apart from the connection being made, as in libzmq).
 * Each probe goes after a macrotask, so this waits on events only. The
 * dish leaves the probe group after, so late probes are filtered out.
 */
async function untilJoined(radio: Radio, dish: Dish): Promise<void> {
  const group = `probe-${++probes}`;
  dish.join(group);
  let got = false;
  const receiving = dish.receive().then(([, g]) => {
    got = true;
    expect(str(g.group)).toBe(group);
  });
  while (!got) {
    await radio.send("probe", { group });
    await new Promise((r) => setImmediate(r));
  }
  await receiving;
  dish.leave(group);
}

/** Connects a radio and a dish that joined `groups`, `bindDish` choosing which side binds. */
async function joinedPair(
  s: ReturnType<typeof setup>,
  groups: string[],
  bindDish: boolean,
  radioOptions: SocketOptions = {},
  dishOptions: SocketOptions = {},
) {
  const radio = s.radio(radioOptions);
  const dish = s.dish(dishOptions);
  dish.join(...groups);
  const [binder, connector] = bindDish ? [dish, radio] : [radio, dish];
  await binder.bind(s.address);
  connector.connect(binder.lastEndpoint!);
  await untilJoined(radio, dish);
  return { radio, dish };
}

for (const kind of ["inproc", "mem"] as const) {
  for (const bindDish of [true, false]) {
    describe(`Radio -> Dish over ${kind === "inproc" ? "inproc" : "ZMTP (memory transport)"}, ${bindDish ? "dish" : "radio"} binds`, () => {
      it("delivers only the joined groups, with the group as a frame", async () => {
        const s = setup(kind);
        const { radio, dish } = await joinedPair(s, ["weather", "news"], bindDish);
        for (const [group, body] of [
          ["weather", "sunny"],
          ["sport", "3-1"],
          ["news", "hello"],
          ["weathe", "prefix is not a match"],
          ["weather!", "nor is a longer name"],
          ["weather", "rain"],
        ]) {
          await radio.send(body!, { group: group! });
        }
        expect(pair(await dish.receive())).toEqual(["weather", "sunny"]);
        expect(pair(await dish.receive())).toEqual(["news", "hello"]);
        expect(pair(await dish.receive())).toEqual(["weather", "rain"]);
        expect(dish.readable).toBe(false);
      });

      it("leave() stops a group and join() starts one on a live connection", async () => {
        const s = setup(kind);
        const { radio, dish } = await joinedPair(s, ["a"], bindDish);
        dish.leave("a");
        dish.join(utf8("b"));
        await untilJoined(radio, dish);
        await radio.send("1", { group: "a" });
        await radio.send("2", { group: "b" });
        expect(pair(await dish.receive())).toEqual(["b", "2"]);
        expect(dish.readable).toBe(false);
      });

      it("sends each group to the dishes that joined it", async () => {
        const s = setup(kind);
        const radio = s.radio();
        const dishes = [s.dish(), s.dish(), s.dish()];
        dishes[0]!.join("x");
        dishes[1]!.join("y");
        dishes[2]!.join("x", "y");
        if (kind === "inproc") {
          await radio.bind(s.address);
          for (const d of dishes) d.connect(s.address);
        } else {
          await radio.bind(s.address);
          for (const d of dishes) d.connect(radio.lastEndpoint!);
        }
        for (const d of dishes) await untilJoined(radio, d);
        await radio.send("for x", { group: "x" });
        await radio.send("for y", { group: "y" });
        await radio.send("for z", { group: "z" });
        expect(pair(await dishes[0]!.receive())).toEqual(["x", "for x"]);
        expect(pair(await dishes[1]!.receive())).toEqual(["y", "for y"]);
        expect(pair(await dishes[2]!.receive())).toEqual(["x", "for x"]);
        expect(pair(await dishes[2]!.receive())).toEqual(["y", "for y"]);
        for (const d of dishes) expect(d.readable).toBe(false);
      });
    });
  }
}

describe("groups as libzmq takes them", () => {
  it("takes groups of up to 255 bytes and refuses longer ones with EINVAL", async () => {
    const s = setup("inproc");
    const dish = s.dish();
    const radio = s.radio();
    const longest = "g".repeat(GROUP_MAX_LENGTH);
    expect(GROUP_MAX_LENGTH).toBe(255);
    dish.join(longest);
    expect(() => dish.join("g".repeat(256))).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => dish.leave(new Uint8Array(256).fill(1))).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(errorCode(await rejection(radio.send("x", { group: "g".repeat(256) })))).toBe("EINVAL");
    await dish.bind(s.address);
    radio.connect(s.address);
    await radio.send("longest", { group: longest });
    expect(pair(await dish.receive())).toEqual([longest, "longest"]);
  });

  it("refuses joining a group twice and leaving one not joined (EINVAL), keeping the groups before it", () => {
    const s = setup("inproc");
    const dish = s.dish();
    dish.join("a");
    expect(() => dish.join("b", "a", "c")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    // "b" was joined before the failure; "c" never was.
    expect(() => dish.join("b")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => dish.leave("c")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    dish.leave("a", "b");
    expect(() => dish.leave("a")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => dish.join(42 as unknown as string)).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("ends a group at its first NUL byte, as libzmq's C strings do", async () => {
    const s = setup("inproc");
    const dish = s.dish();
    const radio = s.radio();
    dish.join(Buffer.from("fo\x00ba"), Buffer.from("ba\x00fo"));
    dish.leave(Buffer.from("fo"));
    await dish.bind(s.address);
    radio.connect(s.address);
    for (const m of ["foo", "bar", "baz", "qux"]) await radio.send(m, { group: `${m.slice(0, 2)}\x00ignored` });
    expect(pair(await dish.receive())).toEqual(["ba", "bar"]);
    expect(pair(await dish.receive())).toEqual(["ba", "baz"]);
    expect(dish.readable).toBe(false);
  });

  it("takes any bytes in a group name", async () => {
    const s = setup("mem");
    const group = Uint8Array.of(0xf6, 0x46, 0x1f, 0x03, 0xff, 0x80);
    const radio = s.radio();
    const dish = s.dish();
    dish.join(group);
    await dish.bind(s.address);
    radio.connect(dish.lastEndpoint!);
    await untilJoined(radio, dish);
    await radio.send("binary", { group });
    const [body, { group: got }] = await dish.receive();
    expect(Array.from(got)).toEqual(Array.from(group));
    expect(str(body)).toBe("binary");
  });
});

describe("single-frame messages and one direction", () => {
  it("Radio: multipart and a missing group are EINVAL; receive() is ENOTSUP", async () => {
    const s = setup("inproc");
    const radio = s.radio();
    expect(errorCode(await rejection(radio.send(["a", "b"] as unknown as [string], { group: "g" })))).toBe("EINVAL");
    expect(errorCode(await rejection(radio.send("a", undefined as unknown as { group: string })))).toBe("EINVAL");
    expect(errorCode(await rejection(radio.receive()))).toBe("ENOTSUP");
    // One frame in an array is fine, and with no peer it is dropped, never waiting.
    await radio.send(["a"], { group: "g" });
    expect(radio.threadSafe).toBe(true);
  });

  it("Dish: send() is ENOTSUP; linger defaults to 0 as libzmq's DISH", async () => {
    const s = setup("inproc");
    const dish = s.dish();
    expect(errorCode(await rejection((dish as unknown as Radio).send("x", { group: "g" })))).toBe("ENOTSUP");
    expect(dish.linger).toBe(0);
    expect(new Dish({ context: s.context, linger: 100 }).linger).toBe(100);
    expect(dish.threadSafe).toBe(true);
  });
});

describe("over ZMTP with faults", () => {
  it("works with the bytes cut into single-byte chunks and delayed", async () => {
    const s = setup("mem", { chunkSize: 1, delayMs: 1 });
    const { radio, dish } = await joinedPair(s, ["slow"], false);
    for (let i = 0; i < 20; i++) await radio.send(String(i), { group: "slow" });
    for (let i = 0; i < 20; i++) expect(pair(await dish.receive())).toEqual(["slow", String(i)]);
  });

  it("joins again after a reconnection", async () => {
    const s = setup("mem");
    const { radio, dish } = await joinedPair(s, ["again"], false);
    const transport = s.transport as ReturnType<typeof memoryTransport>;
    const disconnected = nextEvent(dish, "disconnect");
    transport.connections[0]!.connector.destroy();
    await disconnected;
    await nextEvent(dish, "handshake");
    await untilJoined(radio, dish);
    await radio.send("after", { group: "again" });
    expect(pair(await dish.receive())).toEqual(["again", "after"]);
  });

  it("a peer that sends a one-frame message loses its connection; the dish keeps serving others", async () => {
    const s = setup("mem");
    const transport = s.transport as ReturnType<typeof memoryTransport>;
    const dish = s.dish();
    dish.join("g");
    await dish.bind("mem://*");
    // A hand-made RADIO that sends [body] without its group frame.
    const stream = transport.connect(
      { scheme: "mem", address: dish.lastEndpoint!.slice(6), url: dish.lastEndpoint! },
      { ipv6: false, connectTimeout: 0, tcpKeepalive: -1, tcpKeepaliveIdle: -1 },
    );
    const conn = new ZmtpConnection(
      { socketType: "RADIO" },
      {
        send: (c) => stream.write(c),
        onReady: () => conn.encodeMessages([[utf8("no group frame")]]).forEach((c) => stream.write(c)),
        onMessage: () => {},
        onCommand: () => {},
        onError: () => stream.destroy(),
      },
    );
    const closed = new Promise<void>((resolve) =>
      stream.setHandlers({ onConnect: () => conn.start(), onData: (c) => conn.feed(c), onDrain: () => {}, onClose: () => resolve() }),
    );
    await closed;
    expect(dish.readable).toBe(false);
    const radio = s.radio();
    radio.connect(dish.lastEndpoint!);
    await untilJoined(radio, dish);
    await radio.send("fine", { group: "g" });
    expect(pair(await dish.receive())).toEqual(["g", "fine"]);
  });
});

/** A hand-driven DISH behind the memory transport's listener: each accepted connection runs a ZmtpConnection. */
async function rawDishListener(transport: MemoryTransport, name: string) {
  const messages: string[] = [];
  const conns: { conn: ZmtpConnection; stream: ByteStream }[] = [];
  let arrived: (() => void) | undefined;
  let readied: (() => void) | undefined;
  const listener = await transport.listen({ scheme: "mem", address: name, url: `mem://${name}` }, { backlog: 1, ipv6: false }, (stream) => {
    const conn = new ZmtpConnection(
      { socketType: "DISH" },
      {
        send: (c) => stream.write(c),
        onReady: () => readied?.(),
        onMessage: (m) => {
          messages.push(m.map(str).join("/"));
          arrived?.();
        },
        onCommand: () => {},
        onError: () => stream.destroy(),
      },
    );
    conns.push({ conn, stream });
    stream.setHandlers({ onData: (c) => conn.feed(c), onDrain: () => {}, onClose: () => {} });
    conn.start();
  });
  return {
    messages,
    conns,
    close: () => listener.close(),
    ready: () => new Promise<void>((r) => (readied = r)),
    command(command: Command) {
      const { conn, stream } = conns[conns.length - 1]!;
      stream.write(conn.encodeCommand(command));
    },
    /** Resolves when a message for which `pred` holds has arrived. */
    async until(pred: (m: string) => boolean): Promise<void> {
      while (!messages.some(pred)) await new Promise<void>((r) => (arrived = r));
    },
  };
}

describe("the RADIO's view of a reconnected DISH", () => {
  it("forgets the joins of the last connection: a LEAVE after a reconnection stops the group", async () => {
    const s = setup("mem");
    const transport = s.transport as MemoryTransport;
    const dish = await rawDishListener(transport, "raw-dish");
    const radio = s.radio();
    let ready = dish.ready();
    radio.connect("mem://raw-dish");
    await ready;
    dish.command({ name: "JOIN", group: utf8("a") });
    const send = async (group: string, body: string) => radio.send(body, { group });
    // Until the radio has the JOIN: messages of "a" arrive.
    while (!dish.messages.includes("a/1")) {
      await send("a", "1");
      await new Promise((r) => setImmediate(r));
    }
    // Drop the connection; the radio reconnects and the dish joins again, then leaves.
    ready = dish.ready();
    dish.conns[0]!.stream.destroy();
    await ready;
    dish.command({ name: "JOIN", group: utf8("a") });
    dish.command({ name: "LEAVE", group: utf8("a") });
    dish.command({ name: "JOIN", group: utf8("p") });
    while (!dish.messages.includes("p/probe")) {
      await send("a", "2");
      await send("p", "probe");
      await new Promise((r) => setImmediate(r));
    }
    // Every command was applied before the first probe went out: nothing of "a" after it.
    await send("a", "3");
    await send("p", "last");
    await dish.until((m) => m === "p/last");
    const after = dish.messages.slice(dish.messages.indexOf("p/probe"));
    expect(after.filter((m) => m.startsWith("a/"))).toEqual([]);
    dish.close();
  });
});

describe("high-water marks", () => {
  it("a RADIO drops for a full dish instead of waiting, and the dish's queue stays bounded", async () => {
    const s = setup("inproc");
    const { radio, dish } = await joinedPair(s, ["flood"], true, { sendHighWaterMark: 5 }, { receiveHighWaterMark: 5 });
    for (let i = 0; i < 1000; i++) await radio.send(String(i), { group: "flood" });
    const got: string[] = [];
    while (dish.readable) got.push(pair(await dish.receive())[1]!);
    // inproc's queue holds sendHighWaterMark + receiveHighWaterMark messages; the rest were dropped.
    expect(got.length).toBe(10);
    expect(got).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    await radio.send("later", { group: "flood" });
    expect(pair(await dish.receive())).toEqual(["flood", "later"]);
  });
});
