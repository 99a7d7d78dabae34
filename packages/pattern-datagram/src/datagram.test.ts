// Datagram (libzmq's DGRAM) over udp:// on 127.0.0.1, two of ours talking:
// [address, body] both ways, the address as libzmq forms it, exactly two
// frames per send, and a send before bind() waiting as any send with no peer.
import { Context, type SocketOptions } from "@zmq/kernel";
import { createCleanup, errorCode, rejection } from "@zmq/kernel/testing";
import { afterEach, describe, expect, it } from "vitest";
// @zmq/transport-udp is not a devDependency of this package: its build output, by path.
import { udp } from "@zmq/transport-udp";
import { Datagram } from "./index.js";

const open = createCleanup();
afterEach(open.closeAll);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

function setup() {
  const context = new Context({ transports: [udp()] });
  const io: SocketOptions = { context, receiveTimeout: 5000, sendTimeout: 5000 };
  return { context, dgram: (o: SocketOptions = {}) => open.track(new Datagram({ ...io, ...o })) };
}

describe("Datagram", () => {
  it("two datagram sockets exchange [address, body], each answering the address it got", async () => {
    const s = setup();
    const a = s.dgram();
    const b = s.dgram();
    await a.bind("udp://127.0.0.1:*");
    await b.bind("udp://127.0.0.1:*");
    const aAddress = a.lastEndpoint!.slice("udp://".length);
    const bPort = b.lastEndpoint!.slice(b.lastEndpoint!.lastIndexOf(":") + 1);
    await a.send([`127.0.0.1:${bPort}`, "hello"]);
    const [from, body] = await b.receive();
    expect(str(from!)).toBe(`${aAddress}\0`);
    expect(str(body!)).toBe("hello");
    await b.send([from!, "hi back"]);
    const [back, reply] = await a.receive();
    expect(str(back!)).toBe(`127.0.0.1:${bPort}\0`);
    expect(str(reply!)).toBe("hi back");
  });

  it("sends exactly two frames: one or three is EINVAL", async () => {
    const s = setup();
    const d = s.dgram();
    await d.bind("udp://127.0.0.1:*");
    expect(errorCode(await rejection(d.send(["only one"] as unknown as [string, string])))).toBe("EINVAL");
    expect(errorCode(await rejection(d.send(["a", "b", "c"] as unknown as [string, string])))).toBe("EINVAL");
  });

  it("a send before bind() waits, and fails with EAGAIN at its sendTimeout", async () => {
    const s = setup();
    const d = s.dgram({ sendTimeout: 0 });
    expect(errorCode(await rejection(d.send(["127.0.0.1:9", "x"])))).toBe("EAGAIN");
    expect(d.writable).toBe(false);
    await d.bind("udp://127.0.0.1:*");
    expect(d.writable).toBe(true);
  });

  it("is DGRAM, type 18", () => {
    const d = setup().dgram();
    expect(d.socketType).toBe("DGRAM");
    expect(d.type).toBe(18);
  });
});
