// Runs `pnpm demo`'s program (built into dist/) as a user would, and checks
// its report: every pattern over inproc, ipc and tcp, and the libzmq legs.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

it("tours every pattern over inproc, ipc and tcp, with libzmq legs", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, "../dist/demo.js")], {
    timeout: 60_000,
  });
  for (const transport of ["inproc", "ipc", "tcp"]) {
    expect(stdout).toMatch(new RegExp(`${transport}\\s+10,000 messages in \\d+ ms, last: task \\| 9999`));
    expect(stdout).toMatch(new RegExp(`${transport}\\s+What is 6 × 7\\? 42\\.`));
    expect(stdout).toMatch(new RegExp(`${transport}\\s+subscribed to "weather/", received: weather/paris \\| sunny, 21°C`));
  }
  expect(stdout).toContain("libzmq  its PUSH → our PULL over tcp: from libzmq | 4.3.5");
  expect(stdout).toContain('our REQ → its REP over tcp: libzmq 4.3.5 says hello back to "Hello libzmq"');
  expect(stdout).toContain("its PUB → our SUB over tcp: news | from a libzmq publisher");
  expect(stdout).toContain("alice got: welcome, alice");
  expect(stdout).toContain("pong to ping");
  expect(stdout).toContain("through our broker to a libzmq REP worker: done: job for a libzmq worker");
  expect(stdout).toContain("ZMTP 3.1 NULL as-client");
  expect(stdout).toContain("READY Socket-Type=DEALER Identity=dealer-1");
});
