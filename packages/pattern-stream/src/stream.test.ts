import { Context } from "@zmq/kernel";
import { createCleanup, errorCode, nextEvent } from "@zmq/kernel/testing";
import { inproc } from "@zmq/transport-inproc";
import { ipc } from "@zmq/transport-ipc";
import { tcp } from "@zmq/transport-tcp";
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, type Server, type Socket, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Stream } from "./index.js";

const context = new Context({ transports: [tcp(), ipc(), inproc()] });
const open = createCleanup();
afterEach(open.closeAll);

const dir = mkdtempSync(join(tmpdir(), "zmq-stream-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let ipcCount = 0;
const decoder = new TextDecoder();
const text = (bytes: Uint8Array): string => decoder.decode(bytes);

/** A raw client: connects and collects everything it reads, as text. */
function rawClient(port: number | string): { socket: Socket; received: () => string; ended: Promise<void> } {
  const socket = typeof port === "number" ? connect(port, "127.0.0.1") : connect(port);
  open.track({ close: () => socket.destroy() });
  let data = "";
  socket.on("data", (chunk) => (data += chunk.toString()));
  socket.on("error", () => {});
  const ended = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  return { socket, received: () => data, ended };
}

function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
}

async function boundStream(options: ConstructorParameters<typeof Stream>[0] = {}): Promise<{ stream: Stream; port: number }> {
  const stream = open.track(new Stream({ context, ...options }));
  await stream.bind("tcp://127.0.0.1:*");
  return { stream, port: portOf(stream.lastEndpoint!) };
}

/** Receives until a message with data arrives, joining the bytes of one peer's reads (TCP may split them). */
async function receiveText(stream: Stream, length: number): Promise<{ id: Uint8Array; body: string }> {
  let body = "";
  let id: Uint8Array | undefined;
  while (body.length < length) {
    const [from, data] = await stream.receive();
    if (data.length === 0) continue;
    id = from;
    body += text(data);
  }
  return { id: id!, body };
}

describe("Stream, bound, with raw TCP clients", () => {
  it("gives [id, ''] on connect, [id, data] for each read, and [id, ''] when the peer goes", async () => {
    const { stream, port } = await boundStream();
    const client = rawClient(port);
    const [id, hello] = await stream.receive();
    expect(hello.length).toBe(0);
    expect(id.length).toBe(5);
    expect(id[0]).toBe(0);
    client.socket.write("GET / HTTP/1.0\r\n\r\n");
    const got = await receiveText(stream, 18);
    expect(got.body).toBe("GET / HTTP/1.0\r\n\r\n");
    expect(got.id).toEqual(id);
    client.socket.end();
    const [goneId, gone] = await stream.receive();
    expect(goneId).toEqual(id);
    expect(gone.length).toBe(0);
  });

  it("writes [id, data] to that peer and closes it with [id, ''] after what was sent", async () => {
    const { stream, port } = await boundStream();
    const client = rawClient(port);
    const [id] = await stream.receive();
    const big = "x".repeat(1 << 20);
    await stream.send([id, "HTTP/1.0 200 OK\r\n\r\n"]);
    await stream.send([id, big]);
    await stream.send([id, ""]);
    await client.ended;
    expect(client.received()).toBe("HTTP/1.0 200 OK\r\n\r\n" + big);
    // The peer is forgotten at once.
    await expect(stream.send([id, "more"])).rejects.toMatchObject({ code: "EHOSTUNREACH" });
  });

  it("keeps peers apart by routing id", async () => {
    const { stream, port } = await boundStream();
    const a = rawClient(port);
    const [idA] = await stream.receive();
    const b = rawClient(port);
    const [idB] = await stream.receive();
    expect(idA).not.toEqual(idB);
    await stream.send([idB, "to b"]);
    await stream.send([idA, "to a"]);
    await stream.send([idA, ""]);
    await stream.send([idB, ""]);
    await Promise.all([a.ended, b.ended]);
    expect(a.received()).toBe("to a");
    expect(b.received()).toBe("to b");
  });

  it("refuses an unknown routing id with EHOSTUNREACH and a message that is not [id, data] with EINVAL", async () => {
    const { stream } = await boundStream();
    expect(errorCode(await stream.send(["nobody", "x"]).catch((e: unknown) => e))).toBe("EHOSTUNREACH");
    expect(errorCode(await (stream.send as (m: unknown) => Promise<void>)(["a", "b", "c"]).catch((e: unknown) => e))).toBe("EINVAL");
    expect(errorCode(await (stream.send as (m: unknown) => Promise<void>)("a").catch((e: unknown) => e))).toBe("EINVAL");
  });

  it("gives no notifications with notify false", async () => {
    const { stream, port } = await boundStream({ notify: false });
    expect(stream.notify).toBe(false);
    const client = rawClient(port);
    client.socket.write("ping");
    const [id, data] = await stream.receive();
    expect(text(data)).toBe("ping");
    client.socket.end();
    await client.ended;
    await stream.send([id, "late"]).catch(() => {});
    // Nothing else arrives: the disconnect is silent.
    expect(stream.readable).toBe(false);
  });

  it("delivers a flood from one peer whole, in order, through a small high-water mark", async () => {
    const { stream, port } = await boundStream({ receiveHighWaterMark: 2 });
    const client = rawClient(port);
    await stream.receive();
    const total = 4 << 20;
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < total / chunk.length; i++) {
      chunk.fill(i & 0xff);
      client.socket.write(Buffer.from(chunk));
    }
    let got = 0;
    let ok = true;
    while (got < total) {
      const [, data] = await stream.receive();
      for (let i = 0; i < data.length; i++) if (data[i] !== (Math.floor((got + i) / chunk.length) & 0xff)) ok = false;
      got += data.length;
    }
    expect(ok).toBe(true);
    expect(got).toBe(total);
  });

  it("keeps serving other peers while hostile ones connect and vanish", async () => {
    const { stream, port } = await boundStream();
    for (let i = 0; i < 50; i++) rawClient(port).socket.destroy();
    const good = rawClient(port);
    good.socket.write("hello");
    const got = await receiveText(stream, 5);
    expect(got.body).toBe("hello");
    await stream.send([got.id, "world"]);
    await stream.send([got.id, ""]);
    await good.ended;
    expect(good.received()).toBe("world");
  });
  it("serves a good peer while slow peers trickle one byte at a time", async () => {
    const { stream, port } = await boundStream();
    const slow = Array.from({ length: 20 }, () => rawClient(port));
    const timer = setInterval(() => {
      for (const s of slow) s.socket.write("z");
    }, 20);
    open.track({ close: () => clearInterval(timer) });
    const good = rawClient(port);
    good.socket.setNoDelay(true);
    const bytesFrom = new Map<string, number>();
    let goodId: Uint8Array | undefined;
    let rounds = 0;
    good.socket.write("ping0");
    while (rounds < 5) {
      const [id, data] = await stream.receive();
      const key = Buffer.from(id).toString("hex");
      const t = text(data);
      if (t.startsWith("ping")) {
        goodId = id;
        rounds++;
        await stream.send([id, "pong"]);
        good.socket.write(`ping${rounds}`);
      } else if (t.length > 0) {
        expect(t).toMatch(/^z+$/);
        bytesFrom.set(key, (bytesFrom.get(key) ?? 0) + t.length);
      }
    }
    clearInterval(timer);
    expect(goodId).toBeDefined();
    await stream.send([goodId!, ""]);
    await good.ended;
    expect(good.received()).toBe("pong".repeat(5));
    expect(bytesFrom.has(Buffer.from(goodId!).toString("hex"))).toBe(false);
  });
});

