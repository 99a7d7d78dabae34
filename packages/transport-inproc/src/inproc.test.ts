// The inproc transport against fake sockets (PipeHosts): HWM sums, connect
// before bind, routing ids, names per Context, unbind.
import { Context, type Pipe, type PipeHost, isZmqError, parseEndpoint } from "@zmq/kernel";
import type { SocketTypeName } from "@zmq/wire";
import { describe, expect, it } from "vitest";
import { inproc } from "./index.js";

class FakeSocket implements PipeHost {
  readonly pipes: Pipe[] = [];
  closed = false;
  constructor(
    readonly context: Context,
    readonly socketType: SocketTypeName,
    readonly sendHighWaterMark = 1000,
    readonly receiveHighWaterMark = 1000,
    readonly routingIdBytes: Uint8Array | undefined = undefined,
  ) {}
  attachPipe(pipe: Pipe, endpoint: string): void {
    pipe.endpoint = endpoint;
    this.pipes.push(pipe);
  }
}

const transport = inproc();
const ep = (url: string) => parseEndpoint(url);

describe("inproc", () => {
  it("joins connect to bind with HWMs summed as libzmq does", () => {
    const context = new Context({ transports: [transport] });
    const binder = new FakeSocket(context, "PULL", 10, 20);
    const connector = new FakeSocket(context, "PUSH", 3, 4);
    expect(transport.bind(ep("inproc://a"), binder).endpoint).toBe("inproc://a");
    transport.connect(ep("inproc://a"), connector);
    const mine = connector.pipes[0]!;
    const theirs = binder.pipes[0]!;
    expect(mine.peer).toBe(theirs);
    expect(mine.hwm).toBe(3 + 20);
    expect(theirs.hwm).toBe(10 + 4);
    expect(mine.endpoint).toBe("inproc://a");
  });

  it("treats an HWM of 0 on either side as no limit", () => {
    const context = new Context({ transports: [transport] });
    const binder = new FakeSocket(context, "PULL", 0, 0);
    transport.bind(ep("inproc://zero"), binder);
    const connector = new FakeSocket(context, "PUSH", 5, 5);
    transport.connect(ep("inproc://zero"), connector);
    expect([connector.pipes[0]!.hwm, binder.pipes[0]!.hwm]).toEqual([0, 0]);
  });

  it("lets connect come first: the pipe waits, its HWM grows at bind", () => {
    const context = new Context({ transports: [transport] });
    const connector = new FakeSocket(context, "DEALER", 2, 3, Uint8Array.of(7));
    transport.connect(ep("inproc://later"), connector);
    const mine = connector.pipes[0]!;
    expect(mine.hwm).toBe(2);
    expect(mine.write([Uint8Array.of(1)])).toBe(true);
    expect(mine.write([Uint8Array.of(2)])).toBe(true);
    expect(mine.write([Uint8Array.of(3)])).toBe(false);
    const binder = new FakeSocket(context, "ROUTER", 5, 6, Uint8Array.of(9));
    transport.bind(ep("inproc://later"), binder);
    const theirs = binder.pipes[0]!;
    expect(mine.hwm).toBe(2 + 6);
    expect(theirs.hwm).toBe(3 + 5);
    expect(theirs.read()).toEqual([Uint8Array.of(1)]);
    // Each end knows the other side's routing id.
    expect(theirs.routingId).toEqual(Uint8Array.of(7));
    expect(mine.routingId).toEqual(Uint8Array.of(9));
  });

  it("drops a waiting connect that was closed with nothing queued, or with linger 0", async () => {
    const context = new Context({ transports: [transport] });
    const gone = new FakeSocket(context, "PUSH");
    transport.connect(ep("inproc://w"), gone).close();
    // A socket's close() releases its pipe: end() with linger, terminate() with linger 0.
    gone.pipes[0]!.end();
    const dropped = new FakeSocket(context, "PUSH");
    transport.connect(ep("inproc://w"), dropped).close();
    dropped.pipes[0]!.write([Uint8Array.of(1)]);
    dropped.pipes[0]!.terminate();
    await Promise.resolve();
    const binder = new FakeSocket(context, "PULL");
    transport.bind(ep("inproc://w"), binder);
    expect(binder.pipes).toHaveLength(0);
  });

  it("delivers what a connector closed with linger still has queued to a socket that binds later", async () => {
    const context = new Context({ transports: [transport] });
    const closed = new FakeSocket(context, "PUSH");
    const connection = transport.connect(ep("inproc://late"), closed);
    closed.pipes[0]!.write([Uint8Array.of(1)]);
    closed.pipes[0]!.write([Uint8Array.of(2)]);
    closed.closed = true;
    connection.close();
    closed.pipes[0]!.end();
    await Promise.resolve();
    const binder = new FakeSocket(context, "PULL");
    transport.bind(ep("inproc://late"), binder);
    const theirs = binder.pipes[0]!;
    expect([theirs.read(), theirs.read()]).toEqual([[Uint8Array.of(1)], [Uint8Array.of(2)]]);
    expect(theirs.read()).toBeUndefined();
    expect(theirs.terminated).toBe(true);
  });

  it("refuses a name bound twice, and frees it on close", () => {
    const context = new Context({ transports: [transport] });
    const a = new FakeSocket(context, "PULL");
    const binding = transport.bind(ep("inproc://x"), a);
    try {
      transport.bind(ep("inproc://x"), new FakeSocket(context, "PULL"));
      expect.fail("should throw");
    } catch (e) {
      expect(isZmqError(e, "EADDRINUSE")).toBe(true);
      expect((e as { address?: string }).address).toBe("inproc://x");
    }
    binding.close();
    transport.bind(ep("inproc://x"), new FakeSocket(context, "PULL"));
  });

  it("keeps names per Context", () => {
    const one = new Context({ transports: [transport] });
    const two = new Context({ transports: [transport] });
    transport.bind(ep("inproc://same"), new FakeSocket(one, "PULL"));
    transport.bind(ep("inproc://same"), new FakeSocket(two, "PULL"));
    const connector = new FakeSocket(two, "PUSH");
    transport.connect(ep("inproc://same"), connector);
    expect(connector.pipes[0]!.peer.endpoint).toBe("inproc://same");
  });

  it("refuses an empty name", () => {
    const context = new Context({ transports: [transport] });
    const empty = { scheme: "inproc", address: "", url: "inproc://" };
    expect(() => transport.bind(empty, new FakeSocket(context, "PULL"))).toThrow(
      expect.objectContaining({ detail: expect.stringMatching(/needs a name/) }),
    );
  });
});
