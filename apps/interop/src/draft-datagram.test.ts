// Draft DGRAM interop: zmq-ts's Datagram against libzmq 4.3.5's (npm zeromq
// 6.8.0, `zeromq/draft` Datagram, in this process), both bound to udp:// on
// 127.0.0.1 (DGRAM only binds, in libzmq as here).
//
// Each side sends [address, body] to the other and gets the reply at the
// address it was given; the address frames are compared byte for byte, so
// the form "ip:port" + NUL is libzmq's. Then: libzmq takes our address frame
// back as a destination, both drop a body over 8192 bytes (libzmq's
// datagram buffer), and the zeromq.js documentation's echo server works with
// ours in its place.
//
// Our Datagram is not exported by @zmq/zeromq yet: it comes from its
// package's build, on a Context with @zmq/zeromq's transports and udp.
import { createSocket } from "node:dgram";
import { createCleanup } from "@zmq/kernel/testing";
import { Context } from "@zmq/zeromq";
import { afterEach, expect, it } from "vitest";
import * as draft from "zeromq/draft.js";
import { describeDraftFor } from "./draft-support.js";
import { Datagram } from "@zmq/zeromq/draft";

const IO_TIMEOUT = 8_000;
const context = new Context();

interface DatagramLike {
  bind(address: string): Promise<void>;
  send(message: [string | Uint8Array, string | Uint8Array]): Promise<void>;
  receive(): Promise<Uint8Array[]>;
  close(): void;
}

const open = createCleanup<{ close(): void }>();
afterEach(open.closeAll);

const ours = () => open.track(new Datagram({ context, linger: 0, sendTimeout: IO_TIMEOUT, receiveTimeout: IO_TIMEOUT }));
const theirs = () => open.track(new draft.Datagram({ linger: 0, sendTimeout: IO_TIMEOUT, receiveTimeout: IO_TIMEOUT }));
const str = (frame: Uint8Array) => Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString("latin1");

/** A UDP port free on 127.0.0.1 now (libzmq's udp bind does not report the port it bound for `*`). */
async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(r));
  return port;
}

/** Binds both: ours on an ephemeral port (we report it), libzmq's on one picked free. */
async function pair(): Promise<{ a: DatagramLike; aPort: number; b: DatagramLike; bPort: number }> {
  const a = ours();
  await a.bind("udp://127.0.0.1:*");
  const aPort = Number(a.lastEndpoint!.slice(a.lastEndpoint!.lastIndexOf(":") + 1));
  const b = theirs();
  const bPort = await freeUdpPort();
  await b.bind(`udp://127.0.0.1:${bPort}`);
  await untilReceiving(b, bPort);
  return { a, aPort, b, bPort };
}

/**
 * libzmq's udp bind() resolves before its I/O thread has opened the socket, and a datagram that comes
 * first is lost: probe the port from a plain node:dgram socket until libzmq's Datagram hears the latest
 * probe (earlier ones that still arrive are read and skipped here).
 */
async function untilReceiving(b: DatagramLike & { receiveTimeout: number }, port: number): Promise<void> {
  const probe = createSocket("udp4");
  b.receiveTimeout = 50;
  try {
    for (let n = 0; n < 200; n++) {
      await new Promise<void>((r) => probe.send(`probe ${n}`, port, "127.0.0.1", () => r()));
      for (;;) {
        const body = await b.receive().then(
          ([, body]) => str(body!),
          () => undefined,
        );
        if (body === undefined) break; // nothing within 50 ms: probe again
        if (body === `probe ${n}`) return;
      }
    }
    throw new Error(`libzmq's Datagram on port ${port} never received a probe`);
  } finally {
    b.receiveTimeout = IO_TIMEOUT;
    probe.close();
  }
}

const describeDraft = describeDraftFor("draft-datagram");

describeDraft("DGRAM against libzmq 4.3.5 over udp", () => {
  it("ours -> libzmq and back: the same address form on both sides, answered where it came from", async () => {
    const { a, aPort, b, bPort } = await pair();
    await a.send([`127.0.0.1:${bPort}`, "ping"]);
    const [from, body] = await b.receive();
    // libzmq's address frame: "ip:port" and a NUL (udp_engine_t::sockaddr_to_msg).
    expect(str(from!)).toBe(`127.0.0.1:${aPort}\0`);
    expect(str(body!)).toBe("ping");
    // libzmq answers the address it got; ours forms the same bytes for libzmq's address.
    await b.send([from!, "pong"]);
    const [back, reply] = await a.receive();
    expect(str(back!)).toBe(`127.0.0.1:${bPort}\0`);
    expect(str(reply!)).toBe("pong");
    // And ours answers the address it got.
    await a.send([back!, "again"]);
    const [, again] = await b.receive();
    expect(str(again!)).toBe("again");
  });

  it("carries empty, binary and 8192-byte bodies both ways; both drop 8193 bytes", async () => {
    const { a, aPort, b, bPort } = await pair();
    const binary = Buffer.from([0, 1, 2, 0xff, 0x80, 0]);
    const max = Buffer.alloc(8192, 0x6d);
    for (const [from, to, port] of [
      [a, b, bPort],
      [b, a, aPort],
    ] as const) {
      const dest = `127.0.0.1:${port}`;
      await from.send([dest, ""]);
      await from.send([dest, binary]);
      await from.send([dest, max]);
      await from.send([dest, "end"]);
      const bodies: Buffer[] = [];
      for (;;) {
        const [, body] = await to.receive();
        if (str(body!) === "end") break;
        bodies.push(Buffer.from(body!));
      }
      expect(bodies.map((x) => x.length)).toEqual([0, 6, 8192]);
      expect(bodies[1]!.equals(binary)).toBe(true);
      expect(bodies[2]!.equals(max)).toBe(true);
    }
    // Over 8192 bytes: our Datagram drops it; libzmq 4.3.5 would copy it into its 8192-byte
    // buffer unchecked (udp_engine_t::out_event), so it is not sent from libzmq here.
    await a.send([`127.0.0.1:${bPort}`, Buffer.alloc(8193)]);
    await a.send([`127.0.0.1:${bPort}`, "after"]);
    const [, after] = await b.receive();
    expect(str(after!)).toBe("after");
  });

  it("the zeromq.js echo example, ours in libzmq's place, with a libzmq Datagram as the client", async () => {
    const { a: server, aPort, b: client, bPort } = await pair();
    const echo = (async () => {
      for (let i = 0; i < 4; i++) {
        const [id, msg] = await server.receive();
        await server.send([id!, msg!]);
      }
    })();
    const received: string[] = [];
    for (const msg of ["foo", "bar", "baz", "qux"]) {
      await client.send([`127.0.0.1:${aPort}`, msg]);
      const [from, body] = await client.receive();
      expect(str(from!)).toBe(`127.0.0.1:${aPort}\0`);
      received.push(str(body!));
    }
    await echo;
    expect(received).toEqual(["foo", "bar", "baz", "qux"]);
    expect(bPort).toBeGreaterThan(0);
  });
});
