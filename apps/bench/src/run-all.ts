// `pnpm bench`: every benchmark program in turn, each a child process so
// that one's heap and JIT state do not colour the next.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const programs = ["wire-codec.js", "cold-start.js", "inproc-push-pull.js", "throughput.js", "reqrep.js", "pubsub.js", "ws.js", "curve.js"];
let failed = 0;
for (const p of programs) {
  const r = spawnSync(process.execPath, [join(import.meta.dirname, p), ...process.argv.slice(2)], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
