// NULL with an authenticator (a socket with a ZAP domain): READY only once
// the verdict admits the peer, ERROR with the status for 400/500, nothing
// for 300; the verdict may come before or after the peer's READY.
import { describe, expect, it } from "vitest";
import { type AuthResult, NullMechanism, decodeCommand, encodeReady, parseCommandBody } from "./index.js";

const PROPS = [["Socket-Type", "PULL"]] as const;
const peerReady = encodeReady([["Socket-Type", "PUSH"]]);
const nameOf = (body: Uint8Array | undefined) => (body === undefined ? undefined : parseCommandBody(body).name);

/** A verdict the test settles when it wants. */
function later(): { verdict: Promise<boolean | AuthResult>; settle: (v: boolean | AuthResult) => void } {
  let settle!: (v: boolean | AuthResult) => void;
  const verdict = new Promise<boolean | AuthResult>((resolve) => (settle = resolve));
  return { verdict, settle };
}

describe("NULL with an authenticator", () => {
  it("nothing goes and nobody is asked before pending(); admitted at once: READY, ready after the peer's READY", async () => {
    let asked = 0;
    const m = new NullMechanism(PROPS, () => (asked++, true));
    expect(m.nextCommand()).toBeUndefined();
    expect(asked).toBe(0);
    await m.pending?.();
    expect(asked).toBe(1);
    expect(nameOf(m.nextCommand())).toBe("READY");
    expect(m.processCommand(peerReady)).toBeUndefined();
    expect(m.status).toBe("ready");
  });

  it("a verdict still to come holds READY back; the peer's READY waits on it; 200 sends READY with the user id", async () => {
    const { verdict, settle } = later();
    const m = new NullMechanism(PROPS, () => verdict);
    expect(m.nextCommand()).toBeUndefined();
    const waiting = m.processCommand(peerReady); // asks, and gives the verdict to wait on
    expect(waiting).toBeInstanceOf(Promise);
    expect(m.pending?.()).toBeUndefined(); // handed out once
    settle({ status: "200", userId: "alice" });
    await waiting;
    expect(nameOf(m.nextCommand())).toBe("READY");
    expect([m.status, m.userId]).toEqual(["ready", "alice"]);
  });

  it("the verdict may come before the peer's READY: pending() gives it to wait on", async () => {
    const { verdict, settle } = later();
    const m = new NullMechanism(PROPS, () => verdict);
    const waiting = m.pending?.();
    expect(waiting).toBeInstanceOf(Promise);
    settle(true);
    await waiting;
    expect(nameOf(m.nextCommand())).toBe("READY");
    expect(m.status).toBe("handshaking");
    expect(m.processCommand(peerReady)).toBeUndefined();
    expect(m.status).toBe("ready");
  });

  it("400 and 500 send ERROR with the status and fail; 300 fails with nothing sent", () => {
    for (const status of ["400", "500"] as const) {
      const m = new NullMechanism(PROPS, () => ({ status }));
      void m.pending?.();
      const error = m.nextCommand()!;
      const command = decodeCommand(parseCommandBody(error));
      expect(command).toMatchObject({ name: "ERROR", reason: status });
      expect(m.status).toBe("error");
      expect(m.error).toMatchObject({ code: "ZMTP_AUTH_FAILED" });
      expect(m.nextCommand()).toBeUndefined();
    }
    const silent = new NullMechanism(PROPS, () => ({ status: "300" }));
    void silent.pending?.();
    expect(silent.nextCommand()).toBeUndefined();
    expect(silent.status).toBe("error");
  });

  it("an authenticator that throws or rejects counts as 500", async () => {
    const thrown = new NullMechanism(PROPS, () => {
      throw new Error("handler broke");
    });
    void thrown.pending?.();
    expect(decodeCommand(parseCommandBody(thrown.nextCommand()!))).toMatchObject({ name: "ERROR", reason: "500" });
    const rejected = new NullMechanism(PROPS, () => Promise.reject(new Error("no")));
    await rejected.pending?.();
    expect(decodeCommand(parseCommandBody(rejected.nextCommand()!))).toMatchObject({ name: "ERROR", reason: "500" });
  });
});
