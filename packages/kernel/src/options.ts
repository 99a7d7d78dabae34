/**
 * Socket options with zeromq.js's names, libzmq's defaults, and validation:
 * a bad value throws EINVAL naming the option and the value.
 */
import { ZmqError, show } from "./errors.js";

type Check = (value: unknown) => string | undefined;

function integer(min: number, max = Number.MAX_SAFE_INTEGER): Check {
  return (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
      ? undefined
      : `an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? " up" : ` to ${max}`}`;
}

const boolean: Check = (v) => (typeof v === "boolean" ? undefined : "true or false");

function text(maxBytes = 255): Check {
  return (v) => (v === null || typeof v === "string" ? (typeof v === "string" && v.length > maxBytes ? `at most ${maxBytes} characters` : undefined) : "a string or null");
}

const routingIdCheck: Check = (v) => {
  if (v === null) return undefined;
  const length = typeof v === "string" ? new TextEncoder().encode(v).length : v instanceof Uint8Array ? v.length : -1;
  if (length < 0) return "a string, a Uint8Array or null";
  return length >= 1 && length <= 255 ? undefined : "1 to 255 bytes";
};

/** Every option a socket of any type has, with its default. */
export const baseOptionSpecs = {
  /** Milliseconds queued messages may still go out after close(); -1 waits for ever, 0 drops them. */
  linger: { default: -1, check: integer(-1) },
  /** The most messages queued per peer for sending; 0 for no limit. */
  sendHighWaterMark: { default: 1000, check: integer(0) },
  /** The most messages queued per peer for receiving; 0 for no limit. */
  receiveHighWaterMark: { default: 1000, check: integer(0) },
  /** Milliseconds a send() may wait before failing with EAGAIN; -1 for ever, 0 for not at all. */
  sendTimeout: { default: -1, check: integer(-1) },
  /** Milliseconds a receive() may wait before failing with EAGAIN; -1 for ever, 0 for not at all. */
  receiveTimeout: { default: -1, check: integer(-1) },
  /** Queue messages only for completed connections (not for connects still in progress). */
  immediate: { default: false, check: boolean },
  /** This socket's identity, sent to ROUTER peers (1 to 255 bytes). */
  routingId: { default: null as string | Uint8Array | null, check: routingIdCheck },
  /** Milliseconds before reconnecting a dropped connection; -1 never reconnects. */
  reconnectInterval: { default: 100, check: integer(-1) },
  /** Upper bound of the doubling reconnect interval; 0 keeps the interval fixed (with jitter, as libzmq). */
  reconnectMaxInterval: { default: 0, check: integer(0) },
  /** Largest inbound frame in bytes; a peer that sends a larger one is disconnected. -1 for no limit. */
  maxMessageSize: { default: -1, check: integer(-1) },
  /** Milliseconds between ZMTP PINGs; 0 sends none. */
  heartbeatInterval: { default: 0, check: integer(0) },
  /** The time-to-live PINGs ask the peer to apply, in milliseconds (to 6553599). */
  heartbeatTimeToLive: { default: 0, check: integer(0, 6553599) },
  /** Milliseconds to wait for traffic after a PING before disconnecting; -1 uses heartbeatInterval. */
  heartbeatTimeout: { default: -1, check: integer(-1) },
  /** Milliseconds a handshake may take before the connection is dropped; 0 for no limit. */
  handshakeInterval: { default: 30000, check: integer(0) },
  /** Milliseconds a connect may take before it is retried; 0 leaves it to the operating system. */
  connectTimeout: { default: 0, check: integer(0) },
  /** The listen backlog for bind(). */
  backlog: { default: 100, check: integer(0) },
  /** Allow IPv6 when resolving and binding. */
  ipv6: { default: false, check: boolean },
  /** TCP keepalive: -1 leaves the OS default, 0 off, 1 on. */
  tcpKeepalive: { default: -1, check: integer(-1, 1) },
  /** Seconds idle before keepalive probes; -1 leaves the OS default. */
  tcpKeepaliveIdle: { default: -1, check: integer(-1) },
  /** Act as a PLAIN server. */
  plainServer: { default: false, check: boolean },
  /** PLAIN username; setting it makes this socket a PLAIN client. */
  plainUsername: { default: null as string | null, check: text() },
  /** PLAIN password. */
  plainPassword: { default: null as string | null, check: text() },
  /** The ZAP domain for authentication. */
  zapDomain: { default: null as string | null, check: text() },
} as const;

export type BaseOptionName = keyof typeof baseOptionSpecs;
type Widen<T> = T extends number ? number : T extends boolean ? boolean : T;
export type BaseOptions = { -readonly [K in BaseOptionName]: Widen<(typeof baseOptionSpecs)[K]["default"]> };

/** The option values of one socket. */
export class OptionStore {
  readonly values: BaseOptions;

  constructor(overrides: Partial<BaseOptions> = {}) {
    const values = {} as Record<string, unknown>;
    for (const [name, spec] of Object.entries(baseOptionSpecs)) values[name] = spec.default;
    this.values = Object.assign(values, overrides) as BaseOptions;
  }

  get<K extends BaseOptionName>(name: K): BaseOptions[K] {
    return this.values[name];
  }

  set<K extends BaseOptionName>(name: K, value: unknown): void {
    validateOption(name, value, baseOptionSpecs[name].check);
    (this.values as Record<string, unknown>)[name] = value;
  }
}

/** Throws EINVAL naming the option and the value when `check` refuses it. */
export function validateOption(name: string, value: unknown, check: Check): void {
  const expected = check(value);
  if (expected !== undefined) {
    throw new ZmqError("EINVAL", `Invalid value for option '${name}': ${show(value)} (expected ${expected})`);
  }
}

export const checks = { integer, boolean, text };
