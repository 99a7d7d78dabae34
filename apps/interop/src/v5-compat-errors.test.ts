// The v5 callback API (zeromq/v5-compat and @zmq/zeromq/v5-compat), each
// in a child process of its own, since what is checked is an uncaught
// exception: a "message" handler that throws surfaces its exception before
// the next message is emitted, and delivery goes on.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const program = (lib: string) => `
import { createRequire } from "node:module";
const zmq = createRequire(import.meta.url)(${JSON.stringify(lib)});
const order = [];
process.on("uncaughtException", (e) => order.push("uncaught:" + e.message));
const pull = zmq.socket("pull");
const push = zmq.socket("push");
pull.on("message", (m) => {
  order.push("message:" + m);
  if (String(m) === "foo") throw new Error("test error");
  console.log(order.join(","));
  pull.close();
  push.close();
});
pull.bindSync("inproc://v5-order");
push.connect("inproc://v5-order");
push.send("foo");
push.send("bar");
`;

describe.each(["zeromq/v5-compat", "@zmq/zeromq/v5-compat"])("%s", (lib) => {
  it("a message handler's exception surfaces before the next message, and delivery goes on", () => {
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", program(lib)], {
      cwd: import.meta.dirname,
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout.trim()).toBe("message:foo,uncaught:test error,message:bar");
  });
});
