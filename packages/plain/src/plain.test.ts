// PLAIN as a plug-in, between two zmq-ts sockets over tcp: a Context that has
// `plain` gives its sockets plainServer / plainUsername / plainPassword; the
// server asks a ZAP handler (a Reply at inproc://zeromq.zap.01) about each
// client. Good credentials get messages through; bad ones, or no handler,
// are refused, as the monitor events tell.
import { Context, type Event, type SocketBase } from "@zmq/kernel";
import { ZAP_ENDPOINT } from "@zmq/engine";
import { Pull, Push } from "@zmq/pattern-pipeline";
import { Reply } from "@zmq/pattern-reqrep";
import { inproc } from "@zmq/transport-inproc";
import { tcp } from "@zmq/transport-tcp";
import { createCleanup, errorCode as codeOf, nextEvent, text as texts } from "@zmq/kernel/testing";
import { afterEach, describe, expect, it } from "vitest";
import { plain } from "./index.js";

const { track, closeAll } = createCleanup<SocketBase>();
afterEach(closeAll);

const secureContext = () => new Context({ transports: [tcp(), inproc()], mechanisms: [plain] });

/** A ZAP handler in `context` that lets admin/secret in (user id "user:admin") and refuses the rest; it records each request. */
async function zapHandler(context: Context, status?: string): Promise<string[][]> {
  const asked: string[][] = [];
  const zap = track(new Reply({ context }));
  await zap.bind(ZAP_ENDPOINT);
  void (async () => {
    try {
      for (;;) {
        const request = texts(await zap.receive());
        asked.push(request);
        const [version, id, , , , , username, password] = request;
        const ok = username === "admin" && password === "secret";
        const verdict = status ?? (ok ? "200" : "400");
        await zap.send([version!, id!, verdict, ok ? "OK" : "Refused", ok ? `user:${username}` : "", ""]);
      }
    } catch {
      // The handler was closed with the test.
    }
  })();
  return asked;
}

/** A PLAIN server (Pull) bound on an ephemeral tcp port. */
async function plainServer(context: Context, options: { receiveTimeout?: number; zapDomain?: string; routingId?: string } = {}) {
  const server = track(new Pull({ context, plainServer: true, ...options }));
  await server.bind("tcp://127.0.0.1:*");
  return server;
}