describe("Stream, connecting out", () => {
  async function rawServer(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
    const server = createServer(onSocket);
    open.track({ close: () => server.close() });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { server, port: (server.address() as AddressInfo).port };
  }

  it("takes a routing id from connect(), queues sends until connected, and reads the reply", async () => {
    const { port } = await rawServer((socket) => {
      socket.on("data", (d) => socket.end(`echo:${d.toString()}`));
    });
    const stream = open.track(new Stream({ context }));
    stream.connect(`tcp://127.0.0.1:${port}`, { routingId: "web" });
    await stream.send(["web", "hi"]);
    const [id1, first] = await stream.receive();
    expect(text(id1)).toBe("web");
    expect(first.length).toBe(0);
    const got = await receiveText(stream, 7);
    expect(text(got.id)).toBe("web");
    expect(got.body).toBe("echo:hi");
    const [, gone] = await stream.receive();
    expect(gone.length).toBe(0);
  });

  it("reconnects after the server drops it, with the same routing id and a new notification", async () => {
    let connections = 0;
    const { port } = await rawServer((socket) => {
      connections++;
      if (connections === 1) socket.destroy();
      else socket.write("second");
    });
    const stream = open.track(new Stream({ context, reconnectInterval: 10 }));
    stream.connect(`tcp://127.0.0.1:${port}`, { routingId: "again" });
    const seen: string[] = [];
    for (;;) {
      const [id, data] = await stream.receive();
      expect(text(id)).toBe("again");
      seen.push(text(data));
      if (seen.join("").includes("second")) break;
    }
    expect(seen.slice(0, 3)).toEqual(["", "", ""]);
  });

  it("closing a connected peer with [id, ''] ends that connect: no reconnect", async () => {
    let connections = 0;
    const closed: Promise<void>[] = [];
    const { port } = await rawServer((socket) => {
      connections++;
      closed.push(new Promise((resolve) => socket.on("close", () => resolve())));
      socket.resume();
    });
    const stream = open.track(new Stream({ context, reconnectInterval: 10 }));
    const connected = nextEvent(stream, "connect");
    stream.connect(`tcp://127.0.0.1:${port}`, { routingId: "once" });
    await connected;
    await stream.receive();
    await stream.send(["once", "bye"]);
    await stream.send(["once", ""]);
    await closed[0];
    // A reconnect would come within a few intervals; a bind/connect on another socket is the clock.
    const other = await boundStream();
    const probe = rawClient(other.port);
    await other.stream.receive();
    probe.socket.destroy();
    await other.stream.receive();
    expect(connections).toBe(1);
    await expect(stream.send(["once", "x"])).rejects.toMatchObject({ code: "EHOSTUNREACH" });
  });

  it("refuses a connect routingId that is empty, starts with a zero byte or is in use", () => {
    const stream = open.track(new Stream({ context }));
    expect(() => stream.connect("tcp://127.0.0.1:1", { routingId: "" })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => stream.connect("tcp://127.0.0.1:1", { routingId: new Uint8Array([0, 1]) })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    stream.connect("tcp://127.0.0.1:1", { routingId: "dup" });
    expect(() => stream.connect("tcp://127.0.0.1:2", { routingId: "dup" })).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });
});

describe("Stream over ipc and other transports", () => {
  it("serves raw unix-socket clients", async () => {
    const stream = open.track(new Stream({ context }));
    const path = join(dir, `s${ipcCount++}.sock`);
    await stream.bind(`ipc://${path}`);
    const client = rawClient(path);
    const [id] = await stream.receive();
    client.socket.write("over ipc");
    const got = await receiveText(stream, 8);
    expect(got.body).toBe("over ipc");
    await stream.send([id, "ok"]);
    await stream.send([id, ""]);
    await client.ended;
    expect(client.received()).toBe("ok");
  });

  it("closing the socket writes what was sent, then ends every connection", async () => {
    const { stream, port } = await boundStream();
    const client = rawClient(port);
    const [id] = await stream.receive();
    await stream.send([id, "last words"]);
    stream.close();
    await client.ended;
    expect(client.received()).toBe("last words");
  });

  it("closing at once with linger 0 still writes what was sent just before (an HTTP reply), as libzmq's I/O thread would have", async () => {
    const { stream, port } = await boundStream({ linger: 0 });
    const client = rawClient(port);
    const [id] = await stream.receive();
    await stream.send([id, "HTTP/1.0 200 OK\r\n\r\nHello world!"]);
    stream.close();
    await client.ended;
    expect(client.received()).toBe("HTTP/1.0 200 OK\r\n\r\nHello world!");
  });

  it("talks only raw bytes: a Stream cannot run over inproc's pipes or ws", () => {
    const stream = open.track(new Stream({ context }));
    const fake = { apiVersion: 2, kind: "stream", scheme: "ws" } as never;
    expect(() => (stream as unknown as { engineFor(t: unknown): unknown }).engineFor(fake)).toThrow(
      expect.objectContaining({ code: "EPROTONOSUPPORT" }),
    );
  });
});
