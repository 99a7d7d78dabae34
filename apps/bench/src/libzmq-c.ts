// The libzmq C column: c/zmq-peer.c, built here against the system's libzmq
// (Debian's libzmq3-dev) with the system's C compiler ($CC, or cc) the first
// time a benchmark program wants it, into dist/c/, and again when the source
// is newer. Without a compiler or libzmq's header the column is left out
// with one line saying why.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** The implementation name of the C programs in --impls, the logs and the tables. */
export const LIBZMQ_C = "libzmq";

const source = join(import.meta.dirname, "..", "c", "zmq-peer.c");
const binary = join(import.meta.dirname, "c", "zmq-peer");

let built: { path: string; version: string } | { skipped: string } | undefined;

function build(): { path: string; version: string } | { skipped: string } {
  const cc = process.env.CC ?? "cc";
  const stale = !existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs;
  if (stale) {
    mkdirSync(join(binary, ".."), { recursive: true });
    const r = spawnSync(cc, ["-O2", "-o", binary, source, "-lzmq", "-lpthread"], { encoding: "utf8" });
    if (r.error) return { skipped: `no C compiler (${cc}: ${r.error.message})` };
    if (r.status !== 0) {
      const why = /zmq\.h/.test(r.stderr) ? "no libzmq header (apt-get install libzmq3-dev)" : r.stderr.trim().split("\n").slice(0, 3).join(" / ");
      return { skipped: `${cc} could not build c/zmq-peer.c: ${why}` };
    }
  }
  const v = spawnSync(binary, ["version"], { encoding: "utf8" });
  if (v.status !== 0) return { skipped: `c/zmq-peer does not run: ${(v.stderr || v.error?.message || "").trim()}` };
  return { path: binary, version: v.stdout.trim() };
}

/** The C program, built if need be, or why there is none (said once on stderr). */
export function libzmqPeer(): { path: string; version: string } | undefined {
  if (!built) {
    built = build();
    if ("skipped" in built) console.warn(`libzmq C column skipped: ${built.skipped}`);
  }
  return "path" in built ? built : undefined;
}
