// udp:// on 127.0.0.1: address forms as libzmq's udp_address_t reads them,
// the datagram layout (group length, group, body; at most 8192 bytes),
// Radio -> Dish and Datagram through real node:dgram sockets, hostile and
// oversized datagrams dropped while the Dish keeps receiving, and the receive
// queue bounded by the high-water mark.
import { type Socket as UdpSocket, createSocket } from "node:dgram";
import { Context, type SocketOptions } from "@zmq/kernel";
import { TestPull, createCleanup, errorCode, nextEvent, rejection } from "@zmq/kernel/testing";
import { afterEach, describe, expect, it } from "vitest";
// The socket packages are not devDependencies of this one: their build output, by path.
import { Datagram } from "../../pattern-datagram/dist/index.js";
import { Dish, type DishMessage, Radio } from "../../pattern-radiodish/dist/index.js";
import { MAX_DATAGRAM, decodeGroupDatagram, encodeGroupDatagram, formatPeerAddress, parsePeerAddress, parseUdpAddress, udp } from "./index.js";

const open = createCleanup();
const raw: UdpSocket[] = [];
afterEach(() => {
  open.closeAll();
  for (const s of raw.splice(0)) s.close();
});
const str = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);
const pair = ([body, { group }]: DishMessage) => [str(group), str(body)];

function setup() {
  const context = new Context({ transports: [udp()] });
  const io: SocketOptions = { context, receiveTimeout: 5000, sendTimeout: 5000 };
  return {
    context,
    radio: (o: SocketOptions = {}) => open.track(new Radio({ ...io, ...o })),
    dish: (o: SocketOptions = {}) => open.track(new Dish({ ...io, ...o })),
    dgram: (o: SocketOptions = {}) => open.track(new Datagram({ ...io, ...o })),
  };
}

async function rawSocket(): Promise<UdpSocket> {
  const s = createSocket("udp4");
  raw.push(s);
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", r));
  return s;
}

const portOf = (endpoint: string) => Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));

function sendRaw(s: UdpSocket, datagram: Uint8Array, port: number): Promise<void> {
  return new Promise((resolve, reject) => s.send(datagram, port, "127.0.0.1", (e) => (e ? reject(e) : resolve())));
}

describe("udp:// addresses", () => {
  const parse = (address: string, bind: boolean, ipv6 = false) => parseUdpAddress(`udp://${address}`, address, bind, ipv6);
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return errorCode(e);
    }
    return "none";
  };

  it("reads unicast, wildcard, ephemeral and multicast forms", () => {
    expect(parse("127.0.0.1:5555", true)).toEqual({ family: "udp4", host: "127.0.0.1", port: 5555, multicast: false, interface: undefined });
    expect(parse("*:*", true)).toMatchObject({ host: "*", port: 0 });
    expect(parse("127.0.0.1:0", true)).toMatchObject({ port: 0 });
    expect(parse("239.1.2.3:5555", false)).toMatchObject({ host: "239.1.2.3", multicast: true });
    expect(parse("127.0.0.1;239.1.2.3:5555", true)).toMatchObject({ host: "239.1.2.3", interface: "127.0.0.1", multicast: true });
    expect(parse("eth0;239.1.2.3:5555", false)).toMatchObject({ interface: "eth0" });
    expect(parse("*;224.0.0.1:5555", true)).toMatchObject({ interface: "*" });
    expect(parse("[::1]:5555", true, true)).toMatchObject({ family: "udp6", host: "::1" });
    expect(parse("[ff02::1]:5555", false, true)).toMatchObject({ family: "udp6", multicast: true });
    expect(parse("localhost:5555", false)).toMatchObject({ family: "udp4", host: "localhost" });
  });

  it("refuses what libzmq refuses, with EINVAL", () => {
    expect(code(() => parse("127.0.0.1", true))).toBe("EINVAL");
    expect(code(() => parse("127.0.0.1:*", false))).toBe("EINVAL");
    expect(code(() => parse("127.0.0.1:0", false))).toBe("EINVAL");
    expect(code(() => parse("*:5555", false))).toBe("EINVAL");
    expect(code(() => parse("127.0.0.1:70000", true))).toBe("EINVAL");
    expect(code(() => parse("127.0.0.1:http", true))).toBe("EINVAL");
    expect(code(() => parse(":5555", true))).toBe("EINVAL");
    // An interface goes with a multicast address only, and is not one itself.
    expect(code(() => parse("127.0.0.1;127.0.0.2:5555", true))).toBe("EINVAL");
    expect(code(() => parse("239.1.1.1;239.1.2.3:5555", true))).toBe("EINVAL");
    expect(code(() => parse("[::1]:5555", true))).toBe("EINVAL");
  });
});

