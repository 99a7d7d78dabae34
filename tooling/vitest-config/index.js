// Shared Vitest config. Every package writes a JSON report next to the
// others (ZMQ_TEST_REPORT_DIR, set by tooling/scripts/run-tests.mjs) so that
// CI can print one `N passed, N failed, N skipped` line for the whole repo.
import { basename, join, resolve } from "node:path";
import { defineConfig } from "vitest/config";

/**
 * @param {string} packageDir the package's directory (import.meta.dirname)
 * @param {import("vitest/config").UserConfig["test"]} [test] overrides
 */
export function vitestConfig(packageDir, test = {}) {
  const reportDir = process.env.ZMQ_TEST_REPORT_DIR;
  const reporters = reportDir ? ["default", "json"] : ["default"];
  const outputFile = reportDir
    ? { json: join(resolve(reportDir), `${basename(resolve(packageDir, ".."))}-${basename(packageDir)}.json`) }
    : undefined;
  return defineConfig({
    test: {
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      environment: "node",
      reporters,
      outputFile,
      testTimeout: 30_000,
      hookTimeout: 30_000,
      ...test,
    },
  });
}
