// Request-reply interop: zmq-ts's Request, Reply, Dealer and Router
// (@zmq/zeromq) against real peers.
//
// The matrix: REQ-REP, REQ-ROUTER, DEALER-REP, DEALER-ROUTER and
// ROUTER-ROUTER, with our socket as the client or the server and either side
// binding, over {tcp, ipc} x {libzmq 4.3.5 in process (npm zeromq), pyzmq on
// Debian's libzmq 4.3.4}, plus JeroMQ 0.3.6 (ZMTP 2.0) over tcp. Every cell
// makes several round trips of multipart requests and replies with empty
// frames, and checks the envelope each side sees: a ROUTER sees a DEALER's
// routing id (its ZMTP Identity) or, for an anonymous REQ, a generated 5-byte
// id that starts with 0x00.
//
// Then focused tests: REQ round-robin across two REPs (ours and theirs), the
// ids a ROUTER gives its peers (and a DEALER's probe), ROUTER mandatory
// (EHOSTUNREACH), REQ strict/relaxed/correlate against libzmq (pyzmq's REQ
// runs the same scenarios as the reference), REP envelopes, a connecting
// ROUTER's connect() routingId, and the ZeroMQ guide's rrbroker
// (ROUTER/DEALER shuttle) and lbbroker (load-balancing broker,
// ROUTER/ROUTER) with our broker and clients and workers from both
// implementations.
//
// Where a test asserts libzmq's behaviour that zmq-ts does not have yet, it
// is kept failing rather than bent to zmq-ts (see the connect-routingId
// tests and the REQ queued-replies test).
//
// Waiting is by events: a socket's receive, a peer command's answer, or our
// monitor's handshake event. A ROUTER has no event for a new peer, so a
// ROUTER that must speak first waits for its peer's probe (ZMQ_PROBE_ROUTER)
// or first message.
import { createCleanup, hex, later, nextEvent, text } from "@zmq/kernel/testing";
import { Dealer, Reply, Request, Router } from "@zmq/zeromq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as zmq from "zeromq";
import {
  type Frame,
  type Peer,
  type PeerKind,
  type PeerSocketOptions,
  type PeerSocketType,
  ipcEndpoint,
  prepareJava,
  removeTempDirs,
  startPeer,
  stopAllPeers,
} from "./peers.js";

type Ours = Request | Reply | Dealer | Router;
type Transport = "tcp" | "ipc";
type Side = "client" | "server";

/** Our sockets fail a stuck send or receive after this long, well inside the test timeout. */
const IO_TIMEOUT = 8_000;
const IO = { linger: 0, sendTimeout: IO_TIMEOUT, receiveTimeout: IO_TIMEOUT };

const ourSockets = createCleanup<Ours>();
const libzmqSockets = createCleanup<zmq.Socket>();
afterEach(async () => {
  ourSockets.closeAll();
  libzmqSockets.closeAll();
  await stopAllPeers();
});
beforeAll(prepareJava, 60_000);
afterAll(removeTempDirs);

const ours = ourSockets.track;
const theirs = libzmqSockets.track;

const address = (transport: Transport, label: string): string => (transport === "tcp" ? "tcp://127.0.0.1:*" : ipcEndpoint(label));

/** A generated ROUTER id: 5 bytes, 0x00 then a counter. */
function expectGeneratedId(id: Buffer | undefined): void {
  expect(id).toBeDefined();
  expect(id!.length).toBe(5);
  expect(id![0]).toBe(0);
}

// ---- the matrix ---------------------------------------------------------------------------

type Pattern = "REQ-REP" | "REQ-ROUTER" | "DEALER-REP" | "DEALER-ROUTER" | "ROUTER-ROUTER";

interface Cell {
  pattern: Pattern;
  kind: PeerKind;
  transport: Transport;
  /** Which side is our socket. */
  we: Side;
  /** Which side binds. */
  binder: Side;
}

/** One end of a link, whoever's socket it is. */
interface End {
  send(frames: Frame[]): Promise<void>;
  receive(): Promise<Buffer[]>;
}

const DEALER_ID = "dealer-id";
const CLIENT_RID = "client-rid";
const SERVER_RID = "server-rid";
/** The name a connecting ROUTER gives its peer with connect(ep, { routingId }) (ZMQ_CONNECT_ROUTING_ID). */
const ALIAS = "alias";

/** Requests: multipart, with empty frames in every position, and one that is a single empty frame. */
const REQUESTS: Frame[][] = [["hello"], [""], ["", "a", "", Buffer.from([0, 1, 2, 0xff]), ""], [Buffer.alloc(300, 7), "", "end"], ["last", ""]];
const replyTo = (i: number): Frame[] => ["", `reply ${i}`, "", ...REQUESTS[i]!];

const typesOf = (pattern: Pattern): [PeerSocketType, PeerSocketType] => pattern.split("-") as [PeerSocketType, PeerSocketType];

/** JeroMQ 0.3.6 has neither ZMQ_CONNECT_ROUTING_ID nor ZMQ_PROBE_ROUTER. */
const hasRouterExtras = (kind: PeerKind | "ours"): boolean => kind !== "jeromq";