describe("datagram layout", () => {
  it("is one byte of group length, the group, the body", () => {
    expect(Array.from(encodeGroupDatagram(bytes("ab"), bytes("xyz"))!)).toEqual([2, 0x61, 0x62, 0x78, 0x79, 0x7a]);
    const [group, body] = decodeGroupDatagram(Uint8Array.of(1, 0x67, 0x62))!;
    expect([str(group), str(body)]).toEqual(["g", "b"]);
    expect(decodeGroupDatagram(Uint8Array.of(0))!.map((p) => p.length)).toEqual([0, 0]);
  });

  it("is at most 8192 bytes: larger is not encoded, and not decoded", () => {
    expect(MAX_DATAGRAM).toBe(8192);
    expect(encodeGroupDatagram(bytes("g"), new Uint8Array(8190))!.length).toBe(8192);
    expect(encodeGroupDatagram(bytes("g"), new Uint8Array(8191))).toBeUndefined();
    expect(decodeGroupDatagram(new Uint8Array(8193))).toBeUndefined();
  });

  it("drops empty datagrams and group lengths past the end", () => {
    expect(decodeGroupDatagram(new Uint8Array(0))).toBeUndefined();
    expect(decodeGroupDatagram(Uint8Array.of(5, 1, 2))).toBeUndefined();
  });

  it("names DGRAM peers as libzmq: ip:port and a NUL", () => {
    expect(formatPeerAddress("127.0.0.1", 5555)).toBe("127.0.0.1:5555\0");
    expect(parsePeerAddress(bytes("127.0.0.1:5555\0"))).toEqual({ host: "127.0.0.1", port: 5555 });
    expect(parsePeerAddress(bytes("127.0.0.1:5555"))).toEqual({ host: "127.0.0.1", port: 5555 });
    expect(parsePeerAddress(bytes("127.0.0.1:0"))).toBeUndefined();
    expect(parsePeerAddress(bytes("localhost:5555"))).toBeUndefined();
    expect(parsePeerAddress(bytes("127.0.0.1"))).toBeUndefined();
  });
});

