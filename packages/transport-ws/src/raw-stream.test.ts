// The Node WebSocket stream's client side masks each large body into a
// buffer of its own, and lends those buffers again once a write went to the
// kernel whole. Here, two RawWsStreams over a real loopback connection: the
// server end stops reading until the client's writes queue in Node, then
// reads everything. Every message must arrive as it was sent (a buffer lent
// again while Node still held it would show another message's bytes).
import { type AddressInfo, type Socket, connect, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RawWsStream } from "./raw-stream.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function socketPair(): Promise<{ client: Socket; server: Socket }> {
  const listener = createServer();
  cleanups.push(() => listener.close());
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const accepted = new Promise<Socket>((resolve) => listener.once("connection", resolve));
  const client = connect((listener.address() as AddressInfo).port, "127.0.0.1");
  await new Promise<void>((resolve) => client.once("connect", resolve));
  const server = await accepted;
  cleanups.push(
    () => client.destroy(),
    () => server.destroy(),
  );
  return { client, server };
}

const stream = (socket: Socket, client: boolean) =>
  new RawWsStream(socket, {
    endpoint: "ws://127.0.0.1/",
    remoteAddress: "127.0.0.1",
    client,
    maxPayload: 1 << 30,
    alloc: (n) => Buffer.allocUnsafe(n),
  });

describe("RawWsStream: masking buffers lent again", () => {
  it("large masked frames written behind a stalled reader, then more: each arrives as it was sent", async () => {
    const { client, server } = await socketPair();
    const sizes = [65536, 40_000, 70_000, 2048, 65536, 100_000];
    const message = (i: number) => new Uint8Array(sizes[i % sizes.length]!).fill(i & 0xff);
    const writer = stream(client, true);
    writer.setHandlers({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
    writer.open(new Uint8Array(0));

    // Write, a batch of four at a time as the engine would, until Node holds what the kernel would not take; then more.
    let sent = 0;
    const batch = () => {
      const messages = [0, 1, 2, 3].map(() => [message(sent++)]);
      writer.writeFrames(messages);
    };
    while (client.writableLength === 0 && sent < 100_000) batch();
    expect(client.writableLength).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) batch();

    const got: Uint8Array[] = [];
    const all = new Promise<void>((resolve, reject) => {
      const reader = stream(server, false);
      reader.setHandlers({
        onData: (payload) => {
          got.push(payload.slice());
          if (got.length === sent) resolve();
        },
        onFrameAt: (chunk, start, length) => {
          got.push(chunk.slice(start, start + length));
          if (got.length === sent) resolve();
        },
        onBadFrame: (reason) => reject(new Error(reason)),
        onDrain: () => {},
        onClose: () => {},
      });
      reader.open(new Uint8Array(0));
    });
    await all;
    let good = 0;
    for (; good < sent; good++) {
      const payload = got[good]!;
      const size = sizes[good % sizes.length]!;
      const b = good & 0xff;
      // The ZWS flags byte, then the body.
      if (payload.length !== size + 1 || payload[0] !== 0 || payload[1] !== b || payload[size] !== b || payload[size >> 1] !== b) break;
    }
    expect(good).toBe(sent);
  });
});
