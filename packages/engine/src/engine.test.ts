// The engine and sessions end to end over the in-memory transport: the ZMTP
// handshake under 1-byte chunks and delays, backpressure both ways, batched
// writes, heartbeats, handshake timeout, maxMessageSize, reconnect timing,
// protocol errors that stop reconnection, and queues kept across reconnects.
import { FrameEncoder, ZmtpConnection, encodeGreeting, encodeReady } from "@zmq/wire";
import { type ByteStream, Context, type Msg, type SocketBase, type SocketOptions, type StreamTransport } from "@zmq/kernel";
import { type MemoryConnectionFaults, TestPull, TestPush, createCleanup, memoryTransport, text, watchEvents as watch } from "@zmq/kernel/testing";
import { afterEach, describe, expect, it } from "vitest";
import { zmtpEngine } from "./index.js";

const open = createCleanup<SocketBase>();
afterEach(open.closeAll);

function setup(faults?: MemoryConnectionFaults | ((info: { index: number }) => MemoryConnectionFaults | undefined)) {
  const transport = memoryTransport({ faults, engine: zmtpEngine });
  const context = new Context({ transports: [transport] });
  const push = (options: Omit<SocketOptions, "context"> = {}) => open.track(new TestPush({ context, ...options }));
  const pull = (options: Omit<SocketOptions, "context"> = {}) => open.track(new TestPull({ context, ...options }));
  return { transport, context, push, pull };
}

