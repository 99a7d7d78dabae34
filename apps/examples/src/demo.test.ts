// Runs `pnpm demo`'s program (built into dist/) and checks its report: the
// captured handshake decodes and the live exchange with libzmq completes.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

it("prints the decoded capture and the live libzmq exchange", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, "../dist/demo.js")], {
    timeout: 20_000,
  });
  expect(stdout).toContain("ZMTP 3.1 NULL as-client");
  expect(stdout).toContain('READY Socket-Type="DEALER" Identity="dealer-1"');
  expect(stdout).toContain('message   ["one", "two"]');
  expect(stdout).toContain('received ["hello", "from", "libzmq"]');
  for (let i = 1; i <= 3; i++) expect(stdout).toContain(`libzmq received ["message ${i}", <300 bytes>]`);
});
