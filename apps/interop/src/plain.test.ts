// PLAIN with a ZAP handler, as zeromq.js users write it: the handler is a
// Reply bound at inproc://zeromq.zap.01 in the server's Context. Our PLAIN
// server against our client and libzmq's; our client against libzmq's server.
import { createCleanup, retryInUse } from "@zmq/kernel/testing";
import { type Event, Pull, Push, Reply, ZmqError } from "@zmq/zeromq";
import { afterEach, describe, expect, it } from "vitest";
import * as zmq from "zeromq";
import { startPeer, stopAllPeers } from "./peers.js";

const open = createCleanup();
afterEach(async () => {
  open.closeAll();
  await stopAllPeers();
});
const track = open.track;

/** A ZAP handler that lets in admin/secret, and records what it was asked. */
async function zapHandler(lib: "ours" | "libzmq"): Promise<string[][]> {
  const asked: string[][] = [];
  const zap = track(lib === "ours" ? new Reply() : new zmq.Reply({ linger: 0 }));
  // libzmq frees the previous test's handler endpoint a moment after its close(): EADDRINUSE until then.
  await retryInUse(() => zap.bind("inproc://zeromq.zap.01"));
  void (async () => {
    try {
      for (;;) {
        const request = (await zap.receive()).map((f) => Buffer.from(f).toString());
        asked.push(request);
        const [version, id, , , , , user, pass] = request;
        const ok = user === "admin" && pass === "secret";
        await zap.send([version!, id!, ok ? "200" : "400", ok ? "OK" : "no", ok ? `user:${user}` : "", ""]);
      }
    } catch {
      // closed with the test
    }
  })();
  return asked;
}

