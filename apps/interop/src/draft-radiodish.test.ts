// Draft RADIO/DISH interop: zmq-ts's Radio and Dish against libzmq 4.3.5's
// (npm zeromq 6.8.0, `zeromq/draft`, in this process).
//
// The matrix: our socket as the radio or the dish, over tcp and ipc with
// either side binding, and over udp unicast on 127.0.0.1 (the dish binds, as
// libzmq allows). Every cell joins groups, sends to joined and other groups,
// and checks that only the joined ones arrive, in order, as
// `[message, { group }]`; a leave() stops a group. Over tcp/ipc the RADIO
// filters, so this proves libzmq reads our JOIN/LEAVE commands and we read
// its; over udp the datagram layout.
//
// Then: a 255-byte group (127 for libzmq's udp dish, see below) and a binary group, the largest udp datagram (8192 bytes)
// and one byte more (dropped by both), our Dish joining again after a libzmq
// Radio restarts on the same endpoint, and multicast (our Radio to libzmq's
// Dish, libzmq's Radio to our Dish, with and without `interface;`) inside a
// private network namespace made with `unshare -n`, never on the host's
// interfaces.
//
// Our classes are not exported by @zmq/zeromq yet: they come from their
// packages' builds, on a Context with tcp, ipc, inproc (from @zmq/zeromq's
// Context) and udp.
import { execFileSync, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { createCleanup } from "@zmq/kernel/testing";
import { Context } from "@zmq/zeromq";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import * as draft from "zeromq/draft.js";
import { Dish, Radio } from "@zmq/zeromq/draft";
import { describeDraftFor, draftAvailable } from "./draft-support.js";
import { ipcEndpoint, removeTempDirs } from "./peers.js";

type Transport = "tcp" | "ipc" | "udp";
type Impl = "ours" | "libzmq";

const IO_TIMEOUT = 8_000;
const context = new Context();

interface RadioLike {
  bind(address: string): Promise<void>;
  connect(address: string): void;
  readonly lastEndpoint: string | null;
  send(message: string | Uint8Array, options: { group: string | Uint8Array }): Promise<void>;
  close(): void;
}

interface DishLike {
  bind(address: string): Promise<void>;
  connect(address: string): void;
  readonly lastEndpoint: string | null;
  join(...groups: (string | Uint8Array)[]): void;
  leave(...groups: (string | Uint8Array)[]): void;
  receive(): Promise<[Uint8Array, { group: Uint8Array }]>;
  close(): void;
}

const open = createCleanup<{ close(): void }>();
afterEach(open.closeAll);
afterAll(removeTempDirs);

const makeRadio = (impl: Impl): RadioLike =>
  open.track(impl === "ours" ? new Radio({ context, linger: 0, sendTimeout: IO_TIMEOUT }) : new draft.Radio({ linger: 0, sendTimeout: IO_TIMEOUT }));
const makeDish = (impl: Impl): DishLike =>
  open.track(impl === "ours" ? new Dish({ context, receiveTimeout: IO_TIMEOUT }) : new draft.Dish({ linger: 0, receiveTimeout: IO_TIMEOUT }));
const str = (frame: Uint8Array) => Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString("latin1");

/** A UDP port free on 127.0.0.1 now (libzmq's udp bind does not report the port it bound for `*`). */
async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(r));
  return port;
}

async function address(transport: Transport, bindImpl: Impl): Promise<string> {
  if (transport === "tcp") return "tcp://127.0.0.1:*";
  if (transport === "ipc") return ipcEndpoint("rd");
  return bindImpl === "ours" ? "udp://127.0.0.1:*" : `udp://127.0.0.1:${await freeUdpPort()}`;
}

let probes = 0;
/**
 * Joins a fresh probe group and sends probes until the dish gets one: then
 * the radio has every JOIN / LEAVE the dish sent before (they travel in
 * order) and the connection or datagram path works. It waits on that event,
 * probing again every 5 ms until it comes. The dish leaves the probe group
 * after, so late probes are filtered out.
 */
