// What a closed socket keeps alive, each expectation run against npm zeromq
// 6.8.0 too: nothing of its Context, even while the runtime is still
// closing a connection the socket was making (zeromq.js's "should release
// reference to context").
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { implementations } from "./testing/compat.js";

/** V8's gc(), with the flag set at run time (vitest is not started with --expose-gc). */
function collect(): void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing();
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

for (const [name, zmq] of implementations) {
  describe(`${name}: a closed socket and its Context`, () => {
    it("a Dealer closed while its connect is under way leaves its Context to the collector", async () => {
      const made = async (): Promise<WeakRef<object>> => {
        const context = new zmq.Context();
        const dealer = new zmq.Dealer({ context, linger: 0 });
        const ref = new WeakRef(context);
        // A WeakRef keeps its target for the rest of the job that made it: the connect starts in the next one.
        await turn();
        dealer.connect("tcp://127.0.0.1:1");
        await dealer.send("x");
        dealer.close();
        return ref;
      };
      const ref = await made();
      collect();
      expect(ref.deref()).toBeUndefined();
    });
  });

  describe(`${name}: a socket never closed`, () => {
    it("frees its maxSockets slot once collected", async () => {
      const context = new zmq.Context({ maxSockets: 1 });
      (() => void new zmq.Pair({ context }))();
      let made: InstanceType<typeof zmq.Pair> | undefined;
      // The collector, then its finalizers (a later job), then libzmq's reaper thread for npm zeromq: a few turns.
      for (let i = 0; i < 100 && !made; i++) {
        collect();
        await turn();
        try {
          made = new zmq.Pair({ context });
        } catch (e) {
          expect((e as { code?: string }).code).toBe("EMFILE");
        }
      }
      expect(made).toBeDefined();
      made!.close();
    });
  });
}
