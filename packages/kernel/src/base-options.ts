/**
 * The options every socket has, with zeromq.js's names and libzmq's
 * defaults, and the few that several socket types share.
 */
import { acceptFilterProblem, addAcceptFilter } from "./accept-filter.js";
import { type OptionSpec, type OptionValues, flag, integer, integer64, option, text } from "./options.js";

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
  routingId: option<string | Uint8Array | null>(null, routingIdCheck, { type: "string" }),
  /** ZMQ_RECONNECT_IVL: ms before reconnecting a dropped connection; -1 never reconnects. */
  reconnectInterval: integer(100, -1),
  /** ZMQ_RECONNECT_IVL_MAX: upper bound of the doubling reconnect interval; 0 keeps it fixed (with jitter). */
  reconnectMaxInterval: integer(0, 0),
  /** ZMQ_MAXMSGSIZE: largest inbound frame in bytes; a peer that sends a larger one is disconnected. -1: no limit. */
  maxMessageSize: integer64(-1, -1),
  /** ZMQ_HEARTBEAT_IVL: ms between ZMTP PINGs; 0 sends none. */
  heartbeatInterval: integer(0, 0),
  /** ZMQ_HEARTBEAT_TTL: the time-to-live PINGs ask the peer to apply, in ms (to 6553599). */
  heartbeatTimeToLive: integer(0, 0, 6553599, { normalize: (ms) => ms - (ms % 100) }),
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
  /** ZMQ_SOCKS_PROXY: `host:port` of a SOCKS5 proxy (no authentication) that tcp connects go through; null for none. */
  socksProxy: text(null),
  /** ZMQ_ZAP_DOMAIN: the domain a server's handshakes name to the ZAP handler. */
  zapDomain: text(null),
  /**
   * ZMQ_TCP_ACCEPT_FILTER: adds an address filter (`10.0.0.0/8`, `::1` with ipv6) that tcp connections must match to be
   * accepted; null clears them. Listeners keep the filters set before their bind. Write-only, as in libzmq.
   */
  tcpAcceptFilter: option<string | null>(null, (v, values) => acceptFilterProblem(v, values?.ipv6 === true), {
    type: "string",
    normalize: (value, previous) => addAcceptFilter(previous, value),
    unreadable: "accept filters are write-only (null clears them)",
  }),
  /** ZMQ_ZAP_ENFORCE_DOMAIN: with a ZAP handler, refuse handshakes whose domain is not set (stored; libzmq 4.3 enforces nothing more). */
  zapEnforceDomain: flag(false),

  // Options zeromq.js has that mean nothing to this implementation's transports: accepted,
  // validated with libzmq's ranges, stored and read back, with no effect (README: "Options").
  /** ZMQ_SNDBUF: the kernel send buffer size in bytes; -1 leaves the OS default. No effect: Node sets no socket buffer sizes. */
  sendBufferSize: integer(-1, -1),
  /** ZMQ_RCVBUF: the kernel receive buffer size in bytes; -1 leaves the OS default. No effect: Node sets no socket buffer sizes. */
  receiveBufferSize: integer(-1, -1),
  /** ZMQ_TCP_KEEPALIVE_CNT: keepalive probes before dropping; -1 for the OS default. No effect (Node sets only keepalive and idle). */
  tcpKeepaliveCount: integer(-1, -1),
  /** ZMQ_TCP_KEEPALIVE_INTVL: seconds between keepalive probes; -1 for the OS default. No effect (Node sets only keepalive and idle). */
  tcpKeepaliveInterval: integer(-1, -1),
  /** ZMQ_TCP_MAXRT: ms a TCP retransmission may take (Windows only in libzmq). No effect. */
  tcpMaxRetransmitTimeout: integer(0, 0),
  /** ZMQ_TOS: the IP type-of-service byte for outgoing packets. Stored, no effect. */
  typeOfService: integer(0, 0, 0xffffffff),
  /** ZMQ_AFFINITY: I/O thread affinity bitmask. No effect: there are no I/O threads. */
  affinity: integer64(0, 0),
  /** ZMQ_BINDTODEVICE: the network interface to bind to. Stored, no effect. */
  interface: text(null),
  /** ZMQ_LOOPBACK_FASTPATH: Windows loopback fast path. No effect. */
  loopbackFastPath: flag(false),
  /** ZMQ_RATE: multicast data rate in kbit/s (pgm, norm). Stored for epgm. */
  rate: integer(100, 1),
  /** ZMQ_RECOVERY_IVL: ms of multicast recovery (pgm, norm). Stored for epgm. */
  recoveryInterval: integer(10000, 0),
  /** ZMQ_MULTICAST_HOPS: multicast time-to-live. Stored for epgm and udp. */
  multicastHops: integer(1, 1),
  /** ZMQ_MULTICAST_MAXTPDU: largest multicast transport data unit in bytes. Stored for epgm. */
  multicastMaxTransportDataUnit: integer(1500, 1),
  /** ZMQ_VMCI_BUFFER_SIZE: VMCI transport buffer size. No effect: no vmci transport. */
  vmciBufferSize: integer64(65546, 0),
  /** ZMQ_VMCI_BUFFER_MIN_SIZE. No effect: no vmci transport. */
  vmciBufferMinSize: integer64(128, 0),
  /** ZMQ_VMCI_BUFFER_MAX_SIZE. No effect: no vmci transport. */
  vmciBufferMaxSize: integer64(262144, 0),
  /** ZMQ_VMCI_CONNECT_TIMEOUT: ms; -1 for the default. No effect: no vmci transport. */
  vmciConnectTimeout: integer(-1, -1),
} as const;

/** The values of the options every socket has. */
export type BaseOptions = OptionValues<typeof baseOptions>;

/** ZMQ_CONFLATE: keep only the newest message queued, in each direction (single-frame messages). */
export const conflate: OptionSpec<boolean> = flag(false);
/** ZMQ_PROBE_ROUTER: send an empty message to each new peer. */
export const probeRouter: OptionSpec<boolean> = flag(false);
/** ZMQ_INVERT_MATCHING: match the subscriptions that do NOT prefix a message. */
export const invertMatching: OptionSpec<boolean> = flag(false);
