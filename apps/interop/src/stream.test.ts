// STREAM sockets against programs we did not write: Node's own http client
// and server (raw TCP peers), and libzmq 4.3.5's STREAM socket through npm
// zeromq. The scenarios that check behaviour zeromq.js documents run against
// both implementations, so every expectation is proved against the real one.
import * as ours from "@zmq/zeromq";
import { type Server, createServer, get } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import * as zmq from "zeromq";

interface StreamLike {
  bind(address: string): Promise<void>;
  connect(address: string, options?: { routingId?: string }): void;
  send(message: [string | Buffer, string | Buffer]): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
  readonly lastEndpoint: string | null;
}

const implementations: [string, () => StreamLike][] = [
  ["zmq-ts", () => new ours.Stream()],
  ["libzmq (npm zeromq)", () => new zmq.Stream()],
];

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});
const track = <T extends { close(): void }>(s: T): T => {
  cleanups.push(() => s.close());
  return s;
};

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
}

async function httpServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": 12 });
    res.end(req.url === "/foo" ? "Hello world!" : "Wrong path!!");
  });
  cleanups.push(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

for (const [name, make] of implementations) {
  describe(`Stream as zeromq.js documents it: ${name}`, () => {
    it("serves an HTTP request from Node's http client, then closes with the socket", async () => {
      const stream = track(make());
      await stream.bind("tcp://127.0.0.1:*");
      const serve = (async () => {
        for (;;) {
          const [id, msg] = await stream.receive();
          if (msg!.length === 0) continue;
          expect(msg!.toString().split("\r\n")[0]).toBe("GET /foo HTTP/1.1");
          await stream.send([id!, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nHello world!"]);
          stream.close();
          return;
        }
      })();
      const body = httpGet(`${stream.lastEndpoint!.replace("tcp:", "http:")}/foo`);
      await serve;
      expect(await body).toBe("Hello world!");
    });

    it("connects to an HTTP server with a routing id of its choosing and reads the reply", async () => {
      const { port } = await httpServer();
      const stream = track(make());
      stream.connect(`tcp://127.0.0.1:${port}`, { routingId: "abcdef1234567890" });
      await stream.send(["abcdef1234567890", `GET /foo HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`]);
      let body = "";
      while (!body.includes("Hello world!")) {
        const [id, data] = await stream.receive();
        expect(id!.toString()).toBe("abcdef1234567890");
        body += data!.toString();
      }
      expect(body.split("\r\n\r\n").pop()).toBe("Hello world!");
    });

    it("notifies a connect with [id, ''], then gives [id, data], and [id, ''] when the peer goes", async () => {
      const stream = track(make());
      await stream.bind("tcp://127.0.0.1:*");
      const port = Number(stream.lastEndpoint!.split(":").pop());
      const { connect } = await import("node:net");
      const client = connect(port, "127.0.0.1");
      cleanups.push(() => client.destroy());
      const [id, first] = await stream.receive();
      expect(first!.length).toBe(0);
      expect(id!.length).toBe(5);
      expect(id![0]).toBe(0);
      client.end("bye");
      const seen: string[] = [];
      while (seen.length === 0 || seen[seen.length - 1] !== "") {
        const [from, data] = await stream.receive();
        expect(from).toEqual(id);
        seen.push(data!.toString());
      }
      expect(seen.join("")).toBe("bye");
    });
  });
}

describe("zmq-ts Stream with libzmq's STREAM on the other end", () => {
  it("libzmq connects to ours: bytes both ways, and ours closes the connection", async () => {
    const server = track(new ours.Stream());
    await server.bind("tcp://127.0.0.1:*");
    const client = track(new zmq.Stream());
    client.connect(server.lastEndpoint!, { routingId: "peer" });
    const [id, hello] = await server.receive();
    expect(hello.length).toBe(0);
    // libzmq's connect notification arrives too.
    const [cid, chello] = await client.receive();
    expect(cid.toString()).toBe("peer");
    expect(chello.length).toBe(0);
    await client.send(["peer", "from libzmq"]);
    let got = "";
    while (got.length < 11) got += (await server.receive())[1].toString();
    expect(got).toBe("from libzmq");
    await server.send([id, "from zmq-ts"]);
    let back = "";
    while (back.length < 11) back += (await client.receive())[1].toString();
    expect(back).toBe("from zmq-ts");
    await server.send([id, ""]);
    // libzmq sees the disconnect as [id, ''].
    const [, gone] = await client.receive();
    expect(gone.length).toBe(0);
  });

  it("ours connects to libzmq's: bytes both ways, and libzmq closes the connection", async () => {
    const server = track(new zmq.Stream());
    await server.bind("tcp://127.0.0.1:*");
    const client = track(new ours.Stream());
    client.connect(server.lastEndpoint!, { routingId: "mine" });
    const [id, hello] = await server.receive();
    expect(hello.length).toBe(0);
    const [cid, chello] = await client.receive();
    expect(cid.toString()).toBe("mine");
    expect(chello.length).toBe(0);
    await client.send(["mine", "x".repeat(100_000)]);
    let got = 0;
    while (got < 100_000) got += (await server.receive())[1].length;
    expect(got).toBe(100_000);
    await server.send([id, "reply"]);
    let back = "";
    while (back.length < 5) back += (await client.receive())[1].toString();
    expect(back).toBe("reply");
    await server.send([id, ""]);
    // libzmq closes when its socket is next used (a pending receive counts); ours then sees [id, ''].
    const serverNext = server.receive().catch(() => undefined);
    const [goneId, gone] = await client.receive();
    expect(goneId.toString()).toBe("mine");
    expect(gone.length).toBe(0);
    server.close();
    await serverNext;
  });
});
