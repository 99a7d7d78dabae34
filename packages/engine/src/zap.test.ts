// The ZAP client (RFC 27) against a real handler socket bound at
// inproc://zeromq.zap.01: the request frames, the handler's verdicts, replies
// it must not trust, and what happens with no handler or a handler that goes.
import { Context, FairQueue, type Msg, type Pipe, RouterTable, SocketBase, type SocketOptions } from "@zmq/kernel";
import { createCleanup, text as texts } from "@zmq/kernel/testing";
import { inproc } from "@zmq/transport-inproc";
import { ProtocolError } from "@zmq/wire";
import { afterEach, describe, expect, it } from "vitest";
import { ZAP_ENDPOINT, type ZapReply, type ZapRequest, zapRequest } from "./zap.js";

// @zmq/pattern-reqrep is not a dependency of @zmq/engine (its tests use tcp,
// which uses the engine), so the handler is a minimal ROUTER written here.
class Router extends SocketBase {
  private readonly fq = new FairQueue();
  private readonly table = new RouterTable();
  constructor(options: SocketOptions) {
    super("ROUTER", options);
  }
  protected xattachPipe(pipe: Pipe): void {
    this.table.add(pipe, pipe.routingId, false);
    this.fq.attach(pipe);
  }
  protected xpipeTerminated(pipe: Pipe): void {
    this.table.remove(pipe);
    this.fq.terminated(pipe);
  }
  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }
  protected override xrecv(): Msg | undefined {
    const msg = this.fq.recv();
    return msg && [this.table.idFor(this.fq.lastIn!)!, ...msg];
  }
  protected override xsend(msg: Msg): boolean {
    this.table.lookup(msg[0]!)?.write(msg.slice(1));
    return true;
  }
  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }
  protected override xhasOut(): boolean {
    return true;
  }
}

const { track, closeAll } = createCleanup<SocketBase>();
afterEach(closeAll);

const enc = (s: string) => new TextEncoder().encode(s);

const request = (over: Partial<ZapRequest> = {}): ZapRequest => ({
  domain: "global",
  address: "192.0.2.7",
  identity: enc("server-id"),
  mechanism: "PLAIN",
  credentials: [enc("admin"), enc("secret")],
  ...over,
});

/** A fresh Context with inproc, and a handler bound at the ZAP endpoint in it. */
async function withHandler() {
  const context = new Context({ transports: [inproc()] });
  const handler = track(new Router({ context }));
  await handler.bind(ZAP_ENDPOINT);
  return { context, handler };
}

/** Receives one ZAP request: the routing id and the frames after it. */
async function nextRequest(handler: Router): Promise<{ routingId: Uint8Array; frames: string[]; raw: Msg }> {
  const [routingId, ...raw] = await handler.receive();
  return { routingId: routingId!, frames: texts(raw), raw };
}

/** Sends a reply to the request `id` through the client `routingId`. */
function reply(handler: Router, routingId: Uint8Array, frames: string[]): Promise<void> {
  return handler.send([routingId, ...frames]);
}

/** How a promise ended so far (after microtasks ran). */
function settle<T>(promise: Promise<T>): { done: boolean; value?: T } {
  const state: { done: boolean; value?: T } = { done: false };
  void promise.then((value) => {
    state.done = true;
    state.value = value;
  });
  return state;
}

