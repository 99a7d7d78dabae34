/**
 * Waiting on a socket's monitor events (its `events` Observer) instead of
 * sleeping: the next event of a type, or a record of every event with waits
 * for the n-th of a type.
 */
import type { Event, EventOfType, EventType, Observer } from "../index.js";

/** A socket, or anything else with monitor events. */
export interface Monitored {
  readonly events: Pick<Observer, "on" | "off">;
}

/** Every event type a socket's Observer knows. */
export const EVENT_TYPES: readonly EventType[] = [
  "accept",
  "accept:error",
  "bind",
  "bind:error",
  "connect",
  "connect:delay",
  "connect:retry",
  "close",
  "close:error",
  "disconnect",
  "end",
  "handshake",
  "handshake:error:protocol",
  "handshake:error:auth",
  "handshake:error:other",
  "unknown",
];

/**
 * Resolves with the `count`-th event of `type` that `socket` emits from now
 * on (the next one by default), then stops listening. Call it before the
 * action that causes the event.
 */
export function nextEvent<T extends EventType>(socket: Monitored, type: T, count = 1): Promise<EventOfType<T>> {
  return new Promise((resolve) => {
    let seen = 0;
    const listener = (event: EventOfType<T>): void => {
      if (++seen < count) return;
      socket.events.off(type, listener);
      resolve(event);
    };
    socket.events.on(type, listener);
  });
}

/** What {@link watchEvents} returns. */
export interface EventWatch {
  /**
   * Every event seen, in order. A test may empty it (`events.length = 0`)
   * to keep a long run from growing it; `counts` go on counting.
   */
  readonly events: Event[];
  /** How many events of each type were seen since the watch began (emptying `events` does not reset them). */
  readonly counts: ReadonlyMap<EventType, number>;
  /** The types of `events`, in order. */
  types(): EventType[];
  /**
   * Resolves with the `count`-th event of `type` (the first by default) in
   * `events` from index `from` on (0 by default), now or when it comes.
   */
  next<T extends EventType>(type: T, count?: number, from?: number): Promise<EventOfType<T>>;
  /** Resolves once `count` events of `type` were seen in all (see `counts`). */
  untilCount(type: EventType, count: number): Promise<void>;
}

/**
 * Records the events of `types` (all by default) that `socket` emits from
 * now on, and lets a test wait for them. Start it before the action whose
 * events it should see (a bind, a connect).
 */
export function watchEvents(socket: Monitored, types: readonly EventType[] = EVENT_TYPES): EventWatch {
  const events: Event[] = [];
  const counts = new Map<EventType, number>();
  /** Each waiter says whether the event just recorded settles it. */
  let waiters: ((event: Event) => boolean)[] = [];

  /** The count-th event of `type` in events[from...], if there is one yet. */
  const nth = (type: EventType, count: number, from: number): Event | undefined => {
    let seen = 0;
    for (let i = from; i < events.length; i++) if (events[i]!.type === type && ++seen === count) return events[i];
    return undefined;
  };

  const record = (event: Event): void => {
    events.push(event);
    counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
    waiters = waiters.filter((settles) => !settles(event));
  };
  for (const type of types) socket.events.on(type, record);

  return {
    events,
    counts,
    types: () => events.map((e) => e.type),
    next<T extends EventType>(type: T, count = 1, from = 0): Promise<EventOfType<T>> {
      const found = nth(type, count, from);
      if (found) return Promise.resolve(found as EventOfType<T>);
      return new Promise((resolve) =>
        waiters.push((event) => {
          if (event.type !== type) return false;
          const nowFound = nth(type, count, from);
          if (nowFound) resolve(nowFound as EventOfType<T>);
          return nowFound !== undefined;
        }),
      );
    },
    untilCount(type, count) {
      if ((counts.get(type) ?? 0) >= count) return Promise.resolve();
      return new Promise((resolve) =>
        waiters.push((event) => {
          if (event.type !== type || counts.get(type)! < count) return false;
          resolve();
          return true;
        }),
      );
    },
  };
}