describe("which sockets use udp://", () => {
  it("DISH and DGRAM bind, RADIO connects; anything else is ENOCOMPATPROTO", async () => {
    const s = setup();
    expect(errorCode(await rejection(s.radio().bind("udp://127.0.0.1:*")))).toBe("ENOCOMPATPROTO");
    expect(() => s.dish().connect("udp://127.0.0.1:5555")).toThrow(expect.objectContaining({ code: "ENOCOMPATPROTO" }));
    expect(() => s.dgram().connect("udp://127.0.0.1:5555")).toThrow(expect.objectContaining({ code: "ENOCOMPATPROTO" }));
    const pull = open.track(new TestPull({ context: s.context }));
    expect(errorCode(await rejection(pull.bind("udp://127.0.0.1:*")))).toBe("ENOCOMPATPROTO");
    expect(() => s.radio().connect("udp://127.0.0.1:*")).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("bind reports the port bound, and an address not on this host as EADDRNOTAVAIL with a bind:error event", async () => {
    const s = setup();
    const dish = s.dish();
    await dish.bind("udp://127.0.0.1:*");
    expect(dish.lastEndpoint).toMatch(/^udp:\/\/127\.0\.0\.1:\d+$/);
    expect(portOf(dish.lastEndpoint!)).toBeGreaterThan(0);
    const other = s.dish();
    const failed = nextEvent(other, "bind:error");
    expect(errorCode(await rejection(other.bind("udp://192.0.2.1:*")))).toBe("EADDRNOTAVAIL");
    expect((await failed).address).toBe("192.0.2.1:*"); // without its scheme, as libzmq names it
  });
});

let probes = 0;
/**
 * Joins a fresh probe group and sends to it until the dish gets one: the
 * radio's socket is open and datagrams flow. The dish leaves the group
 * after, so probes still on their way are filtered out.
 */
async function untilFlowing(radio: InstanceType<typeof Radio>, dish: InstanceType<typeof Dish>): Promise<void> {
  const group = `probe-${++probes}`;
  dish.join(group);
  let got = false;
  const receiving = dish.receive().then(() => (got = true));
  while (!got) {
    await radio.send("probe", { group });
    await new Promise((r) => setImmediate(r));
  }
  await receiving;
  dish.leave(group);
}

/** Sends (once per macrotask) until the dish has a message, and resolves it. */
async function untilReceived(dish: InstanceType<typeof Dish>, send: () => Promise<void>): Promise<DishMessage> {
  let got: DishMessage | undefined;
  const receiving = dish.receive().then((m) => (got = m));
  while (got === undefined) {
    await send();
    await new Promise((r) => setImmediate(r));
  }
  return receiving;
}

describe("Radio -> Dish over udp unicast", () => {
  it("delivers the groups the dish joined; the dish filters", async () => {
    const s = setup();
    const dish = s.dish();
    dish.join("weather");
    await dish.bind("udp://127.0.0.1:*");
    const radio = s.radio();
    radio.connect(dish.lastEndpoint!);
    await untilFlowing(radio, dish);
    await radio.send("sunny", { group: "weather" });
    await radio.send("3-1", { group: "sport" });
    await radio.send("rain", { group: "weather" });
    expect(pair(await dish.receive())).toEqual(["weather", "sunny"]);
    expect(pair(await dish.receive())).toEqual(["weather", "rain"]);
  });

  it("resolves a hostname to send to", async () => {
    const s = setup();
    const dish = s.dish();
    dish.join("g");
    await dish.bind("udp://127.0.0.1:*");
    const radio = s.radio();
    radio.connect(`udp://localhost:${portOf(dish.lastEndpoint!)}`);
    // UDP may drop a datagram on a loaded machine: the one this test is about is sent until it arrives.
    expect(pair(await untilReceived(dish, () => radio.send("by name", { group: "g" })))).toEqual(["g", "by name"]);
  });

  it("works over IPv6 with the ipv6 option ([::1])", async () => {
    const s = setup();
    const dish = s.dish({ ipv6: true });
    dish.join("six");
    await dish.bind("udp://[::1]:*");
    expect(dish.lastEndpoint).toMatch(/^udp:\/\/\[::1\]:\d+$/);
    const radio = s.radio({ ipv6: true });
    radio.connect(dish.lastEndpoint!);
    await untilFlowing(radio, dish);
    await radio.send("v6", { group: "six" });
    expect(pair(await dish.receive())).toEqual(["six", "v6"]);
  });

  it("sends a datagram of exactly 8192 bytes and drops a larger one, as libzmq", async () => {
    const s = setup();
    const dish = s.dish();
    dish.join("g");
    await dish.bind("udp://127.0.0.1:*");
    const radio = s.radio();
    radio.connect(dish.lastEndpoint!);
    await untilFlowing(radio, dish);
    await radio.send(new Uint8Array(8191 - 1), { group: "g" }); // 1 + 1 + 8190 = 8192
    await radio.send(new Uint8Array(8191), { group: "g" }); // 8193: dropped
    await radio.send("after", { group: "g" });
    expect((await dish.receive())[0]).toHaveLength(8190);
    expect(pair(await dish.receive())).toEqual(["g", "after"]);
  });

  it("drops malformed and oversized datagrams silently and keeps receiving", async () => {
    const s = setup();
    const dish = s.dish();
    dish.join("g");
    const events: string[] = [];
    void (async () => {
      for await (const e of dish.events) events.push(e.type);
    })();
    await dish.bind("udp://127.0.0.1:*");
    const port = portOf(dish.lastEndpoint!);
    const hostile = await rawSocket();
    const garbage = [
      new Uint8Array(0),
      Uint8Array.of(200, 0x67),
      Uint8Array.of(255),
      (() => {
        const d = new Uint8Array(9000);
        d[0] = 1;
        d[1] = 0x67;
        return d;
      })(),
      (() => {
        const d = new Uint8Array(60000);
        d[0] = 1;
        d[1] = 0x67;
        return d;
      })(),
    ];
    for (let round = 0; round < 20; round++) for (const d of garbage) await sendRaw(hostile, d, port);
    // The kernel may drop datagrams too when its receive buffer is full: send until one gets through.
    const fine = Uint8Array.of(1, 0x67, ...bytes("fine"));
    expect(pair(await untilReceived(dish, () => sendRaw(hostile, fine, port)))).toEqual(["g", "fine"]);
    while (dish.readable) expect(pair(await dish.receive())).toEqual(["g", "fine"]);
    // A datagram of exactly 8192 bytes from anyone is taken.
    const max = new Uint8Array(8192);
    max[0] = 1;
    max[1] = 0x67;
    await sendRaw(hostile, max, port);
    expect((await dish.receive())[0].length).toBe(8190);
    expect(events).toEqual(["bind"]);
  });

  it("keeps at most receiveHighWaterMark datagrams queued; the rest are dropped", async () => {
    const s = setup();
    const dish = s.dish({ receiveHighWaterMark: 10 });
    dish.join("g");
    await dish.bind("udp://127.0.0.1:*");
    const port = portOf(dish.lastEndpoint!);
    const flood = await rawSocket();
    for (let i = 0; i < 500; i++) await sendRaw(flood, Uint8Array.of(1, 0x67, ...bytes(String(i))), port);
    while (!dish.readable) await new Promise((r) => setImmediate(r));
    // Everything queued now comes out without an event-loop turn (no datagram can be read meanwhile).
    const queued: string[] = [];
    while (dish.readable) queued.push(pair(await dish.receive())[1]!);
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.length).toBeLessThanOrEqual(10);
    const numbers = queued.map(Number);
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
    // And the dish still receives (the rest of the flood may fill the queue again first).
    const end = Uint8Array.of(1, 0x67, ...bytes("end"));
    let last = "";
    while (last !== "end") last = pair(await untilReceived(dish, () => sendRaw(flood, end, port)))[1]!;
  });

  it("unbind closes the port; a socket can bind it again", async () => {
    const s = setup();
    const dish = s.dish();
    dish.join("g");
    await dish.bind("udp://127.0.0.1:*");
    const endpoint = dish.lastEndpoint!;
    const closed = nextEvent(dish, "close");
    await dish.unbind(endpoint);
    expect((await closed).address).toBe(endpoint);
    const again = s.dish();
    again.join("g");
    await again.bind(endpoint);
    const sender = await rawSocket();
    await sendRaw(sender, Uint8Array.of(1, 0x67, ...bytes("x")), portOf(endpoint));
    expect(pair(await again.receive())).toEqual(["g", "x"]);
  });
});

describe("Datagram over udp", () => {
  it("receives [address, body] with the sender's address as libzmq forms it, and answers it", async () => {
    const s = setup();
    const dgram = s.dgram();
    await dgram.bind("udp://127.0.0.1:*");
    const client = await rawSocket();
    const answers: string[] = [];
    const answered = new Promise<void>((resolve) =>
      client.on("message", (m) => {
        answers.push(m.toString());
        if (answers.length === 2) resolve();
      }),
    );
    await sendRaw(client, bytes("ping"), portOf(dgram.lastEndpoint!));
    const [address, body] = await dgram.receive();
    expect(str(address!)).toBe(`127.0.0.1:${client.address().port}\0`);
    expect(str(body!)).toBe("ping");
    await dgram.send([address!, "pong"]);
    // Without the NUL too.
    await dgram.send([`127.0.0.1:${client.address().port}`, "pong2"]);
    await answered;
    expect(answers).toEqual(["pong", "pong2"]);
  });

  it("refuses anything but two frames with EINVAL; drops bad addresses and bodies over 8192 bytes", async () => {
    const s = setup();
    const dgram = s.dgram();
    await dgram.bind("udp://127.0.0.1:*");
    expect(errorCode(await rejection(dgram.send("one" as unknown as [string, string])))).toBe("EINVAL");
    expect(errorCode(await rejection(dgram.send(["a", "b", "c"] as unknown as [string, string])))).toBe("EINVAL");
    const client = await rawSocket();
    const to = `127.0.0.1:${client.address().port}`;
    const got: number[] = [];
    const done = new Promise<void>((resolve) =>
      client.on("message", (m) => {
        got.push(m.length);
        if (m.length === 1) resolve();
      }),
    );
    await dgram.send(["not an address", "x"]);
    await dgram.send(["127.0.0.1:0", "x"]);
    await dgram.send([to, new Uint8Array(8193)]);
    await dgram.send([to, new Uint8Array(8192)]);
    await dgram.send([to, "."]);
    await done;
    expect(got).toEqual([8192, 1]);
  });

  it("takes one endpoint: a second bind's pipe is refused", async () => {
    const s = setup();
    const dgram = s.dgram();
    await dgram.bind("udp://127.0.0.1:*");
    const first = portOf(dgram.lastEndpoint!);
    await dgram.bind("udp://127.0.0.1:*");
    const client = await rawSocket();
    await sendRaw(client, bytes("to the first"), first);
    expect(str((await dgram.receive())[1]!)).toBe("to the first");
  });
});
