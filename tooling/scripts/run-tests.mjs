// Builds the workspace, runs every package's tests through turbo, and prints
// one closing line for the whole repo from Vitest's JSON reports:
//
//   N passed, N failed, N skipped
//
// Exits non-zero when a test failed, a test file could not run, a package's
// test task failed, or no test ran at all.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const reportDir = join(root, "reports", "vitest");
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", ZMQ_TEST_REPORT_DIR: reportDir };
const extra = process.argv.slice(2);
const run = (args) => spawnSync("pnpm", ["exec", "turbo", ...args], { cwd: root, env, stdio: "inherit" }).status ?? 1;

let status = run(["run", "build", "--output-logs=errors-only"]);
if (status === 0) status = run(["run", "test", "--continue", "--concurrency=1", ...extra]);

// Vitest reports a test or hook timeout with the stack it captured when the
// test was declared, whose first line is this placeholder.
const firstLine = (text) => {
  const line = String(text ?? "").split("\n", 1)[0];
  return line === "Error: STACK_TRACE_ERROR" ? "timed out (Vitest's test or hook timeout)" : line.slice(0, 400);
};

let passed = 0;
let failed = 0;
let skipped = 0;
let brokenFiles = 0;
/** Failed tests, named again just above the closing line so that a log's tail says what failed. */
const failures = [];
const reportFiles = readdirSync(reportDir)
  .filter((f) => f.endsWith(".json"))
  .sort();
for (const name of reportFiles) {
  const report = JSON.parse(readFileSync(join(reportDir, name), "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  for (const file of report.testResults ?? []) {
    // A file that failed to load has no assertion results but a failed status.
    if (file.status === "failed" && (file.assertionResults ?? []).length === 0) {
      brokenFiles++;
      failures.push(`${file.name}: ${firstLine(file.message)}`);
    }
    for (const test of file.assertionResults ?? []) {
      if (test.status === "failed") failures.push(`${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
    }
  }
}
for (const f of failures) console.error(`FAILED ${f}`);
if (brokenFiles > 0) {
  console.error(`${brokenFiles} test file(s) failed to run`);
  failed += brokenFiles;
}
if (passed + failed === 0) console.error("no test ran");
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status !== 0 || failed > 0 || passed === 0 ? 1 : 0);