/**
 * ROUTER-ROUTER: the client speaks first, so it must know that the server
 * is there and what it is called.
 *
 * - The client connects: it names the server with connect(ep, { routingId })
 *   and may send at once; libzmq queues the message until the connection is
 *   up (our ROUTER does not yet: see the connect-routingId tests; our
 *   connecting client waits for its handshake event instead).
 * - The client binds: the connecting server probes (ZMQ_PROBE_ROUTER) and the
 *   client waits for the probe, which comes from the server's routing id.
 *
 * A bound server cannot announce itself instead: libzmq 4.3's ROUTER sends
 * its probe only on connections it makes, not on those it accepts (pyzmq and
 * npm zeromq alike deliver nothing). JeroMQ 0.3.6 has neither
 * ZMQ_CONNECT_ROUTING_ID nor ZMQ_PROBE_ROUTER, so when it is the connecting
 * side (we bind) nothing can tell the client about the server, and those two
 * cells are left out; when we connect to it, both cells run.
 */
function cellSupported(cell: Cell): boolean {
  return !(cell.pattern === "ROUTER-ROUTER" && cell.kind === "jeromq" && cell.we === cell.binder);
}

function ourSocket(type: PeerSocketType, options: PeerSocketOptions): Ours {
  switch (type) {
    case "REQ":
      return ours(new Request(IO));
    case "REP":
      return ours(new Reply(IO));
    case "DEALER":
      return ours(new Dealer({ ...IO, routingId: options.routing_id as string }));
    case "ROUTER":
      return ours(new Router({ ...IO, routingId: options.routing_id as string | undefined, probeRouter: options.probe_router }));
    default:
      throw new Error(`no ${type} here`);
  }
}

async function runCell(cell: Cell): Promise<void> {
  const { pattern, kind, transport, we, binder } = cell;
  const [clientType, serverType] = typesOf(pattern);
  const routerPair = pattern === "ROUTER-ROUTER";
  const implOf = (side: Side): PeerKind | "ours" => (side === we ? "ours" : kind);
  const connecter: Side = binder === "client" ? "server" : "client";
  // Whether the connecting side names its peer with connect(ep, { routingId: ALIAS }).
  const aliased = routerPair && hasRouterExtras(implOf(connecter));
  const probing = routerPair && connecter === "server";
  const options: Record<Side, PeerSocketOptions> = {
    client: clientType === "DEALER" ? { routing_id: DEALER_ID } : clientType === "ROUTER" ? { routing_id: CLIENT_RID } : {},
    server: routerPair ? { routing_id: SERVER_RID, ...(probing ? { probe_router: true } : {}) } : {},
  };
  if (aliased) options[connecter].connect_routing_id = ALIAS;
  // How each side of a ROUTER pair names the other.
  const serverName = binder === "server" && aliased ? ALIAS : SERVER_RID;
  const clientName = binder === "client" && aliased ? ALIAS : CLIENT_RID;

  const peer: Peer = await startPeer(kind);
  const types: Record<Side, PeerSocketType> = { client: clientType, server: serverType };
  const other: Side = we === "client" ? "server" : "client";
  const ourEnd = ourSocket(types[we], options[we]);
  const ends: Record<Side, End> = {
    [we]: { send: (f: Frame[]) => ourEnd.send(f), receive: () => ourEnd.receive() },
    [other]: { send: (f: Frame[]) => peer.send(other, f), receive: () => peer.recvFrames(other) },
  } as Record<Side, End>;

  // Bind, then connect.
  const label = `${pattern}-${binder}`;
  let handshake: Promise<unknown> | undefined;
  let endpoint: string;
  if (binder === we) {
    await ourEnd.bind(address(transport, label));
    endpoint = ourEnd.lastEndpoint!;
    await peer.open(other, types[other], "connect", endpoint, options[other]);
  } else {
    endpoint = await peer.open(other, types[other], "bind", address(transport, label), options[other]);
    // Our connecting ROUTER client waits for its handshake (see cellSupported).
    if (routerPair && we === "client") handshake = nextEvent(ourEnd, "handshake");
    if (options[we].connect_routing_id !== undefined) (ourEnd as Router).connect(endpoint, { routingId: ALIAS });
    else ourEnd.connect(endpoint);
  }

  if (probing) {
    // The server's probe: an empty message, from the server as the client names it.
    expect(text(await ends.client.receive())).toEqual([serverName, ""]);
  }
  await handshake;

  let generatedId: Buffer | undefined;
  for (let i = 0; i < REQUESTS.length; i++) {
    const body = REQUESTS[i]!;
    const reply = replyTo(i);
    // What the client sends, what the server then receives, and the envelope the server puts back.
    const request: Frame[] =
      clientType === "REQ" ? body : clientType === "ROUTER" ? [serverName, ...body] : serverType === "REP" ? ["", ...body] : body;
    const [, got] = await Promise.all([ends.client.send(request), ends.server.receive()]);
    let envelope: Buffer[] = [];
    if (serverType === "REP") {
      expect(hex(got)).toEqual(hex(body));
    } else {
      const id = got[0];
      if (clientType === "REQ") {
        // An anonymous REQ: a generated id, the same for every request.
        expectGeneratedId(id);
        generatedId ??= id!;
        expect(id!.toString("hex")).toBe(generatedId.toString("hex"));
        expect(hex(got.slice(1))).toEqual(hex(["", ...body]));
        envelope = got.slice(0, 2);
      } else {
        expect(id!.toString()).toBe(clientType === "DEALER" ? DEALER_ID : clientName);
        expect(hex(got.slice(1))).toEqual(hex(body));
        envelope = got.slice(0, 1);
      }
    }
    const [, back] = await Promise.all([ends.server.send([...envelope, ...reply]), ends.client.receive()]);
    const want: Frame[] =
      clientType === "REQ" ? reply : clientType === "ROUTER" ? [serverName, ...reply] : serverType === "REP" ? ["", ...reply] : reply;
    expect(hex(back)).toEqual(hex(want));
    if (we === "client") expect(back.every((f) => Buffer.isBuffer(f))).toBe(true);
  }
}

