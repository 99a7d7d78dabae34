/**
 * The web-standard globals that Node, Bun, Deno, browsers and workers all
 * provide. Runtime-agnostic packages compile against this file instead of
 * the DOM or Node type libraries, so a stray `Buffer`, `process` or
 * `document` is a compile error.
 */
declare class TextEncoder {
  constructor();
  readonly encoding: string;
  encode(input?: string): Uint8Array;
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  readonly encoding: string;
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}
declare function queueMicrotask(callback: () => void): void;
type AgnosticTimerHandle = { readonly __timer: unique symbol } | number;
declare function setTimeout(callback: () => void, ms?: number): AgnosticTimerHandle;
declare function clearTimeout(handle: AgnosticTimerHandle | undefined): void;
declare function setInterval(callback: () => void, ms?: number): AgnosticTimerHandle;
declare function clearInterval(handle: AgnosticTimerHandle | undefined): void;
declare const console: {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
};
interface EventListenerObjectLike {
  handleEvent(event: unknown): void;
}
declare class AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  throwIfAborted(): void;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}
declare const performance: { now(): number };
/** Web Crypto's random source (every runtime has it; the CURVE mechanism draws its keys and nonces from it). */
declare const crypto: { getRandomValues<T extends ArrayBufferView>(array: T): T };
declare class AbortController {
  constructor();
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}
/** Node, Bun and Deno have it; browsers do not (feature-test before use). */
declare const setImmediate: ((callback: () => void) => unknown) | undefined;
/** The WHATWG URL parser (every runtime has it; address checks use it for IPv6 literals). */
declare class URL {
  constructor(url: string, base?: string);
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
}
