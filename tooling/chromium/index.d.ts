import type { Server } from "node:http";
import type { BrowserContext } from "playwright-core";

export type { BrowserContext, Page } from "playwright-core";

/** The Chromium executable: $ZMQ_CHROMIUM, else Debian's /usr/bin/chromium. */
export const CHROMIUM: string;
/** The flags every launch uses (headless, no sandbox, no GPU, no background traffic). */
export const CHROMIUM_ARGS: readonly string[];
/** Why Chromium cannot run here ("" when it can), and the version it reports. */
export function chromiumStatus(): { missing: string; version: string };
/** Chromium with a new empty profile, `args` added to CHROMIUM_ARGS; close() also removes the profile. */
export function launchChromium(options?: { args?: readonly string[] }): Promise<{ browser: BrowserContext; close(): Promise<void> }>;
/** A page script bundled for a browser: a file (`entry`) or source text (`source`) resolved from `resolveDir`. */
export function bundleForBrowser(options: { entry?: string; source?: string; resolveDir: string; minify?: boolean }): Promise<string>;
/** Serves an empty page at / that loads `script` as /page.js on 127.0.0.1; other paths 404. */
export function servePage(script: string): Promise<{ url: string; server: Server }>;