function cells(): Cell[] {
  const out: Cell[] = [];
  const patterns: Pattern[] = ["REQ-REP", "REQ-ROUTER", "DEALER-REP", "DEALER-ROUTER", "ROUTER-ROUTER"];
  for (const pattern of patterns) {
    for (const kind of ["libzmq", "pyzmq", "jeromq"] as const) {
      for (const transport of kind === "jeromq" ? (["tcp"] as const) : (["tcp", "ipc"] as const)) {
        for (const we of ["client", "server"] as const) {
          for (const binder of ["client", "server"] as const) {
            const cell = { pattern, kind, transport, we, binder };
            if (cellSupported(cell)) out.push(cell);
          }
        }
      }
    }
  }
  return out;
}

const peerName: Record<PeerKind, string> = { libzmq: "libzmq 4.3.5", pyzmq: "pyzmq (libzmq 4.3.4)", jeromq: "JeroMQ 0.3.6" };

describe("request-reply matrix", () => {
  for (const cell of cells()) {
    const [clientType, serverType] = typesOf(cell.pattern);
    const ourType = cell.we === "client" ? clientType : serverType;
    const theirType = cell.we === "client" ? serverType : clientType;
    const binds = cell.binder === cell.we ? "we bind" : "we connect";
    it(`our ${ourType} (${cell.we}) with a ${peerName[cell.kind]} ${theirType} over ${cell.transport}, ${binds}`, async () => {
      await runCell(cell);
    }, 15_000);
  }
});

// ---- REQ round-robin ---------------------------------------------------------------------

describe("REQ round-robin across two REPs, ours and theirs", () => {
  /** Our REP worker: answers each request with the request and "ours" after it, until closed. */
  function serveOurs(rep: Reply, tag: string): void {
    void (async () => {
      for (;;) {
        try {
          await rep.send([...(await rep.receive()), tag]);
        } catch {
          return;
        }
      }
    })();
  }

  for (const kind of ["libzmq", "pyzmq", "jeromq"] as const) {
    // A REQ sends each request to the next peer in the order the peers were
    // connected (libzmq's lb), so the tags must alternate starting with the first.
    it(`our REQ alternates between our REP and a ${peerName[kind]} REP`, async () => {
      const peer = await startPeer(kind);
      const rep = ours(new Reply(IO));
      await rep.bind("tcp://127.0.0.1:*");
      serveOurs(rep, "ours");
      const theirEndpoint = await peer.open("rep", "REP", "bind", "tcp://127.0.0.1:*");
      const served = later(peer.echo("rep", 3, kind));

      const req = ours(new Request(IO));
      req.connect(rep.lastEndpoint!);
      req.connect(theirEndpoint);
      const tags: string[] = [];
      for (let i = 0; i < 6; i++) {
        await req.send([`request ${i}`, ""]);
        const reply = text(await req.receive());
        expect(reply.slice(0, 2)).toEqual([`request ${i}`, ""]);
        tags.push(reply[2]!);
      }
      expect(tags).toEqual(["ours", kind, "ours", kind, "ours", kind]);
      await served;
    }, 15_000);

    it(`a ${peerName[kind]} REQ alternates between our REP and a ${peerName[kind]} REP`, async () => {
      // A child peer runs one command at a time, so their REP lives in a second peer.
      const client = await startPeer(kind);
      const server = kind === "libzmq" ? client : await startPeer(kind);
      const rep = ours(new Reply(IO));
      await rep.bind("tcp://127.0.0.1:*");
      serveOurs(rep, "ours");
      const theirEndpoint = await server.open("rep", "REP", "bind", "tcp://127.0.0.1:*");
      const served = later(server.echo("rep", 2, kind));

      await client.open("req", "REQ", "connect", rep.lastEndpoint!);
      await client.connect("req", theirEndpoint);
      const tags: string[] = [];
      for (let i = 0; i < 4; i++) {
        await client.send("req", [`request ${i}`]);
        const reply = text(await client.recvFrames("req"));
        expect(reply[0]).toBe(`request ${i}`);
        tags.push(reply[1]!);
      }
      expect(tags).toEqual(["ours", kind, "ours", kind]);
      await served;
    }, 15_000);
  }
});

// ---- the ids a ROUTER gives its peers -----------------------------------------------------

