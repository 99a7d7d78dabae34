/**
 * setsockopt / getsockopt of the v5 API: libzmq's option numbers mapped onto
 * the v6 socket's option properties, with v5's value conventions (strings
 * arrive as Buffers, flags as 0 / 1 and read back as 0 / 1).
 */
import { type SocketBase, ZmqError } from "@zmq/kernel";
import * as n from "./constants.js";

/** How a v5 value becomes the v6 property's value, and back. */
type Kind = "int" | "flag" | "text" | "bytes" | "key";

interface Mapped {
  readonly prop: string;
  readonly kind: Kind;
  /** Readable through getsockopt (default true). */
  readonly read?: boolean;
}

/** The options that map one to one onto a v6 property. */
const MAPPED: Readonly<Record<number, Mapped>> = {
  [n.ZMQ_AFFINITY]: { prop: "affinity", kind: "int" },
  [n.ZMQ_IDENTITY]: { prop: "routingId", kind: "bytes" },
  [n.ZMQ_RATE]: { prop: "rate", kind: "int" },
  [n.ZMQ_RECOVERY_IVL]: { prop: "recoveryInterval", kind: "int" },
  [n.ZMQ_SNDBUF]: { prop: "sendBufferSize", kind: "int" },
  [n.ZMQ_RCVBUF]: { prop: "receiveBufferSize", kind: "int" },
  [n.ZMQ_LINGER]: { prop: "linger", kind: "int" },
  [n.ZMQ_RECONNECT_IVL]: { prop: "reconnectInterval", kind: "int" },
  [n.ZMQ_BACKLOG]: { prop: "backlog", kind: "int" },
  [n.ZMQ_RECONNECT_IVL_MAX]: { prop: "reconnectMaxInterval", kind: "int" },
  [n.ZMQ_MAXMSGSIZE]: { prop: "maxMessageSize", kind: "int" },
  [n.ZMQ_SNDHWM]: { prop: "sendHighWaterMark", kind: "int" },
  [n.ZMQ_RCVHWM]: { prop: "receiveHighWaterMark", kind: "int" },
  [n.ZMQ_MULTICAST_HOPS]: { prop: "multicastHops", kind: "int" },
  [n.ZMQ_SNDTIMEO]: { prop: "sendTimeout", kind: "int" },
  [n.ZMQ_ROUTER_MANDATORY]: { prop: "mandatory", kind: "flag" },
  [n.ZMQ_TCP_KEEPALIVE]: { prop: "tcpKeepalive", kind: "int" },
  [n.ZMQ_TCP_KEEPALIVE_CNT]: { prop: "tcpKeepaliveCount", kind: "int" },
  [n.ZMQ_TCP_KEEPALIVE_IDLE]: { prop: "tcpKeepaliveIdle", kind: "int" },
  [n.ZMQ_TCP_KEEPALIVE_INTVL]: { prop: "tcpKeepaliveInterval", kind: "int" },
  [n.ZMQ_TCP_ACCEPT_FILTER]: { prop: "tcpAcceptFilter", kind: "text" },
  [n.ZMQ_DELAY_ATTACH_ON_CONNECT]: { prop: "immediate", kind: "flag" },
  [n.ZMQ_IPV6]: { prop: "ipv6", kind: "flag" },
  [n.ZMQ_PLAIN_SERVER]: { prop: "plainServer", kind: "flag" },
  [n.ZMQ_PLAIN_USERNAME]: { prop: "plainUsername", kind: "text" },
  [n.ZMQ_PLAIN_PASSWORD]: { prop: "plainPassword", kind: "text" },
  [n.ZMQ_CURVE_SERVER]: { prop: "curveServer", kind: "flag" },
  [n.ZMQ_CURVE_PUBLICKEY]: { prop: "curvePublicKey", kind: "key" },
  [n.ZMQ_CURVE_SECRETKEY]: { prop: "curveSecretKey", kind: "key" },
  [n.ZMQ_CURVE_SERVERKEY]: { prop: "curveServerKey", kind: "key" },
  [n.ZMQ_ZAP_DOMAIN]: { prop: "zapDomain", kind: "text" },
  [n.ZMQ_ROUTER_HANDOVER]: { prop: "handover", kind: "flag" },
  [n.ZMQ_HEARTBEAT_IVL]: { prop: "heartbeatInterval", kind: "int" },
  [n.ZMQ_HEARTBEAT_TTL]: { prop: "heartbeatTimeToLive", kind: "int" },
  [n.ZMQ_HEARTBEAT_TIMEOUT]: { prop: "heartbeatTimeout", kind: "int" },
  [n.ZMQ_CONNECT_TIMEOUT]: { prop: "connectTimeout", kind: "int" },
};

/** Options v5 never had an equivalent of here, with zeromq.js's explanations. */
const UNSUPPORTED: Readonly<Record<number, string>> = {
  [n.ZMQ_RCVMORE]: "ZMQ_RCVMORE is not supported in compatibility mode",
  [n.ZMQ_FD]: "ZMQ_FD is not supported in compatibility mode",
  [n.ZMQ_ROUTER_RAW]: "ZMQ_ROUTER_RAW is not supported in compatibility mode",
};

