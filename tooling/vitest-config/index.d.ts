import type { UserConfig } from "vitest/config";
/** The shared Vitest config for a package; `test` overrides the defaults. */
export declare function vitestConfig(packageDir: string, test?: UserConfig["test"]): UserConfig;