async function untilJoined(radio: RadioLike, dish: DishLike): Promise<void> {
  const group = `probe-${++probes}`;
  dish.join(group);
  let got = false;
  const receiving = dish.receive().then(([, { group: g }]) => {
    got = true;
    expect(str(g)).toBe(group);
  });
  while (!got) {
    await radio.send("probe", { group });
    // Until the dish has one, a probe every 5 ms: a probe per macrotask from libzmq's own I/O thread could fill the
    // dish's udp receive buffer (the kernel charges ~1 KB a datagram) and push out the messages sent after.
    await Promise.race([receiving, new Promise((r) => setTimeout(r, 5))]);
  }
  await receiving;
  dish.leave(group);
}

/** The next message of a group that is not a probe. */
async function next(dish: DishLike): Promise<[string, string]> {
  for (;;) {
    const [body, { group }] = await dish.receive();
    // Both implementations give Buffers, the group too (zeromq.js's Dish shape).
    expect([Buffer.isBuffer(body), Buffer.isBuffer(group)]).toEqual([true, true]);
    if (!str(group).startsWith("probe-")) return [str(group), str(body)];
  }
}

async function connectPair(transport: Transport, radioImpl: Impl, dishImpl: Impl, binder: "radio" | "dish", groups: (string | Uint8Array)[]) {
  const radio = makeRadio(radioImpl);
  const dish = makeDish(dishImpl);
  if (groups.length > 0) dish.join(...groups);
  const [bindSide, bindImpl] = binder === "dish" ? [dish, dishImpl] : [radio, radioImpl];
  const connectSide = binder === "dish" ? radio : dish;
  const at = await address(transport, bindImpl);
  await bindSide.bind(at);
  // libzmq's lastEndpoint for udp is the address without "udp://" (its udp_address_t::to_string); ours has the port bound.
  connectSide.connect(transport === "udp" && bindImpl === "libzmq" ? at : bindSide.lastEndpoint!);
  await untilJoined(radio, dish);
  return { radio, dish };
}

const describeDraft = describeDraftFor("draft-radiodish");