describe("the ids a ROUTER gives its peers", () => {
  it("our ROUTER: a DEALER's routingId, else a generated 5-byte id starting with 0x00 (libzmq, pyzmq and our DEALERs)", async () => {
    const router = ours(new Router(IO));
    await router.bind("tcp://127.0.0.1:*");
    const endpoint = router.lastEndpoint!;
    const py = await startPeer("pyzmq");
    const libNamed = theirs(new zmq.Dealer({ linger: 0, routingId: "lib-named", receiveTimeout: IO_TIMEOUT }));
    const libAnon = theirs(new zmq.Dealer({ linger: 0, receiveTimeout: IO_TIMEOUT }));
    const ourNamed = ours(new Dealer({ ...IO, routingId: "our-named" }));
    const ourAnon = ours(new Dealer(IO));
    await py.open("named", "DEALER", "connect", endpoint, { routing_id: "py-named" });
    await py.open("anon", "DEALER", "connect", endpoint);
    const dealers: { name: string; id?: string; end: End }[] = [
      { name: "lib-named", id: "lib-named", end: libNamed },
      { name: "lib-anon", end: libAnon },
      { name: "our-named", id: "our-named", end: ourNamed },
      { name: "our-anon", end: ourAnon },
      { name: "py-named", id: "py-named", end: { send: (f) => py.send("named", f), receive: () => py.recvFrames("named") } },
      { name: "py-anon", end: { send: (f) => py.send("anon", f), receive: () => py.recvFrames("anon") } },
    ];
    for (const d of [libNamed, libAnon, ourNamed, ourAnon]) d.connect(endpoint);

    await Promise.all(dealers.map((d) => d.end.send(["from", d.name])));
    const ids = new Map<string, Buffer>();
    for (let i = 0; i < dealers.length; i++) {
      const [id, from, name, ...rest] = await router.receive();
      expect([String(from), rest.length]).toEqual(["from", 0]);
      ids.set(String(name), id!);
    }
    for (const d of dealers) {
      const id = ids.get(d.name);
      if (d.id) expect(String(id)).toBe(d.id);
      else expectGeneratedId(id);
    }
    expect(new Set([...ids.values()].map((id) => id.toString("hex"))).size).toBe(dealers.length);

    for (const d of dealers) await router.send([ids.get(d.name)!, "to", d.name]);
    for (const d of dealers) expect(text(await d.end.receive())).toEqual(["to", d.name]);
  }, 15_000);

  for (const kind of ["libzmq", "pyzmq", "jeromq"] as const) {
    it(`a ${peerName[kind]} ROUTER: our DEALER's routingId, else a generated id; our DEALER's probe`, async () => {
      const peer = await startPeer(kind);
      const endpoint = await peer.open("router", "ROUTER", "bind", "tcp://127.0.0.1:*");
      // A probing DEALER: the router hears of it with no message from the application.
      const probe = ours(new Dealer({ ...IO, probeRouter: true }));
      probe.connect(endpoint);
      const [probeId, ...probeRest] = await peer.recvFrames("router");
      expectGeneratedId(probeId);
      expect(hex(probeRest)).toEqual(hex([""]));

      const named = ours(new Dealer({ ...IO, routingId: "our-named" }));
      const anon = ours(new Dealer(IO));
      named.connect(endpoint);
      anon.connect(endpoint);
      await named.send(["named"]);
      await anon.send(["anon", ""]);
      const got = [await peer.recvFrames("router"), await peer.recvFrames("router")];
      const fromNamed = got.find((m) => String(m[1]) === "named")!;
      const fromAnon = got.find((m) => String(m[1]) === "anon")!;
      expect(String(fromNamed[0])).toBe("our-named");
      expectGeneratedId(fromAnon[0]);
      expect(hex(fromAnon.slice(1))).toEqual(hex(["anon", ""]));
      expect(fromAnon[0]!.toString("hex")).not.toBe(probeId!.toString("hex"));

      await peer.send("router", [probeId!, "to probe"]);
      await peer.send("router", [fromNamed[0]!, "to named", ""]);
      await peer.send("router", [fromAnon[0]!, "", "to anon"]);
      expect(text(await probe.receive())).toEqual(["to probe"]);
      expect(text(await named.receive())).toEqual(["to named", ""]);
      expect(text(await anon.receive())).toEqual(["", "to anon"]);
    }, 15_000);
  }
});

// ---- ROUTER mandatory ---------------------------------------------------------------------