describe("handshake and traffic over a ByteStream", () => {
  it("works under 1-byte chunks and delays, with the events libzmq emits", async () => {
    const { pull, push } = setup({ chunkSize: 1, delayMs: 1 });
    const rx = pull();
    const rxEvents = watch(rx);
    await rx.bind("mem://*");
    const tx = push({ routingId: "pusher" });
    const txEvents = watch(tx);
    tx.connect(rx.lastEndpoint!);
    await tx.send(["hello", "", "world"]);
    await tx.send("second");
    expect(text(await rx.receive())).toEqual(["hello", "", "world"]);
    expect(text(await rx.receive())).toEqual(["second"]);
    await rxEvents.next("handshake");
    expect(rxEvents.types()).toEqual(["bind", "accept", "handshake"]);
    expect(txEvents.types()).toEqual(["connect:delay", "connect", "handshake"]);
    expect(rx.peers[0]!.socketType).toBe("PUSH");
    expect(rxEvents.events[0]).toEqual({ type: "bind", address: rx.lastEndpoint });
  });

  it("stops reading a connection at the receive HWM and loses nothing", async () => {
    const { transport, pull, push } = setup();
    const rx = pull({ receiveHighWaterMark: 5 });
    await rx.bind("mem://*");
    const tx = push({ sendHighWaterMark: 5 });
    tx.connect(rx.lastEndpoint!);
    const total = 2000;
    const sending = (async () => {
      for (let i = 0; i < total; i++) await tx.send(String(i));
    })();
    // Until the application reads, the engine must have paused the stream.
    await new Promise<void>((r) => {
      const check = () => (transport.connections[0]?.acceptor.paused ? r() : setTimeout(check, 1));
      check();
    });
    for (let i = 0; i < total; i++) expect(text(await rx.receive())).toEqual([String(i)]);
    await sending;
  });

  it("with no receive HWM (0) still stops reading once 1,000 messages wait unread, and loses nothing", async () => {
    const { transport, pull, push } = setup();
    const rx = pull({ receiveHighWaterMark: 0 });
    await rx.bind("mem://*");
    const tx = push({ sendHighWaterMark: 0 });
    tx.connect(rx.lastEndpoint!);
    const total = 5000;
    // HWM 0 on both sides: every send completes at once.
    for (let i = 0; i < total; i++) await tx.send(String(i));
    await new Promise<void>((r) => {
      const check = () => (transport.connections[0]?.acceptor.paused ? r() : setTimeout(check, 1));
      check();
    });
    for (let i = 0; i < total; i++) expect(text(await rx.receive())).toEqual([String(i)]);
    expect(transport.connections[0]!.acceptor.paused).toBe(false);
  });

  it("stops pulling from the pipe while the stream is full, and resumes on drain", async () => {
    const { pull, push } = setup({ highWaterMark: 64, delayMs: 1 });
    const rx = pull();
    await rx.bind("mem://*");
    const tx = push({ sendHighWaterMark: 10 });
    tx.connect(rx.lastEndpoint!);
    const body = new Uint8Array(1000).fill(7);
    const sending = (async () => {
      for (let i = 0; i < 300; i++) await tx.send([String(i), body]);
    })();
    for (let i = 0; i < 300; i++) {
      const [n, b] = await rx.receive();
      expect(new TextDecoder().decode(n)).toBe(String(i));
      expect(b!.length).toBe(1000);
    }
    await sending;
  });

  it("batches many queued messages into few writes", async () => {
    const inner = memoryTransport({ engine: zmtpEngine });
    let writes = 0;
    const counting: StreamTransport = {
      ...inner,
      listen: (e, o, on) => inner.listen(e, o, on),
      connect(endpoint, options): ByteStream {
        const s = inner.connect(endpoint, options);
        return new Proxy(s, {
          get(target, prop, receiver) {
            if (prop === "write" || prop === "writev") {
              return (x: never) => {
                writes++;
                return (Reflect.get(target, prop, receiver) as (y: never) => boolean).call(target, x);
              };
            }
            const v = Reflect.get(target, prop, receiver) as unknown;
            return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        });
      },
      defer: (fn) => setTimeout(fn, 0),
    };
    const context = new Context({ transports: [counting] });
    const rx = open.track(new TestPull({ context }));
    const tx = open.track(new TestPush({ context }));
    await rx.bind("mem://*");
    tx.connect(rx.lastEndpoint!);
    await tx.send("first");
    await rx.receive();
    const before = writes;
    for (let i = 0; i < 500; i++) await tx.send(String(i));
    for (let i = 0; i < 500; i++) await rx.receive();
    expect(writes - before).toBeLessThanOrEqual(5);
  });
});

/** A peer that completes the ZMTP handshake by hand over a raw mem stream. */
function rawPeer(stream: ByteStream, socketType: "PULL" | "PUSH", options: { dropPongs?: boolean; silent?: boolean; connecting?: boolean } = {}) {
  const got: Msg[] = [];
  const conn = new ZmtpConnection(
    { socketType },
    {
      send: (c) => {
        if (options.silent) return;
        // A PONG is "04 04 PONG": drop it to play a dead peer.
        if (options.dropPongs && c.length >= 6 && c[2] === 4 && c[3] === 0x50 && c[4] === 0x4f) return;
        stream.write(c);
      },
      onReady: () => {},
      onMessage: (m) => got.push(m),
      onCommand: () => {},
      onError: () => stream.destroy(),
    },
  );
  // A connecting stream starts the greeting on connect; an accepted one at once.
  stream.setHandlers({ onConnect: () => conn.start(), onData: (c) => conn.feed(c), onDrain: () => {}, onClose: () => {} });
  if (!options.connecting) conn.start();
  return { conn, got, send: (m: Msg) => conn.encodeMessages([m]).forEach((c) => stream.write(c)) };
}

describe("timers", () => {
  it("answers PINGs and keeps a live connection", async () => {
    const { pull, push } = setup();
    const rx = pull({ heartbeatInterval: 10 });
    await rx.bind("mem://*");
    const tx = push({ heartbeatInterval: 10, heartbeatTimeout: 30 });
    const ev = watch(tx);
    tx.connect(rx.lastEndpoint!);
    await tx.send("a");
    await rx.receive();
    // Many heartbeat periods later the connection still works and never dropped.
    await new Promise((r) => setTimeout(r, 120));
    await tx.send("b");
    expect(text(await rx.receive())).toEqual(["b"]);
    expect(ev.types()).not.toContain("disconnect");
  });

  it("drops a peer that stops answering PINGs, then reconnects", async () => {
    const { transport, push } = setup();
    let peers = 0;
    const listener = await transport.listen({ scheme: "mem", address: "dead", url: "mem://dead" }, { backlog: 1, ipv6: false }, (s) => {
      peers++;
      rawPeer(s, "PULL", { dropPongs: true });
    });
    const tx = push({ heartbeatInterval: 10, heartbeatTimeout: 40, reconnectInterval: 5 });
    const ev = watch(tx);
    tx.connect("mem://dead");
    await ev.next("handshake");
    await ev.next("disconnect");
    await ev.next("connect:retry");
    await ev.next("handshake", 2);
    expect(peers).toBeGreaterThanOrEqual(2);
    listener.close();
  });

  it("drops a connection whose handshake does not finish in handshakeInterval", async () => {
    const { transport, push } = setup();
    const listener = await transport.listen({ scheme: "mem", address: "mute", url: "mem://mute" }, { backlog: 1, ipv6: false }, (s) => {
      s.setHandlers({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
    });
    const tx = push({ handshakeInterval: 30, reconnectInterval: -1 });
    const ev = watch(tx);
    tx.connect("mem://mute");
    const e = await ev.next("handshake:error:other");
    expect(e).toMatchObject({ address: "mem://mute", error: { code: "EAGAIN" } });
    await ev.next("disconnect");
    listener.close();
  });

  it("disconnects a peer that sends a frame over maxMessageSize", async () => {
    const { transport, pull } = setup();
    const rx = pull({ maxMessageSize: 100 });
    const ev = watch(rx);
    await rx.bind("mem://*");
    const stream = transport.connect(
      { scheme: "mem", address: rx.lastEndpoint!.slice(6), url: rx.lastEndpoint! },
      { ipv6: false, connectTimeout: 0, tcpKeepalive: -1, tcpKeepaliveIdle: -1 },
    );
    const peer = rawPeer(stream, "PUSH", { connecting: true });
    await ev.next("handshake");
    peer.send([new Uint8Array(100)]);
    peer.send([new Uint8Array(101)]);
    await ev.next("disconnect");
    expect((await rx.receive()).map((f) => f.length)).toEqual([100]);
  });
});

describe("reconnection", () => {
  it("retries a refused connect with libzmq's jittered interval", async () => {
    const { push } = setup();
    const tx = push({ reconnectInterval: 10 });
    const ev = watch(tx);
    tx.connect("mem://nobody");
    const intervals: number[] = [];
    for (let i = 1; i <= 3; i++) intervals.push(((await ev.next("connect:retry", i)) as { interval: number }).interval);
    for (const n of intervals) expect(n >= 10 && n < 20).toBe(true);
    expect(ev.types().slice(0, 3)).toEqual(["connect:delay", "close", "connect:retry"]);
  });

  it("doubles the interval up to reconnectMaxInterval, without jitter", async () => {
    const { push } = setup();
    const tx = push({ reconnectInterval: 5, reconnectMaxInterval: 20 });
    const ev = watch(tx);
    tx.connect("mem://nobody");
    const intervals: number[] = [];
    for (let i = 1; i <= 5; i++) intervals.push(((await ev.next("connect:retry", i)) as { interval: number }).interval);
    expect(intervals).toEqual([5, 10, 20, 20, 20]);
  });

  it("stops reconnecting after a protocol error", async () => {
    const { transport, push } = setup();
    let accepted = 0;
    await transport.listen({ scheme: "mem", address: "wrong", url: "mem://wrong" }, { backlog: 1, ipv6: false }, (s) => {
      accepted++;
      // A PUSH, which a PUSH cannot talk to; it checks nothing itself, so our side is the one to refuse.
      s.setHandlers({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
      s.write(encodeGreeting({ mechanism: "NULL", socketType: "PUSH" }));
      s.write(new FrameEncoder().encodeCommand(encodeReady([["Socket-Type", "PUSH"]])));
    });
    const tx = push({ reconnectInterval: 5 });
    const ev = watch(tx);
    tx.connect("mem://wrong");
    const e = await ev.next("handshake:error:protocol");
    expect(e).toMatchObject({ address: "mem://wrong", error: { code: "ERR_ZMTP_INVALID_METADATA" } });
    await ev.next("disconnect");
    await new Promise((r) => setTimeout(r, 40));
    expect(accepted).toBe(1);
    expect(ev.types()).not.toContain("connect:retry");
  });

  it("keeps the connecting side's queue across a reconnect", async () => {
    const { transport, pull, push } = setup();
    const tx = push({ reconnectInterval: 5 });
    const ev = watch(tx);
    tx.connect("mem://later");
    for (let i = 0; i < 3; i++) await tx.send(`early ${i}`);
    const rx = pull();
    await rx.bind("mem://later");
    for (let i = 0; i < 3; i++) expect(text(await rx.receive())).toEqual([`early ${i}`]);
    transport.connections[transport.connections.length - 1]!.acceptor.abort();
    await ev.next("disconnect");
    await tx.send("while down");
    await ev.next("handshake", 2);
    expect(text(await rx.receive())).toEqual(["while down"]);
  });

  it("immediate: no queue without a connection", async () => {
    const { push } = setup();
    const tx = push({ immediate: true, sendTimeout: 20 });
    tx.connect("mem://nobody");
    await expect(tx.send("x")).rejects.toMatchObject({ code: "EAGAIN" });
  });
});
