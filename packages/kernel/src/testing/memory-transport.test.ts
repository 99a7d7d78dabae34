import { afterEach, describe, expect, it, vi } from "vitest";
import { parseEndpoint } from "../endpoint.js";
import { isZmqError } from "../index.js";
import { type ByteStream, type ConnectOptions, type ListenOptions, TRANSPORT_API_VERSION } from "../index.js";
import { memoryTransport } from "./memory-transport.js";
import { recordStream } from "./stream-recorder.js";

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

afterEach(() => {
  vi.useRealTimers();
});

describe("memoryTransport", () => {
  const listenOptions: ListenOptions = { backlog: 100, ipv6: false };
  const connectOptions: ConnectOptions = { ipv6: false, connectTimeout: 0, tcpKeepalive: -1, tcpKeepaliveIdle: -1 };

  it("implements the stream transport interface for scheme mem", () => {
    const t = memoryTransport();
    expect([t.apiVersion, t.kind, t.scheme]).toEqual([TRANSPORT_API_VERSION, "stream", "mem"]);
    expect(memoryTransport({ scheme: "tcp" }).scheme).toBe("tcp");
  });

  it("connects to a listener: onConnection gets the other end, the connector onConnect, bytes flow both ways", async () => {
    const t = memoryTransport();
    const accepted: ByteStream[] = [];
    const listener = await t.listen(parseEndpoint("mem://svc"), listenOptions, (s) => accepted.push(s));
    expect(listener.endpoint).toBe("mem://svc");
    expect(t.endpoints).toEqual(["mem://svc"]);
    const client = t.connect(parseEndpoint("mem://svc"), connectOptions);
    const rc = recordStream(client);
    expect(accepted).toEqual([]); // connecting, not yet connected
    client.write(bytes(1, 2)); // written while connecting: waits at the other end
    await rc.until(() => rc.connects === 1);
    expect(accepted.length).toBe(1);
    const server = accepted[0]!;
    expect([client.endpoint, server.endpoint]).toEqual(["mem://svc", "mem://svc"]);
    const rs = recordStream(server);
    server.write(bytes(3));
    await Promise.all([rs.until(() => rs.chunks.length === 1), rc.until(() => rc.chunks.length === 1)]);
    expect(rs.bytes()).toEqual(bytes(1, 2));
    expect(rc.log).toEqual(["connect", "data:1"]);
    expect(t.connections.map((c) => [c.index, c.connector === client, c.acceptor === server])).toEqual([[0, true, true]]);
  });

  it("refuses a connect with no listener, asynchronously, with ECONNREFUSED", async () => {
    const t = memoryTransport();
    const client = t.connect(parseEndpoint("mem://nobody"), connectOptions);
    const rc = recordStream(client);
    expect(rc.closes).toEqual([]);
    await rc.until(() => rc.closes.length === 1);
    expect(rc.closes).toEqual([[{ code: "ECONNREFUSED", message: expect.stringContaining("mem://nobody") as unknown }]]);
    expect(rc.connects).toBe(0);
    expect(t.connections).toEqual([]);
  });

  it("rejects a second listen on the same name with EADDRINUSE", async () => {
    const t = memoryTransport();
    await t.listen(parseEndpoint("mem://a"), listenOptions, () => undefined);
    const error: unknown = await t.listen(parseEndpoint("mem://a"), listenOptions, () => undefined).catch((e: unknown) => e);
    expect(isZmqError(error, "EADDRINUSE")).toBe(true);
    expect(error).toMatchObject({ code: "EADDRINUSE", address: "mem://a" });
  });

  it("keeps registries private to each transport instance", async () => {
    const t1 = memoryTransport();
    const t2 = memoryTransport();
    await t1.listen(parseEndpoint("mem://a"), listenOptions, () => undefined);
    await expect(t2.listen(parseEndpoint("mem://a"), listenOptions, () => undefined)).resolves.toBeDefined();
  });

  it("replaces a * address with a unique generated name that can be connected to", async () => {
    const t = memoryTransport();
    await t.listen(parseEndpoint("mem://auto-2"), listenOptions, () => undefined);
    const accepted: ByteStream[] = [];
    const l1 = await t.listen(parseEndpoint("mem://*"), listenOptions, (s) => accepted.push(s));
    const l2 = await t.listen(parseEndpoint("mem://*"), listenOptions, () => undefined);
    expect([l1.endpoint, l2.endpoint]).toEqual(["mem://auto-1", "mem://auto-3"]);
    const rc = recordStream(t.connect(parseEndpoint(l1.endpoint), connectOptions));
    await rc.until(() => rc.connects === 1);
    expect(accepted.length).toBe(1);
    expect(() => t.connect(parseEndpoint("mem://*"), connectOptions)).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("Listener.close() stops new connections, keeps accepted ones and frees the name", async () => {
    const t = memoryTransport();
    const accepted: ByteStream[] = [];
    const listener = await t.listen(parseEndpoint("mem://x"), listenOptions, (s) => accepted.push(s));
    const r1 = recordStream(t.connect(parseEndpoint("mem://x"), connectOptions));
    await r1.until(() => r1.connects === 1);
    listener.close();
    expect(t.endpoints).toEqual([]);
    const r2 = recordStream(t.connect(parseEndpoint("mem://x"), connectOptions));
    await r2.until(() => r2.closes.length === 1);
    expect(r2.closes[0]?.[0]?.code).toBe("ECONNREFUSED");
    const rs = recordStream(accepted[0]!);
    t.connections[0]!.connector.write(bytes(9));
    await rs.until(() => rs.chunks.length === 1);
    await expect(t.listen(parseEndpoint("mem://x"), listenOptions, () => undefined)).resolves.toBeDefined();
    listener.close(); // a stale close must not remove the new registration
    expect(t.endpoints).toEqual(["mem://x"]);
  });

  it("applies fault options to the streams it makes", async () => {
    const t = memoryTransport({ faults: { chunkSize: 1, acceptor: { chunkSize: 2, remoteAddress: "127.0.0.1" } } });
    const accepted: ByteStream[] = [];
    await t.listen(parseEndpoint("mem://f"), listenOptions, (s) => accepted.push(s));
    const client = t.connect(parseEndpoint("mem://f"), connectOptions);
    const rc = recordStream(client);
    client.write(bytes(1, 2, 3));
    await rc.until(() => rc.connects === 1);
    const server = accepted[0]!;
    expect(server.remoteAddress).toBe("127.0.0.1");
    const rs = recordStream(server);
    server.write(bytes(4, 5, 6));
    await Promise.all([rs.until(() => rs.chunks.length === 3), rc.until(() => rc.chunks.length === 2)]);
    expect(rs.chunks.map((c) => c.length)).toEqual([1, 1, 1]);
    expect(rc.chunks.map((c) => c.length)).toEqual([2, 1]);
  });

  it("asks a faults function per connection", async () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    const t = memoryTransport({
      faults: ({ endpoint, index }) => {
        seen.push(`${endpoint}#${index}`);
        return index === 1 ? { delayMs: 20 } : undefined;
      },
    });
    const accepted: ByteStream[] = [];
    await t.listen(parseEndpoint("mem://g"), listenOptions, (s) => accepted.push(s));
    const fast = t.connect(parseEndpoint("mem://g"), connectOptions);
    const slow = t.connect(parseEndpoint("mem://g"), connectOptions);
    await vi.advanceTimersByTimeAsync(0);
    const [rFast, rSlow] = accepted.map((s) => recordStream(s));
    fast.write(bytes(1));
    slow.write(bytes(2));
    await vi.advanceTimersByTimeAsync(0);
    expect(rFast!.bytes()).toEqual(bytes(1));
    expect(rSlow!.bytes()).toEqual(bytes());
    await vi.advanceTimersByTimeAsync(20);
    expect(rSlow!.bytes()).toEqual(bytes(2));
    expect(seen).toEqual(["mem://g#0", "mem://g#1"]);
  });
});