describe("PLAIN with ZAP", () => {
  it("our PLAIN server asks our ZAP handler; the right password gets in", async () => {
    const asked = await zapHandler("ours");
    const server = track(new Pull({ plainServer: true, zapDomain: "global" }));
    await server.bind("tcp://127.0.0.1:*");
    const client = track(new Push({ plainUsername: "admin", plainPassword: "secret" }));
    client.connect(server.lastEndpoint!);
    await client.send("authenticated");
    expect((await server.receive()).map(String)).toEqual(["authenticated"]);
    expect(asked[0]!.slice(0, 1)).toEqual(["1.0"]);
    expect(asked[0]!.slice(2)).toEqual(["global", "127.0.0.1", "", "PLAIN", "admin", "secret"]);
  });

  it("a wrong password is refused: handshake:error:auth with status 400 on the client", async () => {
    await zapHandler("ours");
    const server = track(new Pull({ plainServer: true }));
    await server.bind("tcp://127.0.0.1:*");
    const client = track(new Push({ plainUsername: "admin", plainPassword: "wrong", reconnectInterval: -1 }));
    const refused = new Promise<Event>((r) => client.events.on("handshake:error:auth", r));
    client.connect(server.lastEndpoint!);
    expect(await refused).toMatchObject({ type: "handshake:error:auth", error: { status: 400 } });
  });

  it("a libzmq PLAIN client gets into our server", async () => {
    await zapHandler("ours");
    const server = track(new Pull({ plainServer: true }));
    await server.bind("tcp://127.0.0.1:*");
    const client = track(new zmq.Push({ plainUsername: "admin", plainPassword: "secret", linger: 0 }));
    client.connect(server.lastEndpoint!);
    await client.send("from libzmq over PLAIN");
    expect((await server.receive()).map(String)).toEqual(["from libzmq over PLAIN"]);
  });

  it("our PLAIN client gets into libzmq's server (libzmq's ZAP handler in its own context)", async () => {
    await zapHandler("libzmq");
    const server = track(new zmq.Pull({ plainServer: true, linger: 0 }));
    await server.bind("tcp://127.0.0.1:*");
    const client = track(new Push({ plainUsername: "admin", plainPassword: "secret" }));
    client.connect(server.lastEndpoint!);
    await client.send("to libzmq over PLAIN");
    expect((await server.receive()).map(String)).toEqual(["to libzmq over PLAIN"]);
  });

  // libzmq checks the handler's reply before it looks at the status: a malformed one fails the
  // handshake as a protocol error (no ERROR to the client), the same in both libraries.
  for (const [what, reply, code] of [
    ["version 2.0", ["2.0", "{id}", "200", "OK", "", ""], "ERR_ZAP_BAD_VERSION"],
    ["status 201", ["1.0", "{id}", "201", "OK", "", ""], "ERR_ZAP_INVALID_STATUS_CODE"],
    ["another request id", ["1.0", "not-the-id", "200", "OK", "", ""], "ERR_ZAP_BAD_REQUEST_ID"],
  ] as const) {
    for (const lib of ["ours", "libzmq"] as const) {
      it(`a ZAP reply with ${what} fails the handshake on the server with ${code} (${lib})`, async () => {
        const zap = track(lib === "ours" ? new Reply() : new zmq.Reply({ linger: 0 }));
        await retryInUse(() => zap.bind("inproc://zeromq.zap.01"));
        void (async () => {
          try {
            const [, id] = await zap.receive();
            await zap.send(reply.map((f) => (f === "{id}" ? id! : f)));
          } catch {
            // closed with the test
          }
        })();
        const server = track(lib === "ours" ? new Pull({ plainServer: true }) : new zmq.Pull({ plainServer: true, linger: 0 }));
        const failed = new Promise<{ code: string }>((resolve) => {
          server.events.on("handshake:error:protocol", (event: { error: { code: string } }) => resolve(event.error));
        });
        await server.bind("tcp://127.0.0.1:*");
        const client = track(new Push({ plainUsername: "admin", plainPassword: "secret", reconnectInterval: -1 }));
        client.connect(server.lastEndpoint!);
        expect((await failed).code).toBe(code);
      });
    }
  }

  it("without a ZAP handler our PLAIN server lets nobody in, as libzmq", async () => {
    const server = track(new Pull({ plainServer: true, receiveTimeout: 200 }));
    await server.bind("tcp://127.0.0.1:*");
    const client = track(new Push({ plainUsername: "admin", plainPassword: "secret", reconnectInterval: -1 }));
    const dropped = new Promise<Event>((r) => client.events.on("disconnect", r));
    client.connect(server.lastEndpoint!);
    await dropped;
    await expect(server.receive()).rejects.toBeInstanceOf(ZmqError);
  });

  // NULL with a ZAP domain, across the libraries: each server asks its own handler, refuses with 400, and the other
  // library's client is told so (an ERROR during the handshake).
  for (const serverLib of ["ours", "libzmq"] as const) {
    it(`NULL with a ZAP domain: ${serverLib === "ours" ? "our" : "libzmq's"} server refuses ${serverLib === "ours" ? "libzmq's" : "our"} client on 400`, async () => {
      const zap = track(serverLib === "ours" ? new Reply() : new zmq.Reply({ linger: 0 }));
      await retryInUse(() => zap.bind("inproc://zeromq.zap.01"));
      void (async () => {
        try {
          const [version, id, , , , mechanism] = await zap.receive();
          await zap.send([version!, id!, Buffer.from(mechanism!).toString() === "NULL" ? "400" : "500", "No", "", ""]);
        } catch {
          // closed with the test
        }
      })();
      const server = track(serverLib === "ours" ? new Pull({ zapDomain: "d" }) : new zmq.Pull({ zapDomain: "d", linger: 0 }));
      const serverRefused = new Promise<unknown>((resolve) => server.events.on("handshake:error:auth", resolve));
      await server.bind("tcp://127.0.0.1:*");
      const client = track(
        serverLib === "ours" ? new zmq.Push({ linger: 0, reconnectInterval: -1 }) : new Push({ linger: 0, reconnectInterval: -1 }),
      );
      const clientTold = new Promise<{ error: { code?: string } }>((resolve) =>
        client.events.on("handshake:error:auth", (e: { error: { code?: string } }) => resolve(e)),
      );
      client.connect(server.lastEndpoint!);
      expect(await serverRefused).toMatchObject({ type: "handshake:error:auth" });
      expect(await clientTold).toMatchObject({ type: "handshake:error:auth" });
    });
  }

  // ZMTP 2.0 has no handshake to ask ZAP in: a socket with a ZAP domain drops such a peer without asking, and nothing
  // it sent is delivered. JeroMQ 0.3.6 speaks ZMTP 2.0.
  for (const [serverLib, handler] of [
    ["ours", true],
    ["libzmq", true],
    ["ours", false],
    ["libzmq", false],
  ] as const) {
    const whose = serverLib === "ours" ? "our" : "libzmq's";
    it(`NULL with a ZAP domain: ${whose} server drops a ZMTP 2.0 peer (JeroMQ) ${handler ? "unasked" : "with no ZAP handler"}`, async () => {
      let asked = 0;
      const zap = handler ? track(serverLib === "ours" ? new Reply() : new zmq.Reply({ linger: 0 })) : undefined;
      if (zap) await retryInUse(() => zap.bind("inproc://zeromq.zap.01"));
      void (async () => {
        if (!zap) return;
        try {
          for (;;) {
            const [version, id] = await zap.receive();
            asked++;
            await zap.send([version!, id!, "200", "OK", "", ""]);
          }
        } catch {
          // closed with the test
        }
      })();
      const server = track(
        serverLib === "ours" ? new Pull({ zapDomain: "d", receiveTimeout: 300 }) : new zmq.Pull({ zapDomain: "d", linger: 0, receiveTimeout: 300 }),
      );
      const dropped = new Promise<unknown>((resolve) => server.events.on("disconnect", resolve));
      await server.bind("tcp://127.0.0.1:*");
      const java = await startPeer("jeromq");
      await java.open("push", "PUSH", "connect", server.lastEndpoint!);
      await java.send("push", ["hello"]);
      await dropped;
      await expect(server.receive()).rejects.toMatchObject({ code: "EAGAIN" });
      expect(asked).toBe(0);
    });
  }
});
