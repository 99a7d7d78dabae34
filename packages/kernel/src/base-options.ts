/**
 * The options every socket has, with zeromq.js's names and libzmq's
 * defaults, and the few that several socket types share.
 */
import { type OptionSpec, type OptionValues, flag, integer, option, text } from "./options.js";

const routingIdCheck = (v: unknown): string | undefined => {
  if (v === null) return undefined;
  const length = typeof v === "string" ? new TextEncoder().encode(v).length : v instanceof Uint8Array ? v.length : -1;
  if (length < 0) return "a string, a Uint8Array or null";
  return length >= 1 && length <= 255 ? undefined : "1 to 255 bytes";
};

/** Every option a socket of any type has. */
export const baseOptions = {
  /** ZMQ_LINGER: ms queued messages may still go out after close(); -1 waits for ever, 0 drops them. */
  linger: integer(-1, -1),
  /** ZMQ_SNDHWM: the most messages queued per peer for sending; 0 for no limit. */
  sendHighWaterMark: integer(1000, 0),
  /** ZMQ_RCVHWM: the most messages queued per peer for receiving; 0 for no limit. */
  receiveHighWaterMark: integer(1000, 0),
  /** ZMQ_SNDTIMEO: ms a send() may wait before failing with EAGAIN; -1 for ever, 0 not at all. */
  sendTimeout: integer(-1, -1),
  /** ZMQ_RCVTIMEO: ms a receive() may wait before failing with EAGAIN; -1 for ever, 0 not at all. */
  receiveTimeout: integer(-1, -1),
  /** ZMQ_IMMEDIATE: queue messages only for completed connections, not for connects in progress. */
  immediate: flag(false),
  /** ZMQ_ROUTING_ID: this socket's identity, sent to ROUTER peers (1 to 255 bytes). */
  routingId: option<string | Uint8Array | null>(null, routingIdCheck),
  /** ZMQ_RECONNECT_IVL: ms before reconnecting a dropped connection; -1 never reconnects. */
  reconnectInterval: integer(100, -1),
  /** ZMQ_RECONNECT_IVL_MAX: upper bound of the doubling reconnect interval; 0 keeps it fixed (with jitter). */
  reconnectMaxInterval: integer(0, 0),
  /** ZMQ_MAXMSGSIZE: largest inbound frame in bytes; a peer that sends a larger one is disconnected. -1: no limit. */
  maxMessageSize: integer(-1, -1),
  /** ZMQ_HEARTBEAT_IVL: ms between ZMTP PINGs; 0 sends none. */
  heartbeatInterval: integer(0, 0),
  /** ZMQ_HEARTBEAT_TTL: the time-to-live PINGs ask the peer to apply, in ms (to 6553599). */
  heartbeatTimeToLive: integer(0, 0, 6553599),
  /** ZMQ_HEARTBEAT_TIMEOUT: ms to wait for traffic after a PING before disconnecting; -1 uses heartbeatInterval. */
  heartbeatTimeout: integer(-1, -1),
  /** ZMQ_HANDSHAKE_IVL: ms a handshake may take before the connection is dropped; 0 for no limit. */
  handshakeInterval: integer(30000, 0),
  /** ZMQ_CONNECT_TIMEOUT: ms a connect may take before it is retried; 0 leaves it to the system. */
  connectTimeout: integer(0, 0),
  /** ZMQ_BACKLOG: the listen backlog for bind(). */
  backlog: integer(100, 0),
  /** ZMQ_IPV6: allow IPv6 when resolving and binding. */
  ipv6: flag(false),
  /** ZMQ_TCP_KEEPALIVE: -1 leaves the OS default, 0 off, 1 on. */
  tcpKeepalive: integer(-1, -1, 1),
  /** ZMQ_TCP_KEEPALIVE_IDLE: seconds idle before keepalive probes; -1 leaves the OS default. */
  tcpKeepaliveIdle: integer(-1, -1),
  /** ZMQ_ZAP_DOMAIN: the domain a server's handshakes name to the ZAP handler. */
  zapDomain: text(null),
} as const;

/** The values of the options every socket has. */
export type BaseOptions = OptionValues<typeof baseOptions>;

/** ZMQ_CONFLATE: keep only the newest message queued, in each direction (single-frame messages). */
export const conflate: OptionSpec<boolean> = flag(false);
/** ZMQ_PROBE_ROUTER: send an empty message to each new peer. */
export const probeRouter: OptionSpec<boolean> = flag(false);
/** ZMQ_INVERT_MATCHING: match the subscriptions that do NOT prefix a message. */
export const invertMatching: OptionSpec<boolean> = flag(false);
