import type { Linter } from "eslint";
/** The shared flat config; `agnostic` forbids node:* imports, Buffer and process in src. */
export declare function config(options: { agnostic?: boolean; tsconfigRootDir: string; ignores?: string[] }): Linter.Config[];
