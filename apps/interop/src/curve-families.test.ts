// Every socket family over CURVE, against libzmq 4.3.5 (npm `zeromq`) in this
// process: each pair, each side as the CURVE server and binding, over tcp and
// ipc, a multipart message with an empty frame each way where the pattern
// allows, and a re-handshake after the client side reconnects.
import { createCleanup } from "@zmq/kernel/testing";
import * as ours from "@zmq/zeromq";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import * as zmq from "zeromq";
import { ipcEndpoint, removeTempDirs } from "./peers.js";

const open = createCleanup();
afterEach(open.closeAll);
afterAll(removeTempDirs);
const track = open.track;

const server = ours.curveKeyPair();
const client = ours.curveKeyPair();
const serverOptions = { curveServer: true, curveSecretKey: server.secretKey, linger: 0 };
const clientOptions = { curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey, linger: 0 };

type Side = "ours" | "libzmq";
interface Family {
  name: string;
  /** The binding (server) socket's class name and the connecting (client) one's. */
  server: keyof typeof ours & keyof typeof zmq;
  client: keyof typeof ours & keyof typeof zmq;
  /** Runs one exchange: the server side receives from the client, and answers where the pattern has a way back. */
  exchange(serverSocket: AnySocket, clientSocket: AnySocket): Promise<void>;
}

interface AnySocket {
  send(msg: unknown): Promise<void>;
  receive(): Promise<Buffer[]>;
  bind(address: string): Promise<void>;
  connect(address: string): void;
  close(): void;
  readonly lastEndpoint: string | null;
  readonly securityMechanism: unknown;
  subscribe?(...topics: string[]): void;
  events: { on(type: "handshake", fn: () => void): unknown };
}

const strings = (msg: Uint8Array[]) => msg.map((f) => Buffer.from(f).toString());
const multipart = ["head", "", "tail"];

const families: Family[] = [
  {
    name: "Push -> Pull",
    server: "Pull",
    client: "Push",
    async exchange(s, c) {
      await c.send(multipart);
      expect(strings(await s.receive())).toEqual(multipart);
    },
  },
  {
    name: "Pair <-> Pair",
    server: "Pair",
    client: "Pair",
    async exchange(s, c) {
      await c.send(multipart);
      expect(strings(await s.receive())).toEqual(multipart);
      await s.send(["back", ""]);
      expect(strings(await c.receive())).toEqual(["back", ""]);
    },
  },
  {
    name: "Request <-> Reply",
    server: "Reply",
    client: "Request",
    async exchange(s, c) {
      await c.send(multipart);
      expect(strings(await s.receive())).toEqual(multipart);
      await s.send(["reply", ""]);
      expect(strings(await c.receive())).toEqual(["reply", ""]);
    },
  },
  {
    name: "Dealer <-> Router",
    server: "Router",
    client: "Dealer",
    async exchange(s, c) {
      await c.send(multipart);
      const [id, ...rest] = await s.receive();
      expect(strings(rest)).toEqual(multipart);
      await s.send([id!, "to you", ""]);
      expect(strings(await c.receive())).toEqual(["to you", ""]);
    },
  },
  {
    name: "Publisher -> Subscriber",
    server: "Subscriber",
    client: "Publisher",
    async exchange(s, c) {
      // The subscription travels inside a MESSAGE box; publish until it has arrived.
      s.subscribe!("news");
      const got = s.receive();
      let done = false;
      void got.finally(() => (done = true));
      while (!done) {
        await c.send(["news", "", "flash"]);
        await c.send(["other", "dropped"]);
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(strings(await got)).toEqual(["news", "", "flash"]);
    },
  },
  {
    name: "XPublisher <-> XSubscriber",
    server: "XPublisher",
    client: "XSubscriber",
    async exchange(s, c) {
      await c.send(Buffer.from("\x01topic"));
      expect(strings(await s.receive())).toEqual(["\x01topic"]);
      await s.send(["topic", "", "data"]);
      expect(strings(await c.receive())).toEqual(["topic", "", "data"]);
    },
  },
];

function make(side: Side, type: Family["server"], options: object): AnySocket {
  const Class = (side === "ours" ? ours[type] : zmq[type]) as unknown as new (o: object) => AnySocket;
  return track(new Class(options));
}

/** Resolves at the socket's next completed handshake. */
const handshake = (socket: AnySocket) => new Promise<void>((resolve) => socket.events.on("handshake", () => resolve()));

for (const family of families) {
  describe(`CURVE ${family.name}`, () => {
    for (const transport of ["tcp", "ipc"] as const) {
      for (const serverSide of ["ours", "libzmq"] as const) {
        const clientSide: Side = serverSide === "ours" ? "libzmq" : "ours";
        it(`${serverSide} CURVE server binds over ${transport}, ${clientSide} client connects`, async () => {
          const s = make(serverSide, family.server, serverOptions);
          await s.bind(transport === "tcp" ? "tcp://127.0.0.1:*" : ipcEndpoint("curve"));
          const c = make(clientSide, family.client, clientOptions);
          const shaken = handshake(serverSide === "ours" ? s : c);
          c.connect(s.lastEndpoint!);
          await family.exchange(s, c);
          await shaken;
          expect((serverSide === "ours" ? s : c).securityMechanism).toBe("curve");
        });
      }
    }
  });
}

describe("CURVE reconnects handshake again", () => {
  for (const serverSide of ["ours", "libzmq"] as const) {
    it(`a client reconnecting to ${serverSide === "ours" ? "our" : "libzmq's"} server shakes hands anew`, async () => {
      const clientSide: Side = serverSide === "ours" ? "libzmq" : "ours";
      const s = make(serverSide, "Pull", serverOptions);
      await s.bind("tcp://127.0.0.1:*");
      const address = s.lastEndpoint!;
      for (let round = 0; round < 3; round++) {
        const c = make(clientSide, "Push", clientOptions);
        c.connect(address);
        await c.send([`round ${round}`, ""]);
        expect(strings(await s.receive())).toEqual([`round ${round}`, ""]);
        c.close();
      }
    });
  }
});