describeDraft("RADIO/DISH against libzmq 4.3.5", () => {
  for (const transport of ["tcp", "ipc", "udp"] as const) {
    for (const radioImpl of ["ours", "libzmq"] as const) {
      const dishImpl: Impl = radioImpl === "ours" ? "libzmq" : "ours";
      // libzmq's udp: the dish binds, the radio connects.
      for (const binder of transport === "udp" ? (["dish"] as const) : (["radio", "dish"] as const)) {
        it(`${transport}: ${radioImpl} Radio -> ${dishImpl} Dish, the ${binder} binds`, async () => {
          const { radio, dish } = await connectPair(transport, radioImpl, dishImpl, binder, ["weather", "news"]);
          const sent: [string, string][] = [
            ["weather", "sunny"],
            ["sport", "3-1"],
            ["news", "hello"],
            ["weathe", "a prefix is no match"],
            ["", "the empty group"],
            ["weather", ""],
            ["news", "x".repeat(5000)],
          ];
          for (const [group, body] of sent) await radio.send(body, { group });
          expect(await next(dish)).toEqual(["weather", "sunny"]);
          expect(await next(dish)).toEqual(["news", "hello"]);
          expect(await next(dish)).toEqual(["weather", ""]);
          expect(await next(dish)).toEqual(["news", "x".repeat(5000)]);
          // leave() stops a group (at the radio over tcp/ipc, at the dish over udp).
          dish.leave("weather");
          await untilJoined(radio, dish);
          await radio.send("gone", { group: "weather" });
          await radio.send("still here", { group: "news" });
          expect(await next(dish)).toEqual(["news", "still here"]);
        });
      }
    }
  }

  for (const transport of ["tcp", "udp"] as const) {
    for (const radioImpl of ["ours", "libzmq"] as const) {
      const dishImpl: Impl = radioImpl === "ours" ? "libzmq" : "ours";
      // libzmq 4.3.5's udp DISH reads the group length byte as a signed char and aborts the
      // process (ENOMEM in udp_engine.cpp in_event) for groups of 128 bytes or more; its
      // own RADIO sends them. Fixed in libzmq master. So a libzmq DISH gets 127 bytes over udp.
      const length = transport === "udp" && dishImpl === "libzmq" ? 127 : 255;
      it(`${transport}: a ${length}-byte group and a binary group, ${radioImpl} Radio -> ${dishImpl} Dish`, async () => {
        const longest = "L".repeat(length);
        const binary = Buffer.from([0xf6, 0x46, 0x1f, 0x03, 0xd2, 0x0d, 0xc8, 0x66, 0xe5, 0x5f, 0xf5, 0xa1, 0x65, 0x62, 0xb2]);
        const { radio, dish } = await connectPair(transport, radioImpl, dishImpl, "dish", [longest, binary]);
        await radio.send("long", { group: longest });
        await radio.send("binary", { group: binary });
        expect(await next(dish)).toEqual([longest, "long"]);
        expect(await next(dish)).toEqual([str(binary), "binary"]);
      });
    }
  }

  for (const radioImpl of ["ours", "libzmq"] as const) {
    const dishImpl: Impl = radioImpl === "ours" ? "libzmq" : "ours";
    it(`udp: an 8192-byte datagram arrives and 8193 bytes are dropped, ${radioImpl} Radio -> ${dishImpl} Dish`, async () => {
      const { radio, dish } = await connectPair("udp", radioImpl, dishImpl, "dish", ["g"]);
      await radio.send(Buffer.alloc(8190, 0x61), { group: "g" }); // 1 + 1 + 8190 = 8192
      await radio.send(Buffer.alloc(8191, 0x62), { group: "g" }); // 8193: dropped by the sender
      await radio.send("after", { group: "g" });
      const [group, body] = await next(dish);
      expect([group, body.length, body[0]]).toEqual(["g", 8190, "a"]);
      expect(await next(dish)).toEqual(["g", "after"]);
    });
  }

  it("tcp: our Dish joins again when a libzmq Radio restarts on the same endpoint", async () => {
    const first = open.track(new draft.Radio({ linger: 0, sendTimeout: IO_TIMEOUT }));
    await first.bind("tcp://127.0.0.1:*");
    const endpoint = first.lastEndpoint!;
    const dish = new Dish({ context, receiveTimeout: IO_TIMEOUT, reconnectInterval: 10 });
    open.track(dish);
    dish.join("again");
    dish.connect(endpoint);
    await untilJoined(first, dish);
    await first.send("one", { group: "again" });
    expect(await next(dish)).toEqual(["again", "one"]);
    // libzmq closes a listener in its I/O thread: wait for its "close" event before binding the port again.
    const listenerClosed = new Promise<void>((resolve) => first.events.on("close", () => resolve()));
    await first.unbind(endpoint);
    await listenerClosed;
    first.close();
    const second = makeRadio("libzmq");
    await second.bind(endpoint);
    await untilJoined(second, dish);
    await second.send("two", { group: "again" });
    expect(await next(dish)).toEqual(["again", "two"]);
  });

  it("tcp: a libzmq Dish's JOIN reaches our Radio before its first message, with several dishes", async () => {
    const radio = makeRadio("ours");
    await radio.bind("tcp://127.0.0.1:*");
    const dishes = [makeDish("libzmq"), makeDish("ours"), makeDish("libzmq")];
    dishes[0]!.join("a");
    dishes[1]!.join("b");
    dishes[2]!.join("a", "b");
    for (const d of dishes) d.connect(radio.lastEndpoint!);
    for (const d of dishes) await untilJoined(radio, d);
    await radio.send("for a", { group: "a" });
    await radio.send("for b", { group: "b" });
    await radio.send("for c", { group: "c" });
    expect(await next(dishes[0]!)).toEqual(["a", "for a"]);
    expect(await next(dishes[1]!)).toEqual(["b", "for b"]);
    expect(await next(dishes[2]!)).toEqual(["a", "for a"]);
    expect(await next(dishes[2]!)).toEqual(["b", "for b"]);
  });
});

// ---- multicast, inside a network namespace of its own ---------------------------------