async function microtasks(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

describe("zapRequest", () => {
  it("sends the request frames of RFC 27: empty, 1.0, id, domain, address, identity, mechanism, credentials", async () => {
    const { context, handler } = await withHandler();
    const answer = zapRequest(context, request());
    const { routingId, frames, raw } = await nextRequest(handler);
    expect(frames).toEqual(["", "1.0", "1", "global", "192.0.2.7", "server-id", "PLAIN", "admin", "secret"]);
    expect(raw[0]!.length).toBe(0);
    await reply(handler, routingId, ["", "1.0", "1", "200", "OK", "user-7", ""]);
    expect(await answer).toEqual<ZapReply>({ status: "200", userId: "user-7" });
  });

  it("passes binary identities and credentials through byte for byte, and any number of credential frames", async () => {
    const { context, handler } = await withHandler();
    const identity = Uint8Array.of(0, 0xff, 0x80);
    const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 37) & 0xff);
    const answer = zapRequest(context, request({ mechanism: "CURVE", identity, credentials: [key], domain: "", address: "" }));
    const { routingId, raw } = await nextRequest(handler);
    expect(raw.length).toBe(8);
    expect(texts(raw.slice(0, 5))).toEqual(["", "1.0", "1", "", ""]);
    expect([...raw[5]!]).toEqual([...identity]);
    expect(texts([raw[6]!])).toEqual(["CURVE"]);
    expect([...raw[7]!]).toEqual([...key]);
    await reply(handler, routingId, ["", "1.0", "1", "200", "OK", "", ""]);
    expect(await answer).toEqual({ status: "200", userId: "" });
  });

  it("reports a refusal (400) and a temporary failure (300) as the handler says", async () => {
    const { context, handler } = await withHandler();
    const refused = zapRequest(context, request());
    const first = await nextRequest(handler);
    await reply(handler, first.routingId, ["", "1.0", first.frames[2]!, "400", "Bad password", "", ""]);
    expect(await refused).toEqual({ status: "400", userId: "" });
    const later = zapRequest(context, request());
    const second = await nextRequest(handler);
    expect(second.frames[2]).toBe("2"); // request ids count up per Context
    await reply(handler, second.routingId, ["", "1.0", "2", "300", "Try later", "", ""]);
    expect(await later).toEqual({ status: "300", userId: "" });
  });

  it("turns any status other than 200, 300 and 400 into 500", async () => {
    const { context, handler } = await withHandler();
    const answers = ["500", "999", "", "20"].map(() => zapRequest(context, request()));
    for (const status of ["500", "999", "", "20"]) {
      const { routingId, frames } = await nextRequest(handler);
      await reply(handler, routingId, ["", "1.0", frames[2]!, status, "?", "someone", ""]);
    }
    expect((await Promise.all(answers)).map((a) => a.status)).toEqual(["500", "500", "500", "500"]);
  });

  it("matches replies to requests by id, in whatever order they come", async () => {
    const { context, handler } = await withHandler();
    const a = zapRequest(context, request({ credentials: [enc("alice"), enc("a")] }));
    const b = zapRequest(context, request({ credentials: [enc("bob"), enc("b")] }));
    const ra = await nextRequest(handler);
    const rb = await nextRequest(handler);
    expect([ra.frames[2], ra.frames[7], rb.frames[2], rb.frames[7]]).toEqual(["1", "alice", "2", "bob"]);
    await reply(handler, rb.routingId, ["", "1.0", "2", "200", "OK", "user-bob", ""]);
    await reply(handler, ra.routingId, ["", "1.0", "1", "400", "No", "", ""]);
    expect(await Promise.all([a, b])).toEqual([
      { status: "400", userId: "" },
      { status: "200", userId: "user-bob" },
    ]);
  });

  it("a reply naming no waiting request fails the oldest one as libzmq's per-handshake pipe would (ZAP_BAD_REQUEST_ID); with none waiting it is dropped", async () => {
    const { context, handler } = await withHandler();
    const first = zapRequest(context, request());
    const r1 = await nextRequest(handler);
    await reply(handler, r1.routingId, ["", "1.0", "1", "400", "No", "", ""]);
    expect(await first).toEqual({ status: "400", userId: "" });
    // Nothing waits: a stray reply is dropped.
    await reply(handler, r1.routingId, ["", "1.0", "1", "200", "OK", "late", ""]);
    await microtasks();
    const answer = settle(zapRequest(context, request()));
    const { routingId } = await nextRequest(handler);
    await reply(handler, routingId, ["", "1.0", "42", "200", "OK", "stranger", ""]);
    await microtasks();
    expect(answer).toEqual({ done: true, value: { status: "500", userId: "", protocolError: ProtocolError.ZAP_BAD_REQUEST_ID } });
  });

  /** Replies saying 200 that RFC 27 (and libzmq's zap_client) rejects, for request `id`. */
  const malformed = (id: string) => [
    ["", "1.0", id, "200", "OK", "intruder"], // 6 frames
    ["", "1.0", id, "200", "OK", "intruder", "", "extra"], // 8 frames
    ["x", "1.0", id, "200", "OK", "intruder", ""], // delimiter not empty
    ["", "2.0", id, "200", "OK", "intruder", ""], // another version
  ];

  it("never lets a client in on a malformed reply that says 200", async () => {
    const { context, handler } = await withHandler();
    const variants = malformed("?").length;
    for (let i = 0; i < variants; i++) {
      const answer = settle(zapRequest(context, request()));
      const { routingId, frames } = await nextRequest(handler);
      await reply(handler, routingId, malformed(frames[2]!)[i]!);
      await microtasks();
      expect(answer.value?.status, `variant ${i}`).not.toBe("200");
      // Answered properly (if it was still waiting): refused.
      await reply(handler, routingId, ["", "1.0", frames[2]!, "400", "No", "", ""]);
      await microtasks();
      expect(answer.done, `variant ${i}`).toBe(true);
      expect(answer.value?.status, `variant ${i}`).not.toBe("200");
    }
  });

  // libzmq fails the handshake at once on a malformed reply (ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY,
  // _BAD_VERSION); here the request it answers fails with 500 at once, not at handshakeInterval.
  it("fails the request at once on a malformed reply for it, with libzmq's ZAP protocol error", async () => {
    const { context, handler } = await withHandler();
    const expected = [
      ProtocolError.ZAP_MALFORMED_REPLY,
      ProtocolError.ZAP_MALFORMED_REPLY,
      ProtocolError.ZAP_UNSPECIFIED,
      ProtocolError.ZAP_BAD_VERSION,
      ProtocolError.ZAP_INVALID_STATUS_CODE,
      ProtocolError.ZAP_INVALID_METADATA,
    ];
    const variants = [...malformed("?"), ["", "1.0", "?", "201", "OK", "intruder", ""], ["", "1.0", "?", "200", "OK", "intruder", "\u0005bad"]];
    for (const [i, bad] of variants.entries()) {
      const answer = settle(zapRequest(context, request()));
      const { routingId, frames } = await nextRequest(handler);
      bad[2] = frames[2]!;
      await reply(handler, routingId, bad);
      await microtasks();
      expect(answer, String(i)).toEqual({ done: true, value: { status: "500", userId: "", protocolError: expected[i] } });
    }
  });

  it('answers "300" at once when no handler is bound, or the Context has no inproc transport', async () => {
    const context = new Context({ transports: [inproc()] });
    expect(await zapRequest(context, request())).toEqual({ status: "300", userId: "" });
    expect(await zapRequest(new Context(), request())).toEqual({ status: "300", userId: "" });
  });

  it("asks only the handler of its own Context", async () => {
    const one = await withHandler();
    const two = await withHandler();
    const answer = zapRequest(two.context, request({ domain: "two" }));
    const { routingId, frames } = await nextRequest(two.handler);
    expect(frames[3]).toBe("two");
    expect(one.handler.readable).toBe(false);
    await reply(two.handler, routingId, ["", "1.0", frames[2]!, "200", "OK", "u2", ""]);
    expect(await answer).toEqual({ status: "200", userId: "u2" });
  });

  it('resolves pending requests with "500" when the handler closes, then "300", then asks a new handler', async () => {
    const { context, handler } = await withHandler();
    const first = zapRequest(context, request());
    await nextRequest(handler); // read, never answered
    const second = zapRequest(context, request()); // not even read
    await microtasks();
    handler.close();
    expect(await Promise.all([first, second])).toEqual([
      { status: "500", userId: "" },
      { status: "500", userId: "" },
    ]);
    expect(await zapRequest(context, request())).toEqual({ status: "300", userId: "" });

    const next = track(new Router({ context }));
    await next.bind(ZAP_ENDPOINT);
    const third = zapRequest(context, request());
    const { routingId, frames } = await nextRequest(next);
    expect(frames.slice(0, 2)).toEqual(["", "1.0"]);
    await reply(next, routingId, ["", "1.0", frames[2]!, "200", "OK", "again", ""]);
    expect(await third).toEqual({ status: "200", userId: "again" });
  });
});
