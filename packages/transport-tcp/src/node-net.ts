/**
 * node:net, loaded on first use rather than at import: Node builds its
 * stream classes when node:net first loads, a few milliseconds that a
 * program importing zmq-ts only to use inproc (or only later) should not
 * pay at start.
 */
import type * as Net from "node:net";
import { createRequire } from "node:module";

let net: typeof Net | undefined;

/** The node:net module (Node, Bun and Deno all have it). */
export function nodeNet(): typeof Net {
  return (net ??= createRequire(import.meta.url)("node:net") as typeof Net);
}
