// CURVE boxes carry nonces that must rise in each direction. A ZMTP engine
// encodes (and so encrypts) a message when the socket queues it, and writes
// the batch a moment later; its own commands (PING, PONG) are encrypted when
// they are sent. This checks that such a command never overtakes the
// messages encrypted before it: two zmq-ts sockets over real tcp, pinging
// each other every millisecond while the sender streams, must deliver every
// message in order without a disconnect.
import { Context, type SocketBase } from "@zmq/kernel";
import { createCleanup, watchEvents } from "@zmq/kernel/testing";
import { Pull, Push } from "@zmq/pattern-pipeline";
import { tcp } from "@zmq/transport-tcp";
import { afterEach, describe, expect, it } from "vitest";
import { curve, curveKeyPair } from "./index.js";

const { track, closeAll } = createCleanup<SocketBase>();
afterEach(closeAll);

const MESSAGES = 20_000;
/** A PING every millisecond; a busy peer's late PONG must not end the connection (the timeout is far away). */
const PING_OFTEN = { heartbeatInterval: 1, heartbeatTimeout: 60_000 };

describe("CURVE heartbeats among queued traffic", () => {
  it("PINGs and PONGs every millisecond both ways: every message arrives, in order, with no disconnect", async () => {
    const context = new Context({ transports: [tcp()], mechanisms: [curve] });
    const serverKeys = curveKeyPair();
    const clientKeys = curveKeyPair();
    const pull = track(new Pull({ context, curveServer: true, curveSecretKey: serverKeys.secretKey, ...PING_OFTEN }));
    await pull.bind("tcp://127.0.0.1:*");
    const push = track(
      new Push({
        context,
        curveServerKey: serverKeys.publicKey,
        curvePublicKey: clientKeys.publicKey,
        curveSecretKey: clientKeys.secretKey,
        ...PING_OFTEN,
      }),
    );
    const pushEvents = watchEvents(push);
    const pullEvents = watchEvents(pull);
    push.connect(pull.lastEndpoint!);

    const received = (async () => {
      let next = 0;
      for await (const [frame] of pull) {
        const n = new DataView(frame!.buffer, frame!.byteOffset).getUint32(0);
        if (n !== next) return { next, got: n };
        if (++next === MESSAGES) return { next, got: n };
      }
      return { next, got: -1 };
    })();
    const body = new Uint8Array(64);
    const view = new DataView(body.buffer);
    for (let i = 0; i < MESSAGES; i++) {
      view.setUint32(0, i);
      await push.send(body);
      // Give the timers a turn now and then, so PINGs fall between taking messages and writing them.
      if (i % 500 === 499) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(await received).toEqual({ next: MESSAGES, got: MESSAGES - 1 });
    expect(pushEvents.types().filter((t) => t.startsWith("disconnect") || t.startsWith("handshake:error"))).toEqual([]);
    expect(pullEvents.types().filter((t) => t.startsWith("disconnect") || t.startsWith("handshake:error"))).toEqual([]);
  });
});
