// zeromq.js v6's top-level surface, checked against npm zeromq 6.8.0 and
// against @zmq/zeromq with the same expectations: what a program written for
// zeromq.js reads at its first lines (version, capability, context, the
// classes) is there and means the same.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import * as real from "zeromq";
import * as ours from "./index.js";
import { closeAfterEach, implementations, track } from "./testing/compat.js";

closeAfterEach();

/** The classes zeromq.js's README and docs name. */
const CLASSES = [
  "Context",
  "Socket",
  "Observer",
  "Proxy",
  "Pair",
  "Publisher",
  "Subscriber",
  "Request",
  "Reply",
  "Dealer",
  "Router",
  "Pull",
  "Push",
  "XPublisher",
  "XSubscriber",
  "Stream",
] as const;

for (const [name, zmq] of implementations) {
  describe(`the exports of ${name}`, () => {
    it("version is the libzmq release as a string", () => {
      expect(typeof zmq.version).toBe("string");
      expect(zmq.version).toBe("4.3.5");
    });

    it("capability says what the build has", () => {
      expect(Object.keys(zmq.capability).sort()).toEqual(["curve", "draft", "gssapi", "ipc", "norm", "pgm", "tipc"]);
      expect(zmq.capability.ipc).toBe(true);
      expect(zmq.capability.curve).toBe(true);
      expect(zmq.capability.draft).toBe(true);
      expect(zmq.capability.gssapi).toBe(false);
      expect(zmq.capability.norm).toBe(false);
      // npm zeromq's libzmq is built without OpenPGM; zmq-ts has epgm:// (PGM in UDP), and refuses pgm:// for want of raw sockets.
      expect(zmq.capability.pgm).toBe(name !== "zeromq");
    });

    it("context is the default Context, the one sockets get when they name none", () => {
      expect(zmq.context).toBeInstanceOf(zmq.Context);
      const socket = new zmq.Dealer();
      track(socket);
      expect(socket.context).toBe(zmq.context);
    });

    it("every class is a constructor, and sockets are instances of Socket", () => {
      for (const cls of CLASSES) expect(typeof zmq[cls], cls).toBe("function");
      const push = new zmq.Push();
      track(push);
      expect(push).toBeInstanceOf(zmq.Socket);
      expect(push.events).toBeInstanceOf(zmq.Observer);
    });

    it("curveKeyPair gives two 40-character Z85 keys", () => {
      const { publicKey, secretKey } = zmq.curveKeyPair();
      expect(publicKey).toMatch(/^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/);
      expect(secretKey).toHaveLength(40);
    });
  });
}

describe("@zmq/zeromq's names", () => {
  it("include every name zeromq.js exports", () => {
    const theirs = Object.keys(real).filter((k) => k !== "default" && k !== "__esModule");
    const missing = theirs.filter((k) => !(k in ours));
    expect(missing).toEqual([]);
  });

  it("are the same through require() as through import, with no stray default", () => {
    // A CommonJS program in its own process: require() of the built package (Node's require of ES modules).
    const program = `
      const cjs = require("@zmq/zeromq");
      import("@zmq/zeromq").then((esm) => {
        const names = Object.keys(cjs).filter((k) => k !== "__esModule").sort();
        const same = names.every((k) => cjs[k] === esm[k]) && names.length === Object.keys(esm).length;
        console.log(JSON.stringify({ names, same, hasDefault: "default" in cjs, version: cjs.version }));
      });`;
    const out = execFileSync(process.execPath, ["-e", program], { cwd: import.meta.dirname, encoding: "utf8" });
    const result = JSON.parse(out) as { names: string[]; same: boolean; hasDefault: boolean; version: string };
    expect(result.hasDefault).toBe(false);
    expect(result.same).toBe(true);
    expect(result.version).toBe("4.3.5");
    for (const cls of CLASSES) expect(result.names, cls).toContain(cls);
  });
});