describe("PLAIN over tcp between zmq-ts sockets", () => {
  it("lets a client with the right credentials in; ZAP is asked with PLAIN, the username and the password", async () => {
    const context = secureContext();
    const asked = await zapHandler(context);
    const server = await plainServer(context, { zapDomain: "global", routingId: "srv" });
    const client = track(new Push({ context, plainUsername: "admin", plainPassword: "secret" }));
    const serverHandshake = nextEvent(server, "handshake");
    const clientHandshake = nextEvent(client, "handshake");
    client.connect(server.lastEndpoint!);
    await client.send(["over", "PLAIN"]);
    expect(texts(await server.receive())).toEqual(["over", "PLAIN"]);
    await Promise.all([serverHandshake, clientHandshake]);
    expect(asked).toEqual([["1.0", "1", "global", "127.0.0.1", "srv", "PLAIN", "admin", "secret"]]);
    expect([server.securityMechanism, client.securityMechanism]).toEqual(["plain", "plain"]);
  });

  it("refuses wrong credentials: handshake:error:auth with status 400 on the client, and no message", async () => {
    const context = secureContext();
    const asked = await zapHandler(context);
    const server = await plainServer(context, { receiveTimeout: 0 });
    const client = track(new Push({ context, plainUsername: "admin", plainPassword: "wrong" }));
    const clientRefused = nextEvent(client, "handshake:error:auth");
    const serverRefused = nextEvent(server, "handshake:error:auth");
    let handshakes = 0;
    server.events.on("handshake", () => handshakes++);
    client.connect(server.lastEndpoint!);
    await client.send("must not arrive");
    expect(await clientRefused).toMatchObject({ type: "handshake:error:auth", address: server.lastEndpoint, error: { status: 400 } });
    expect((await serverRefused).error.status).toBe(400);
    expect(asked.map((r) => r.slice(5))).toEqual([["PLAIN", "admin", "wrong"]]);
    expect(handshakes).toBe(0);
    expect(codeOf(await server.receive().catch((e: unknown) => e))).toBe("EAGAIN");
  });

  it("reports the handler's 500 to the client as status 500", async () => {
    const context = secureContext();
    await zapHandler(context, "500");
    const server = await plainServer(context);
    const client = track(new Push({ context, plainUsername: "admin", plainPassword: "secret" }));
    const refused = nextEvent(client, "handshake:error:auth");
    client.connect(server.lastEndpoint!);
    expect((await refused).error.status).toBe(500);
  });

  it("refuses every client when no ZAP handler is bound", async () => {
    const context = secureContext();
    const server = await plainServer(context, { receiveTimeout: 0 });
    const client = track(new Push({ context, plainUsername: "admin", plainPassword: "secret", reconnectInterval: -1 }));
    const serverRefused = nextEvent(server, "handshake:error:auth");
    const dropped = nextEvent(client, "disconnect");
    let handshakes = 0;
    client.events.on("handshake", () => handshakes++);
    client.connect(server.lastEndpoint!);
    await client.send("must not arrive");
    expect((await serverRefused).error.status).toBe(300);
    await dropped;
    expect(handshakes).toBe(0);
    expect(codeOf(await server.receive().catch((e: unknown) => e))).toBe("EAGAIN");
  });

  it("does not let a client without PLAIN credentials talk to a PLAIN server", async () => {
    const context = secureContext();
    const asked = await zapHandler(context);
    const server = await plainServer(context, { receiveTimeout: 0 });
    const client = track(new Push({ context, reconnectInterval: -1 }));
    expect(client.securityMechanism).toBeNull();
    const failed = new Promise<Event>((resolve) => {
      client.events.on("handshake:error:protocol", resolve);
      client.events.on("handshake:error:other", resolve);
    });
    client.connect(server.lastEndpoint!);
    await client.send("must not arrive");
    await failed;
    expect(asked).toEqual([]);
    expect(codeOf(await server.receive().catch((e: unknown) => e))).toBe("EAGAIN");
  });
});

describe("PLAIN options", () => {
  it("are socket properties in a Context that has plain, with libzmq's defaults and checks", () => {
    const context = secureContext();
    const socket = track(new Push({ context }));
    expect([socket.plainServer, socket.plainUsername, socket.plainPassword, socket.securityMechanism]).toEqual([false, null, null, null]);
    socket.plainUsername = "admin";
    expect(socket.securityMechanism).toBe("plain");
    socket.plainUsername = null;
    expect(socket.securityMechanism).toBeNull();
    socket.plainServer = true;
    expect(socket.securityMechanism).toBe("plain");
    const e = (() => {
      try {
        (socket as unknown as Record<string, unknown>).plainServer = "yes";
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(TypeError);
    expect((e as { detail?: string }).detail).toContain("plainServer");
    expect(socket.plainServer).toBe(true);
  });

  it("are unknown (TypeError, as zeromq.js) in a Context without plain", () => {
    track(new Push({ context: secureContext() })); // a socket of another Context has them
    const bare = new Context({ transports: [tcp(), inproc()] });
    for (const [name, value] of [
      ["plainServer", true],
      ["plainUsername", "admin"],
      ["plainPassword", "secret"],
    ] as const) {
      let error: unknown;
      try {
        track(new Push({ context: bare, [name]: value }));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain(name);
    }
    const socket = track(new Push({ context: bare }));
    // PLAIN's options are properties of the sockets of a Context that has it, only.
    expect("plainUsername" in socket).toBe(false);
    expect(socket.plainUsername).toBeUndefined();
    expect(socket.securityMechanism).toBeNull();
  });
});
