import { describe, expect, it } from "vitest";
import { isZmqError } from "./errors.js";
import { Observer } from "./observer.js";

describe("Observer", () => {
  it("delivers to listeners, receivers and iterators", async () => {
    const o = new Observer();
    const heard: string[] = [];
    const listener = (e: { address: string }) => heard.push(e.address);
    o.on("bind", listener);
    o.emit({ type: "bind", address: "a" });
    o.off("bind", listener);
    o.emit({ type: "bind", address: "b" });
    expect(heard).toEqual(["a"]);
    o.on("accept", listener);
    expect(() => o.receive()).toThrow("Observer is in event emitter mode");
    o.off("accept", listener);
    // Nobody else listened to "b": it waits for receive().
    expect(await o.receive()).toEqual({ type: "bind", address: "b" });
    const iterated: string[] = [];
    const loop = (async () => {
      for await (const e of o) iterated.push(e.type);
    })();
    o.emit({ type: "connect:retry", address: "c", interval: 100 });
    o.emit({ type: "end" });
    await loop;
    expect(iterated).toEqual(["connect:retry", "end"]);
  });

  it("buffers at most 1000 events while nobody listens, and ends receives on close", async () => {
    const o = new Observer();
    for (let i = 0; i < 1500; i++) o.emit({ type: "accept", address: String(i) });
    let count = 0;
    o.close();
    expect(o.closed).toBe(true);
    for (;;) {
      try {
        await o.receive();
        count++;
      } catch (e) {
        // zeromq.js's: a closed observer's receive() throws EBADF ("Socket is closed").
        expect(isZmqError(e, "EBADF")).toBe(true);
        break;
      }
    }
    expect(count).toBe(1000);
  });
});
