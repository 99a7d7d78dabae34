// A ZMTP engine lends the memory of what it wrote (its encoder's output,
// CURVE's boxes, CURVE frames once decrypted) again once the stream holds
// none of it. Lent too early, a later batch would overwrite bytes still
// waiting in the stream. These send large messages of distinct contents
// over tcp, plain and CURVE, first into a connection that is backed up (the
// stream holds earlier batches: nothing may be lent until the drain), then
// into one that keeps up, and check every byte of every message.
import { wireBuffers } from "@zmq/wire";
import { afterEach, describe, expect, it } from "vitest";
import { Pull, Push, curveKeyPair } from "./index.js";

const open: { close(): void }[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
const track = <T extends { close(): void }>(s: T): T => (open.push(s), s);

/** Message `n`: `size` bytes that differ from every other message's. */
function body(n: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32BE(n, 0);
  for (let i = 4; i < size; i++) out[i] = (n * 31 + i * 7) & 0xff;
  return out;
}

/** The first wrong message, or -1 when `frame` is message `n` whole. */
function check(frame: Buffer, n: number, size: number): number {
  return frame.length === size && frame.equals(body(n, size)) ? -1 : n;
}

for (const security of ["NULL", "CURVE"] as const) {
  // Plain: bodies the encoder copies into its output (large bodies go by reference); CURVE: boxes of all sizes.
  const SIZES = security === "NULL" ? [5_000, 6_000, 7_000] : [9_000, 12_000, 40_000, 70_000];
  describe(`${security} over tcp`, () => {
    const sockets = () => {
      if (security === "NULL") return { pull: track(new Pull()), push: track(new Push({ sendTimeout: 0 })) };
      const server = curveKeyPair();
      const client = curveKeyPair();
      return {
        pull: track(new Pull({ curveServer: true, curveSecretKey: server.secretKey })),
        push: track(
          new Push({
            sendTimeout: 0,
            curveServerKey: server.publicKey,
            curvePublicKey: client.publicKey,
            curveSecretKey: client.secretKey,
          }),
        ),
      };
    };

    it("every byte of large messages arrives, sent into a backed-up connection and then into one that keeps up", async () => {
      const { pull, push } = sockets();
      await pull.bind("tcp://127.0.0.1:*");
      push.connect(pull.lastEndpoint!);
      await push.send("up");
      expect((await pull.receive()).map(String)).toEqual(["up"]);

      // Backed up: two messages a turn of the event loop (a batch each, written alone, most of them while the kernel
      // and then the stream hold earlier ones), until the HWM refuses; then read it all.
      let sent = 0;
      for (; sent < 20_000; sent++) {
        const size = SIZES[sent % SIZES.length]!;
        const refused = await push.send(body(sent, size)).then(
          () => false,
          (error: { code?: string }) => error.code === "EAGAIN",
        );
        if (refused) break;
        if (sent % 2 === 1) await new Promise((resolve) => setImmediate(resolve));
      }
      expect(sent).toBeGreaterThan(100);
      // Then more, as the reader keeps up.
      const total = sent + 300;
      const writing = (async () => {
        for (let n = sent; n < total; n++) {
          for (;;) {
            const refused = await push.send(body(n, SIZES[n % SIZES.length]!)).then(
              () => false,
              (error: { code?: string }) => error.code === "EAGAIN",
            );
            if (!refused) break;
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
      })();
      let wrong = -1;
      for (let n = 0; n < total && wrong < 0; n++) {
        const [frame] = await pull.receive();
        wrong = check(frame!, n, SIZES[n % SIZES.length]!);
      }
      await writing;
      expect(wrong).toBe(-1);
      // Memory was lent again along the way (the process keeps some of it free for the next batches).
      expect(wireBuffers.freeSize).toBeGreaterThan(0);
    });
  });
}
