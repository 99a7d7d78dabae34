/** A timer that must not keep a process alive by itself (the socket's pending operations and lingering messages do that). */
export function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