describe("ROUTER mandatory", () => {
  type AnyRouter = Router | zmq.Router;
  const routers: [string, () => AnyRouter][] = [
    ["our ROUTER", () => ours(new Router({ ...IO, mandatory: true }))],
    [
      "libzmq's ROUTER (the reference)",
      () => theirs(new zmq.Router({ linger: 0, mandatory: true, receiveTimeout: IO_TIMEOUT, sendTimeout: IO_TIMEOUT })),
    ],
  ];
  for (const [name, make] of routers) {
    it(`${name}: EHOSTUNREACH for an unknown id, delivery to a known one`, async () => {
      const router = make();
      await router.bind("tcp://127.0.0.1:*");
      const dealer = theirs(new zmq.Dealer({ linger: 0, routingId: "known", receiveTimeout: IO_TIMEOUT }));
      dealer.connect(router.lastEndpoint!);
      await dealer.send(["hello"]);
      expect(text(await router.receive())).toEqual(["known", "hello"]);
      await router.send(["known", "welcome", ""]);
      expect(text(await dealer.receive())).toEqual(["welcome", ""]);
      await expect(router.send(["unknown", "x"])).rejects.toMatchObject({ code: "EHOSTUNREACH" });
      await expect(router.send([Buffer.from([0, 1, 2, 3, 4]), "x"])).rejects.toMatchObject({ code: "EHOSTUNREACH" });
      // The socket goes on after the error.
      await router.send(["known", "still here"]);
      expect(text(await dealer.receive())).toEqual(["still here"]);
    }, 10_000);
  }

  it("our ROUTER: EHOSTUNREACH once the peer has gone; without mandatory the message is dropped", async () => {
    const router = ours(new Router({ ...IO, mandatory: true }));
    await router.bind("tcp://127.0.0.1:*");
    const peer = await startPeer("pyzmq");
    await peer.open("dealer", "DEALER", "connect", router.lastEndpoint!, { routing_id: "known" });
    await peer.send("dealer", ["hello"]);
    expect(text(await router.receive())).toEqual(["known", "hello"]);
    const gone = nextEvent(router, "disconnect");
    await peer.stop();
    await gone;
    await expect(router.send(["known", "x"])).rejects.toMatchObject({ code: "EHOSTUNREACH" });
    router.mandatory = false;
    await router.send(["known", "dropped"]);
    await router.send(["unknown", "dropped"]);
  }, 10_000);
});

// ---- REQ: strict, relaxed, correlate ------------------------------------------------------------

interface Req {
  connect(endpoint: string): Promise<void>;
  send(frames: Frame[]): Promise<void>;
  receive(): Promise<Buffer[]>;
  /** Resolves once a reply is waiting in the socket's queue (where that can be seen). */
  replyQueued?(): Promise<void>;
}
type ReqImpl = "ours" | "pyzmq";

// pyzmq's REQ runs each scenario too, so that what is asserted is libzmq's
// behaviour. (Not npm zeromq's REQ: after it drops a stale reply it can miss
// the wake-up for the next one and time out, which pyzmq's REQ does not.)
async function makeReq(impl: ReqImpl, options: { correlate?: boolean; relaxed?: boolean }): Promise<Req> {
  if (impl === "ours") {
    const req = ours(new Request({ ...IO, ...options }));
    return {
      connect: (ep) => {
        req.connect(ep);
        return Promise.resolve();
      },
      send: (f) => req.send(f),
      receive: () => req.receive(),
      // No event says a reply has landed in the queue; readable does, so poll it (bounded).
      replyQueued: async () => {
        const deadline = Date.now() + 2000;
        while (!req.readable && Date.now() < deadline) await new Promise((r) => setImmediate(r));
      },
    };
  }
  const peer = await startPeer("pyzmq");
  const flags = { req_correlate: options.correlate ?? false, req_relaxed: options.relaxed ?? false };
  return {
    connect: async (ep) => void (await peer.open("req", "REQ", "connect", ep, flags)),
    send: (f) => peer.send("req", f),
    receive: () => peer.recvFrames("req"),
  };
}

async function expectEfsm(impl: ReqImpl, operation: Promise<unknown>): Promise<void> {
  if (impl === "ours") await expect(operation).rejects.toMatchObject({ code: "EFSM" });
  else await expect(operation).rejects.toThrow(/current state/);
}

async function libzmqRep(): Promise<zmq.Reply> {
  const rep = theirs(new zmq.Reply({ linger: 0, receiveTimeout: IO_TIMEOUT, sendTimeout: IO_TIMEOUT }));
  await rep.bind("tcp://127.0.0.1:*");
  return rep;
}

describe("REQ out of turn, as zeromq.js's API keeps it: the operation waits for its turn", () => {
  const makers: [string, () => Request | zmq.Request][] = [
    ["zmq-ts", () => ours(new Request({ linger: 0, receiveTimeout: IO_TIMEOUT, sendTimeout: IO_TIMEOUT }))],
    ["zeromq.js", () => theirs(new zmq.Request({ linger: 0, receiveTimeout: IO_TIMEOUT, sendTimeout: IO_TIMEOUT }))],
  ];
  for (const [name, make] of makers) {
    it(`${name}: a receive before any send and a second send before the reply complete once their turn comes`, async () => {
      const rep = await libzmqRep();
      const req = make();
      req.connect(rep.lastEndpoint!);
      const early = req.receive();
      await req.send("one");
      const again = req.send("again");
      expect(text(await rep.receive())).toEqual(["one"]);
      await rep.send("reply one");
      expect(text(await early)).toEqual(["reply one"]);
      await again;
      expect(text(await rep.receive())).toEqual(["again"]);
      await rep.send("reply two");
      expect(text(await req.receive())).toEqual(["reply two"]);
    }, 10_000);
  }
});

