// Shared ESLint flat config for zmq-ts packages.
//
//   import { config } from "@zmq/eslint-config";
//   export default config({ agnostic: true, tsconfigRootDir: import.meta.dirname });
//
// `agnostic: true` marks a runtime-agnostic package (DESIGN.md §1.4): its
// sources may not import `node:*` modules or touch `Buffer` / `process`.
//
// In every package, src/**/*.ts may hold no import cycle, type-only imports
// included (`zmq/no-cycle`, rules/no-cycle.js), and no file but a *.test.ts
// may pass 500 lines (`max-lines`).
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";
import noCycle from "./rules/no-cycle.js";

/** Project-local rules (see rules/). */
const zmqPlugin = { meta: { name: "@zmq/eslint-config" }, rules: { "no-cycle": noCycle } };

// prettier-ignore
const nodeBuiltins = [
  "assert", "buffer", "child_process", "crypto", "dgram", "dns", "events", "fs",
  "fs/promises", "http", "https", "net", "os", "path", "process", "stream",
  "string_decoder", "timers", "tls", "url", "util", "worker_threads", "zlib",
];

/**
 * @param {{ agnostic?: boolean, tsconfigRootDir: string, ignores?: string[] }} options
 */
export function config({ agnostic = false, tsconfigRootDir, ignores = [] }) {
  const agnosticRules = agnostic
    ? [
        {
          files: ["src/**/*.ts"],
          ignores: ["src/**/*.test.ts", "src/test-support/**"],
          rules: {
            "no-restricted-imports": [
              "error",
              {
                patterns: [{ group: ["node:*"], message: "Runtime-agnostic package: no node:* imports." }],
                paths: nodeBuiltins.map((name) => ({
                  name,
                  message: "Runtime-agnostic package: no Node built-in modules.",
                })),
              },
            ],
            "no-restricted-globals": [
              "error",
              { name: "Buffer", message: "Runtime-agnostic package: use Uint8Array." },
              { name: "process", message: "Runtime-agnostic package: no process global." },
              { name: "require", message: "ES modules only." },
              { name: "__dirname", message: "ES modules only." },
            ],
          },
        },
      ]
    : [];

  return tseslint.config(
    { ignores: ["dist/**", "node_modules/**", "coverage/**", "reports/**", ...ignores] },
    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    {
      languageOptions: {
        parserOptions: { projectService: true, tsconfigRootDir },
        globals: agnostic ? { ...globals.es2022 } : { ...globals.es2022, ...globals.node },
      },
      rules: {
        "@typescript-eslint/no-floating-promises": "error",
        "@typescript-eslint/no-misused-promises": "error",
        "@typescript-eslint/consistent-type-imports": "error",
        "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        "no-constant-condition": ["error", { checkLoops: false }],
        // Rejections pass caught values and AbortSignal reasons through unchanged.
        "@typescript-eslint/prefer-promise-reject-errors": "off",
        // Socket classes declare their option properties as an interface merged with
        // the class (the accessors come from defineOptions), and options types as
        // interfaces that only extend others.
        "@typescript-eslint/no-unsafe-declaration-merging": "off",
        "@typescript-eslint/no-empty-object-type": ["error", { allowInterfaces: "always" }],
      },
    },
    {
      files: ["**/*.js", "**/*.mjs"],
      ...tseslint.configs.disableTypeChecked,
      languageOptions: {
        ...tseslint.configs.disableTypeChecked.languageOptions,
        parserOptions: { projectService: false, project: null },
        globals: { ...globals.node },
      },
    },
    {
      files: ["src/**/*.test.ts"],
      rules: {
        "@typescript-eslint/no-non-null-assertion": "off",
        "@typescript-eslint/no-unsafe-assignment": "off",
        "@typescript-eslint/no-unsafe-member-access": "off",
      },
    },
    {
      // Module structure of the sources: no import cycles, no oversized files.
      files: ["src/**/*.ts"],
      plugins: { zmq: zmqPlugin },
      rules: {
        // Type-only imports count too, which import-x/no-cycle cannot do (rules/no-cycle.js);
        // cycles are looked for within the package, through relative imports.
        "zmq/no-cycle": "error",
        "max-lines": ["error", { max: 500, skipBlankLines: false, skipComments: false }],
      },
    },
    {
      // Tests may be long; everything else in src (src/testing/** included) may not.
      files: ["src/**/*.test.ts"],
      rules: { "max-lines": "off" },
    },
    ...agnosticRules,
  );
}
