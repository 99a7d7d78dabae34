// A ZMTP engine encodes a message as soon as the socket queues it (so that
// send() need not copy it), and writes the batch a moment later. These check
// what that must not change, over a connected tcp Push: a burst still meets
// the send HWM (after at most twice its count: one batch taken, one queued),
// and a conflating Push still sends only the newest message of a burst.
// Ours only: libzmq's I/O thread runs beside the application, so how much
// of a burst it takes before the HWM is not fixed there.
import { afterEach, describe, expect, it } from "vitest";
import { Pull, Push } from "./index.js";

const open: { close(): void }[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
const track = <T extends { close(): void }>(s: T): T => (open.push(s), s);

/** A Pull bound on tcp and a Push connected to it, with one message there and back (the connection is up). */
async function connected(options: ConstructorParameters<typeof Push>[0]): Promise<{ push: Push; pull: Pull }> {
  const pull = track(new Pull());
  await pull.bind("tcp://127.0.0.1:*");
  const push = track(new Push(options));
  push.connect(pull.lastEndpoint!);
  await push.send("first");
  expect((await pull.receive()).map(String)).toEqual(["first"]);
  return { push, pull };
}

describe("the engine takes what is sent at once, within the socket's limits", () => {
  it("a burst with no turn of the event loop meets a send HWM of 100 after 100 to 200 messages, and all of those arrive", async () => {
    const { push, pull } = await connected({ sendHighWaterMark: 100, sendTimeout: 0 });
    let accepted = 0;
    for (; accepted < 10_000; accepted++) {
      const refused = await push.send(String(accepted)).then(
        () => false,
        (error: { code?: string }) => error.code === "EAGAIN",
      );
      if (refused) break;
    }
    expect(accepted).toBeGreaterThanOrEqual(100);
    expect(accepted).toBeLessThanOrEqual(200);
    for (let i = 0; i < accepted; i++) expect(String((await pull.receive())[0])).toBe(String(i));
  });

  it("a conflating Push sends only the newest message of a burst", async () => {
    const { push, pull } = await connected({ conflate: true });
    for (let i = 0; i < 100; i++) await push.send(String(i));
    expect((await pull.receive()).map(String)).toEqual(["99"]);
    await push.send("end");
    expect((await pull.receive()).map(String)).toEqual(["end"]);
  });
});
