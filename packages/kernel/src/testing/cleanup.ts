/**
 * What a test opened and must close: sockets, servers, connections, files.
 * Nothing here imports a test framework; a test file registers `closeAll`
 * as its hook:
 *
 *   const open = createCleanup();
 *   afterEach(open.closeAll);
 *   const pull = open.track(new Pull({ context }));
 */

/** Anything with a synchronous close(): a socket, a net.Server, a peer. */
export interface Closable {
  close(): void;
}

export interface CleanupOptions {
  /**
   * Called with whatever a close or deferred function throws; the rest then
   * still run. Without it, closeAll stops at the first throw and rethrows it,
   * and what was not yet run stays for the next closeAll.
   */
  readonly onError?: (error: unknown) => void;
}

/** What {@link createCleanup} returns. Every member is a plain function: pass them around unbound. */
export interface Cleanup<R extends Closable = Closable> {
  /** Closes `resource` at the next closeAll, and returns it (for `const s = track(new Pull())`). */
  readonly track: <T extends R>(resource: T) => T;
  /** Runs `fn` at the next closeAll. Returns a function that takes `fn` back off the list (its latest registration). */
  readonly defer: (fn: () => void) => () => void;
  /** Runs every deferred function and closes every tracked resource, the newest first, and empties the list. Ignores its arguments, so it can be a hook itself. */
  readonly closeAll: () => void;
  /** How many closes and deferred functions are waiting for closeAll. */
  readonly size: () => number;
}

/**
 * A list of things to close after a test, run newest first (so a file
 * removed after its socket was deferred before that socket was tracked,
 * say, goes after the socket's close).
 */
export function createCleanup<R extends Closable = Closable>({ onError }: CleanupOptions = {}): Cleanup<R> {
  const pending: (() => void)[] = [];
  const defer = (fn: () => void): (() => void) => {
    pending.push(fn);
    return () => {
      const i = pending.lastIndexOf(fn);
      if (i >= 0) pending.splice(i, 1);
    };
  };
  return {
    track: (resource) => {
      defer(() => resource.close());
      return resource;
    },
    defer,
    closeAll: () => {
      while (pending.length) {
        const fn = pending.pop()!;
        if (!onError) {
          fn();
          continue;
        }
        try {
          fn();
        } catch (error) {
          onError(error);
        }
      }
    },
    size: () => pending.length,
  };
}