describe("REQ against libzmq: strict, relaxed, correlate", () => {
  for (const impl of ["ours", "pyzmq"] as const) {
    const who = impl === "ours" ? "our REQ" : "pyzmq's REQ (the reference)";

    it(`${who}, correlate + relaxed: a new request abandons the old one; its late reply is dropped`, async () => {
      const rep = await libzmqRep();
      const req = await makeReq(impl, { correlate: true, relaxed: true });
      await req.connect(rep.lastEndpoint!);
      await req.send(["one", ""]);
      expect(text(await rep.receive())).toEqual(["one", ""]);
      await req.send(["two"]); // relaxed: no EFSM
      await rep.send(["reply one"]); // late: the REQ has moved on
      expect(text(await rep.receive())).toEqual(["two"]);
      await rep.send(["", "reply two"]);
      expect(text(await req.receive())).toEqual(["", "reply two"]);
      await req.send(["three"]);
      expect(text(await rep.receive())).toEqual(["three"]);
      await rep.send(["reply three"]);
      expect(text(await req.receive())).toEqual(["reply three"]);
    }, 10_000);

    it(`${who}, relaxed without correlate: the late reply is taken as the answer`, async () => {
      const rep = await libzmqRep();
      const req = await makeReq(impl, { relaxed: true });
      await req.connect(rep.lastEndpoint!);
      await req.send(["one"]);
      expect(text(await rep.receive())).toEqual(["one"]);
      await req.send(["two"]);
      await rep.send(["reply one"]);
      expect(text(await req.receive())).toEqual(["reply one"]);
    }, 10_000);

    if (impl === "pyzmq") {
      it(`${who}, strict: libzmq's own API says EFSM for a second send or a receive out of turn`, async () => {
        const rep = await libzmqRep();
        const req = await makeReq(impl, {});
        await req.connect(rep.lastEndpoint!);
        await expectEfsm(impl, req.receive());
        await req.send(["one"]);
        await expectEfsm(impl, req.send(["again"]));
        expect(text(await rep.receive())).toEqual(["one"]);
        await rep.send(["reply one"]);
        expect(text(await req.receive())).toEqual(["reply one"]);
        await expectEfsm(impl, req.receive());
      }, 10_000);
    }

    it(`${who}, correlate: the wire form [id(4), "", body], ids +1 per request in host order; a wrong id is skipped`, async () => {
      const router = theirs(new zmq.Router({ linger: 0, receiveTimeout: IO_TIMEOUT, sendTimeout: IO_TIMEOUT }));
      await router.bind("tcp://127.0.0.1:*");
      const req = await makeReq(impl, { correlate: true, relaxed: true });
      await req.connect(router.lastEndpoint!);
      await req.send(["a"]);
      const [peerId, id1, empty1, ...body1] = await router.receive();
      expect([id1!.length, empty1!.length, text(body1)]).toEqual([4, 0, ["a"]]);
      await req.send(["b", ""]);
      const [, id2, empty2, ...body2] = await router.receive();
      expect([id2!.length, empty2!.length, text(body2)]).toEqual([4, 0, ["b", ""]]);
      expect(id2!.readUInt32LE(0)).toBe((id1!.readUInt32LE(0) + 1) >>> 0);

      await router.send([peerId!, id1!, "", "for a"]); // the abandoned request's id
      await router.send([peerId!, "", "no id"]); // no id at all
      await router.send([peerId!, id2!, "", "for b"]);
      expect(text(await req.receive())).toEqual(["for b"]);
    }, 10_000);
  }

  for (const impl of ["ours", "pyzmq"] as const) {
    const who = impl === "ours" ? "our REQ" : "pyzmq's REQ (the reference)";
    // libzmq's req_t::xsend reads and drops every message already queued when
    // a request begins, so that a stray reply (here a ROUTER's duplicate) is
    // never taken as the answer to a later request. The two replies leave
    // libzmq in the same tick, so they arrive together, before the REQ has
    // even returned the first.
    it(`${who}: a new request discards replies already queued (a duplicate reply is not the next answer)`, async () => {
      const router = theirs(new zmq.Router({ linger: 0, receiveTimeout: IO_TIMEOUT, sendTimeout: IO_TIMEOUT }));
      await router.bind("tcp://127.0.0.1:*");
      const req = await makeReq(impl, {});
      await req.connect(router.lastEndpoint!);
      await req.send(["one"]);
      const [id] = await router.receive();
      const sent = [router.send([id!, "", "reply one"]), router.send([id!, "", "duplicate"])];
      await Promise.all(sent);
      expect(text(await req.receive())).toEqual(["reply one"]);
      // The duplicate must be queued before the next request for the test to mean anything.
      await req.replyQueued?.();
      await req.send(["two"]);
      expect(text(await router.receive())).toEqual([String(id), "", "two"]);
      await router.send([id!, "", "reply two"]);
      expect(text(await req.receive())).toEqual(["reply two"]);
    }, 10_000);
  }

  it("a pyzmq REQ with correlate + relaxed against our REP: our REP returns the id envelope", async () => {
    const rep = ours(new Reply(IO));
    await rep.bind("tcp://127.0.0.1:*");
    const req = await makeReq("pyzmq", { correlate: true, relaxed: true });
    await req.connect(rep.lastEndpoint!);
    await req.send(["one"]);
    expect(text(await rep.receive())).toEqual(["one"]);
    await req.send(["two"]);
    await rep.send(["reply one"]);
    expect(text(await rep.receive())).toEqual(["two"]);
    await rep.send(["reply two", ""]);
    expect(text(await req.receive())).toEqual(["reply two", ""]);
  }, 10_000);
});