const MECHANISMS: Readonly<Record<string, number>> = { plain: 1, curve: 2, gssapi: 3 };

/** What the compatibility socket gives the option code besides its v6 socket. */
export interface OptionTarget {
  readonly socket: SocketBase;
  /** ZMQ_RCVTIMEO, kept here: receive timeouts have no meaning for "message" events (v5 never waited on a receive). */
  receiveTimeout: number;
  subscribe(filter: string | Uint8Array, unsubscribe: boolean): void;
}

/** The option number a v5 name or number stands for, or undefined. */
export function optionNumber(option: number | string): number | undefined {
  return typeof option === "number" ? option : (n.options as Record<string, number>)[option];
}

export function unknownOption(option: unknown): ZmqError {
  return new ZmqError(
    "EINVAL",
    `Unknown option ${JSON.stringify(option)}: pass a ZMQ_* number or a name of zmq.options`,
    undefined,
    "Unknown option",
  );
}

function text(value: unknown): string {
  return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("utf8") : String(value);
}

function toV6(kind: Kind, value: unknown): unknown {
  switch (kind) {
    case "int":
      return typeof value === "string" || value instanceof Uint8Array ? Number(text(value)) : value;
    case "flag":
      return typeof value === "string" || value instanceof Uint8Array ? Number(text(value)) !== 0 : Boolean(value);
    case "text":
      return value === null || value === undefined ? null : text(value);
    case "bytes":
      return value;
    case "key":
      // A Z85 key arrives as its 40 characters in a Buffer (v5 turns strings into Buffers), maybe with libzmq's trailing NUL.
      if (value instanceof Uint8Array && (value.length === 40 || (value.length === 41 && value[40] === 0))) return text(value.subarray(0, 40));
      return value;
  }
}

function fromV6(kind: Kind, value: unknown): unknown {
  return kind === "flag" ? (value ? 1 : 0) : value;
}

export function setOption(target: OptionTarget, option: number | string, value: unknown): void {
  const number = optionNumber(option);
  const socket = target.socket as unknown as Record<string, unknown>;
  if (number === undefined) throw unknownOption(option);
  if (target.socket.closed) throw new ZmqError("ENOTSOCK", "The socket is closed");
  const mapped = MAPPED[number];
  if (mapped) {
    if (!(mapped.prop in socket)) {
      throw new ZmqError("EINVAL", `A ${target.socket.socketType} socket has no option ${mapped.prop} (option ${number})`);
    }
    socket[mapped.prop] = toV6(mapped.kind, value);
    return;
  }
  switch (number) {
    case n.ZMQ_SUBSCRIBE:
    case n.ZMQ_UNSUBSCRIBE:
      target.subscribe(value as string | Uint8Array, number === n.ZMQ_UNSUBSCRIBE);
      return;
    case n.ZMQ_RCVTIMEO: {
      const timeout = toV6("int", value);
      if (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < -1) {
        throw new ZmqError("EINVAL", `ZMQ_RCVTIMEO must be an integer from -1 up, got ${String(value)}`);
      }
      target.receiveTimeout = timeout;
      return;
    }
    case n.ZMQ_IPV4ONLY:
      socket.ipv6 = !toV6("flag", value);
      return;
    case n.ZMQ_XPUB_VERBOSE:
      if (!("verbosity" in socket)) throw new ZmqError("EINVAL", `ZMQ_XPUB_VERBOSE is an option of XPUB sockets, not ${target.socket.socketType}`);
      socket.verbosity = toV6("flag", value) ? "allSubs" : null;
      return;
  }
  if (UNSUPPORTED[number]) throw new Error(UNSUPPORTED[number]);
  throw unknownOption(option);
}

export function getOption(target: OptionTarget, option: number | string): unknown {
  const number = optionNumber(option);
  const socket = target.socket;
  if (number === undefined) throw unknownOption(option);
  if (socket.closed) throw new ZmqError("ENOTSOCK", "The socket is closed");
  const mapped = MAPPED[number];
  if (mapped) return fromV6(mapped.kind, (socket as unknown as Record<string, unknown>)[mapped.prop]);
  switch (number) {
    case n.ZMQ_EVENTS:
      return (socket.readable ? n.ZMQ_POLLIN : 0) | (socket.writable ? n.ZMQ_POLLOUT : 0);
    case n.ZMQ_TYPE:
      return socket.type;
    case n.ZMQ_RCVTIMEO:
      return target.receiveTimeout;
    case n.ZMQ_IPV4ONLY:
      return socket.ipv6 ? 0 : 1;
    case n.ZMQ_LAST_ENDPOINT:
      return socket.lastEndpoint;
    case n.ZMQ_MECHANISM:
      return MECHANISMS[socket.securityMechanism ?? ""] ?? 0;
    case n.ZMQ_XPUB_VERBOSE:
      throw new Error("Reading ZMQ_XPUB_VERBOSE is not supported");
  }
  if (UNSUPPORTED[number]) throw new Error(UNSUPPORTED[number]);
  throw unknownOption(option);
}
