/**
 * zeromq.js's Context options. They configure libzmq's I/O threads and
 * socket table, which this implementation does not have: each is accepted
 * and validated as zeromq.js does (TypeError for a wrong type, EINVAL for
 * a value libzmq refuses), stored and read back, with no effect —
 * `maxMessageSize` and `ipv6` included (sockets have their own options of
 * those names, which do act). `maxSocketsLimit` is read-only.
 */
import { ZmqError } from "@zmq/kernel";

export interface Spec {
  readonly number: number;
  readonly kind: "int" | "bool";
  readonly initial: number | boolean | undefined;
  readonly min?: number;
  /** zeromq.js defines these for writing only: they read back as undefined. */
  readonly writeOnly?: boolean;
}

export type ContextOptionName = "ioThreads" | "maxSockets" | "threadPriority" | "threadSchedulingPolicy" | "maxMessageSize" | "ipv6";

export const CONTEXT_OPTION_SPECS: Readonly<Record<ContextOptionName, Spec>> = {
  ioThreads: { number: 1, kind: "int", initial: 1, min: 0 },
  maxSockets: { number: 2, kind: "int", initial: 1023, min: 1 },
  threadPriority: { number: 3, kind: "int", initial: undefined, min: -1, writeOnly: true },
  threadSchedulingPolicy: { number: 4, kind: "int", initial: undefined, min: -1, writeOnly: true },
  maxMessageSize: { number: 5, kind: "int", initial: 2147483647, min: 0 },
  ipv6: { number: 42, kind: "bool", initial: false },
};

/** libzmq's ZMQ_SOCKET_LIMIT as zeromq.js reports it. */
export const MAX_SOCKETS_LIMIT = 65535;

export function checkContextOption(name: ContextOptionName, value: unknown): void {
  const spec: Spec = CONTEXT_OPTION_SPECS[name];
  if (spec.kind === "bool") {
    if (typeof value !== "boolean") throw new TypeError("Option value must be a boolean");
    return;
  }
  if (typeof value !== "number") throw new TypeError("Option value must be a number");
  if (!Number.isInteger(value) || value < (spec.min ?? 0) || value > 2147483647) {
    throw new ZmqError("EINVAL", `Invalid value for context option '${name}': ${value}`);
  }
}

/** The option name for a libzmq context option number, for the low-level methods. */
export function contextOptionName(option: unknown, writing: boolean): ContextOptionName | "maxSocketsLimit" | "blocky" {
  if (typeof option !== "number") throw new TypeError("Option must be an integer");
  if (option === 70) return "blocky";
  // Number 3 is ZMQ_SOCKET_LIMIT when read and ZMQ_THREAD_PRIORITY when written, as in libzmq.
  if (option === 3 && !writing) return "maxSocketsLimit";
  for (const [name, spec] of Object.entries(CONTEXT_OPTION_SPECS)) if (spec.number === option) return name as ContextOptionName;
  throw new ZmqError("EINVAL", `A Context has no option number ${option}`);
}