// ---- REP envelopes -----------------------------------------------------------------------

describe("REP envelopes", () => {
  // Our REP with a libzmq DEALER, and libzmq's REP with our DEALER.
  const pairs: [string, () => Promise<{ dealer: Dealer | zmq.Dealer; rep: Reply | zmq.Reply }>][] = [
    [
      "our REP, a libzmq DEALER",
      async () => {
        const rep = ours(new Reply(IO));
        await rep.bind("tcp://127.0.0.1:*");
        const dealer = theirs(new zmq.Dealer({ linger: 0, receiveTimeout: IO_TIMEOUT, sendTimeout: IO_TIMEOUT }));
        dealer.connect(rep.lastEndpoint!);
        return { dealer, rep };
      },
    ],
    [
      "libzmq's REP, our DEALER",
      async () => {
        const rep = theirs(new zmq.Reply({ linger: 0, receiveTimeout: IO_TIMEOUT, sendTimeout: IO_TIMEOUT }));
        await rep.bind("tcp://127.0.0.1:*");
        const dealer = ours(new Dealer(IO));
        dealer.connect(rep.lastEndpoint!);
        return { dealer, rep };
      },
    ],
  ];
  for (const [name, open] of pairs) {
    it(`${name}: a request with no empty delimiter is discarded; a multi-hop envelope comes back whole`, async () => {
      const { dealer, rep } = await open();
      await dealer.send(["no delimiter", "at all"]);
      await dealer.send(["hop 1", "hop 2", "", "body", "", "end"]);
      expect(text(await rep.receive())).toEqual(["body", "", "end"]);
      await rep.send(["reply", ""]);
      expect(text(await dealer.receive())).toEqual(["hop 1", "hop 2", "", "reply", ""]);
    }, 10_000);
  }
});

// ---- a connecting ROUTER's connect() routingId --------------------------------------------

describe("a connecting ROUTER's connect() routingId", () => {
  // libzmq attaches a connecting ROUTER's pipe under its ZMQ_CONNECT_ROUTING_ID
  // at connect() (router_t::identify_peer with locally_initiated), so a
  // message to that id, sent at once, waits in the pipe for the connection;
  // even with mandatory it is accepted.
  for (const impl of ["ours", "libzmq"] as const) {
    for (const mandatory of [false, true]) {
      const who = impl === "ours" ? "our ROUTER" : "libzmq's ROUTER (the reference)";
      it(`${who}${mandatory ? " with mandatory" : ""}: a message sent right after connect() is delivered`, async () => {
        const server = theirs(new zmq.Router({ linger: 0, routingId: "server", receiveTimeout: 3_000 }));
        await server.bind("tcp://127.0.0.1:*");
        const client: Router | zmq.Router =
          impl === "ours"
            ? ours(new Router({ ...IO, routingId: "client", mandatory }))
            : theirs(new zmq.Router({ linger: 0, routingId: "client", mandatory }));
        client.connect(server.lastEndpoint!, { routingId: ALIAS });
        await client.send([ALIAS, "early", ""]);
        expect(text(await server.receive())).toEqual(["client", "early", ""]);
        await server.send(["client", "back"]);
        expect(text(await client.receive())).toEqual([ALIAS, "back"]);
      }, 10_000);
    }
  }
});

// ---- the guide's brokers -----------------------------------------------------------------

/** Runs fn until it throws (its socket was closed). */
function loop(fn: () => Promise<void>): void {
  void (async () => {
    for (;;) {
      try {
        await fn();
      } catch {
        return;
      }
    }
  })();
}

interface Client {
  name: string;
  send(frames: Frame[]): Promise<void>;
  receive(): Promise<Buffer[]>;
}

/** Each client makes `rounds` requests in turn, all clients at once; every reply must be its own request plus a worker's tag. */
async function runClients(clients: Client[], rounds: number, workerTags: string[]): Promise<Map<string, number>> {
  const served = new Map<string, number>();
  await Promise.all(
    clients.map(async (c) => {
      for (let r = 0; r < rounds; r++) {
        const request = [c.name, `request ${r}`, ""];
        await c.send(request);
        const reply = text(await c.receive());
        expect(reply.slice(0, 3)).toEqual(request);
        expect(reply.length).toBe(4);
        expect(workerTags).toContain(reply[3]);
        served.set(reply[3]!, (served.get(reply[3]!) ?? 0) + 1);
      }
    }),
  );
  return served;
}