/** True when this process may make a network namespace (root in CI; often not on a developer's machine). */
function canUnshare(): boolean {
  try {
    execFileSync("unshare", ["-n", "sh", "-c", "ip link set lo up && ip route add 224.0.0.0/4 dev lo"], { stdio: "pipe", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const require = createRequire(import.meta.url);
const url = (path: string) => pathToFileURL(path).href;

/**
 * The child: runs in the namespace, where lo is up and routes 224.0.0.0/4,
 * so multicast never leaves it. It prints one JSON line per case.
 */
const CHILD = `
import { Context } from ${JSON.stringify(url(require.resolve("@zmq/zeromq")))};
import * as draft from ${JSON.stringify(url(require.resolve("zeromq/draft")))};
import { Dish, Radio } from ${JSON.stringify(url(require.resolve("@zmq/zeromq/draft")))};
setTimeout(() => { console.log(JSON.stringify({ error: "child timed out" })); process.exit(2); }, 30000).unref();
const context = new Context();
const str = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString();
async function run(name, radio, dish, bindAt, connectTo) {
  try {
    dish.join("mc");
    await dish.bind(bindAt);
    radio.connect(connectTo);
    let got;
    const receiving = dish.receive().then((m) => (got = m));
    let sent = 0;
    while (got === undefined) {
      await radio.send("hello " + ++sent, { group: "mc" });
      await new Promise((r) => setImmediate(r));
    }
    await receiving;
    const [body, { group }] = got;
    console.log(JSON.stringify({ name, group: str(group), body: str(body).slice(0, 5) }));
  } catch (e) {
    console.log(JSON.stringify({ name, error: String(e) }));
  } finally {
    radio.close();
    dish.close();
  }
}
const ours = { radio: () => new Radio({ context, linger: 0 }), dish: () => new Dish({ context, receiveTimeout: 10000 }) };
const libzmq = { radio: () => new draft.Radio({ linger: 0 }), dish: () => new draft.Dish({ linger: 0, receiveTimeout: 10000 }) };
await run("ours->libzmq", ours.radio(), libzmq.dish(), "udp://239.0.0.7:5601", "udp://239.0.0.7:5601");
await run("libzmq->ours", libzmq.radio(), ours.dish(), "udp://239.0.0.8:5602", "udp://239.0.0.8:5602");
await run("ours->libzmq iface", ours.radio(), libzmq.dish(), "udp://127.0.0.1;239.0.0.9:5603", "udp://127.0.0.1;239.0.0.9:5603");
await run("libzmq->ours iface", libzmq.radio(), ours.dish(), "udp://lo;239.0.0.10:5604", "udp://127.0.0.1;239.0.0.10:5604");
// Ours on both sides, the interface named by its NIC name on both.
await run("ours->ours nic", ours.radio(), ours.dish(), "udp://lo;239.0.0.11:5605", "udp://lo;239.0.0.11:5605");
process.exit(0);
`;

const multicast = draftAvailable && canUnshare();
if (draftAvailable && !multicast)
  console.warn("draft-radiodish multicast: skipped, `unshare -n` is not permitted here (it needs root or user namespaces)");

(multicast ? describe : describe.skip)("RADIO/DISH multicast against libzmq 4.3.5, in a private network namespace", () => {
  it("delivers over 239.0.0.0/8 on the namespace's lo, both ways, with and without an interface (an address or a NIC name)", async () => {
    const child = spawn(
      "unshare",
      ["-n", "sh", "-c", 'ip link set lo up && ip route add 224.0.0.0/4 dev lo && exec node --input-type=module -e "$CHILD"'],
      {
        env: { ...process.env, CHILD },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    const lines = out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { name?: string; group?: string; body?: string; error?: string });
    expect({ code, lines, err: code === 0 ? "" : err }).toEqual({
      code: 0,
      lines: [
        { name: "ours->libzmq", group: "mc", body: "hello" },
        { name: "libzmq->ours", group: "mc", body: "hello" },
        { name: "ours->libzmq iface", group: "mc", body: "hello" },
        { name: "libzmq->ours iface", group: "mc", body: "hello" },
        { name: "ours->ours nic", group: "mc", body: "hello" },
      ],
      err: "",
    });
  }, 40_000);
});