describe("the guide's brokers, written with zmq-ts", () => {
  // rrbroker: a ROUTER frontend for REQ clients and a DEALER backend for REP
  // workers; the broker shuttles whole messages both ways, the envelopes
  // (client id, empty delimiter) ride along.
  it("rrbroker: libzmq, pyzmq and our REQ clients, libzmq and our REP workers, each reply to its client", async () => {
    const frontend = ours(new Router({ linger: 0 }));
    const backend = ours(new Dealer({ linger: 0 }));
    await frontend.bind("tcp://127.0.0.1:*");
    await backend.bind(ipcEndpoint("rrbroker-backend"));
    loop(async () => backend.send(await frontend.receive()));
    loop(async () => frontend.send(await backend.receive()));

    const workerTags = ["our worker 1", "our worker 2", "libzmq worker 1", "libzmq worker 2"];
    const connected = nextEvent(backend, "handshake", workerTags.length);
    for (const tag of workerTags) {
      if (tag.startsWith("our")) {
        const rep = ours(new Reply({ linger: 0 }));
        rep.connect(backend.lastEndpoint!);
        loop(async () => rep.send([...(await rep.receive()), tag]));
      } else {
        const rep = theirs(new zmq.Reply({ linger: 0 }));
        rep.connect(backend.lastEndpoint!);
        loop(async () => rep.send([...(await rep.receive()), tag]));
      }
    }
    // With every worker in, the DEALER deals requests to all of them in turn.
    await connected;

    const py = await startPeer("pyzmq");
    await py.open("req", "REQ", "connect", frontend.lastEndpoint!);
    const clients: Client[] = [{ name: "pyzmq client", send: (f) => py.send("req", f), receive: () => py.recvFrames("req") }];
    for (let i = 1; i <= 3; i++) {
      const ourReq = ours(new Request(IO));
      const theirReq = theirs(new zmq.Request({ linger: 0, receiveTimeout: IO_TIMEOUT, sendTimeout: IO_TIMEOUT }));
      ourReq.connect(frontend.lastEndpoint!);
      theirReq.connect(frontend.lastEndpoint!);
      clients.push({ name: `our client ${i}`, send: (f) => ourReq.send(f), receive: () => ourReq.receive() });
      clients.push({ name: `libzmq client ${i}`, send: (f) => theirReq.send(f), receive: () => theirReq.receive() });
    }
    const rounds = 8;
    const served = await runClients(clients, rounds, workerTags);
    expect([...served.values()].reduce((a, b) => a + b, 0)).toBe(clients.length * rounds);
    for (const tag of workerTags) expect(served.get(tag) ?? 0, tag).toBeGreaterThan(0);
  }, 20_000);

  // lbbroker: workers are REQs that announce themselves with "READY" and then
  // carry [client id, "", request]; the broker hands each client request to
  // the worker that has been idle longest, and reads clients only while a
  // worker is free.
  it("lbbroker: libzmq and our REQ workers and clients, each reply to its client", async () => {
    const frontend = ours(new Router({ linger: 0 }));
    const backend = ours(new Router({ linger: 0 }));
    await frontend.bind(ipcEndpoint("lbbroker-frontend"));
    await backend.bind("tcp://127.0.0.1:*");

    const workerTags = ["our worker 1", "our worker 2", "libzmq worker 1", "libzmq worker 2"];
    const idle: Buffer[] = [];
    let wakeFrontend: (() => void) | undefined;
    let ready = 0;
    let allReady!: () => void;
    const workersReady = new Promise<void>((resolve) => (allReady = resolve));
    loop(async () => {
      // [worker, "", "READY"] or [worker, "", client, "", reply...]
      const [worker, , first, ...rest] = await backend.receive();
      if (String(first) === "READY" && rest.length === 0) {
        if (++ready === workerTags.length) allReady();
      } else {
        await frontend.send([first!, ...rest]);
      }
      idle.push(worker!);
      wakeFrontend?.();
    });
    loop(async () => {
      while (idle.length === 0) await new Promise<void>((resolve) => (wakeFrontend = resolve));
      wakeFrontend = undefined;
      const [client, , ...request] = await frontend.receive();
      await backend.send([idle.shift()!, "", client!, "", ...request]);
    });

    for (const tag of workerTags) {
      const worker: Request | zmq.Request = tag.startsWith("our") ? ours(new Request({ linger: 0 })) : theirs(new zmq.Request({ linger: 0 }));
      worker.connect(backend.lastEndpoint!);
      void worker.send(["READY"]).then(() =>
        loop(async () => {
          const [client, empty, ...request] = await worker.receive();
          await worker.send([client!, empty!, ...request, tag]);
        }),
      );
    }
    await workersReady;

    const clients: Client[] = [];
    for (let i = 1; i <= 3; i++) {
      const ourReq = ours(new Request(IO));
      const theirReq = theirs(new zmq.Request({ linger: 0, receiveTimeout: IO_TIMEOUT, sendTimeout: IO_TIMEOUT }));
      ourReq.connect(frontend.lastEndpoint!);
      theirReq.connect(frontend.lastEndpoint!);
      clients.push({ name: `our client ${i}`, send: (f) => ourReq.send(f), receive: () => ourReq.receive() });
      clients.push({ name: `libzmq client ${i}`, send: (f) => theirReq.send(f), receive: () => theirReq.receive() });
    }
    const rounds = 8;
    const served = await runClients(clients, rounds, workerTags);
    expect([...served.values()].reduce((a, b) => a + b, 0)).toBe(clients.length * rounds);
  }, 20_000);
});
