/**
 * The numbers of zeromq.js v5's API: libzmq's option, socket type, poll and
 * send-flag numbers (zmq.h) under the names v5 exported, and the maps v5
 * programs read (`types`, `options`, `events`).
 */

// ---- socket options (zmq.h numbers) ------------------------------------------

export const ZMQ_AFFINITY = 4;
export const ZMQ_IDENTITY = 5;
export const ZMQ_SUBSCRIBE = 6;
export const ZMQ_UNSUBSCRIBE = 7;
export const ZMQ_RATE = 8;
export const ZMQ_RECOVERY_IVL = 9;
/** libzmq 2's name for ZMQ_RECOVERY_IVL (the same number, as zeromq.js 6 has it). */
export const ZMQ_RECOVERY_IVL_MSEC = 9;
export const ZMQ_SNDBUF = 11;
export const ZMQ_RCVBUF = 12;
export const ZMQ_RCVMORE = 13;
export const ZMQ_FD = 14;
export const ZMQ_EVENTS = 15;
export const ZMQ_TYPE = 16;
export const ZMQ_LINGER = 17;
export const ZMQ_RECONNECT_IVL = 18;
export const ZMQ_BACKLOG = 19;
export const ZMQ_RECONNECT_IVL_MAX = 21;
export const ZMQ_MAXMSGSIZE = 22;
export const ZMQ_SNDHWM = 23;
export const ZMQ_RCVHWM = 24;
export const ZMQ_MULTICAST_HOPS = 25;
export const ZMQ_RCVTIMEO = 27;
export const ZMQ_SNDTIMEO = 28;
export const ZMQ_IPV4ONLY = 31;
export const ZMQ_LAST_ENDPOINT = 32;
export const ZMQ_ROUTER_MANDATORY = 33;
export const ZMQ_TCP_KEEPALIVE = 34;
export const ZMQ_TCP_KEEPALIVE_CNT = 35;
export const ZMQ_TCP_KEEPALIVE_IDLE = 36;
export const ZMQ_TCP_KEEPALIVE_INTVL = 37;
export const ZMQ_TCP_ACCEPT_FILTER = 38;
export const ZMQ_DELAY_ATTACH_ON_CONNECT = 39;
export const ZMQ_XPUB_VERBOSE = 40;
export const ZMQ_ROUTER_RAW = 41;
export const ZMQ_IPV6 = 42;
export const ZMQ_MECHANISM = 43;
export const ZMQ_PLAIN_SERVER = 44;
export const ZMQ_PLAIN_USERNAME = 45;
export const ZMQ_PLAIN_PASSWORD = 46;
export const ZMQ_CURVE_SERVER = 47;
export const ZMQ_CURVE_PUBLICKEY = 48;
export const ZMQ_CURVE_SECRETKEY = 49;
export const ZMQ_CURVE_SERVERKEY = 50;
export const ZMQ_ZAP_DOMAIN = 55;
export const ZMQ_ROUTER_HANDOVER = 56;
export const ZMQ_HEARTBEAT_IVL = 75;
export const ZMQ_HEARTBEAT_TTL = 76;
export const ZMQ_HEARTBEAT_TIMEOUT = 77;
export const ZMQ_CONNECT_TIMEOUT = 79;

// ---- context options ---------------------------------------------------------

export const ZMQ_IO_THREADS = 1;
export const ZMQ_MAX_SOCKETS = 2;

// ---- socket types ------------------------------------------------------------

export const ZMQ_PAIR = 0;
export const ZMQ_PUB = 1;
export const ZMQ_SUB = 2;
export const ZMQ_REQ = 3;
export const ZMQ_REP = 4;
export const ZMQ_DEALER = 5;
export const ZMQ_XREQ = 5;
export const ZMQ_ROUTER = 6;
export const ZMQ_XREP = 6;
export const ZMQ_PULL = 7;
export const ZMQ_PUSH = 8;
export const ZMQ_XPUB = 9;
export const ZMQ_XSUB = 10;
export const ZMQ_STREAM = 11;

// ---- poll states, send flags, capabilities, socket states ------------------

export const ZMQ_POLLIN = 1;
export const ZMQ_POLLOUT = 2;
export const ZMQ_POLLERR = 4;

/** send() flag: more frames of this message follow. */
export const ZMQ_SNDMORE = 2;
/**
 * send() flag of zmq.h, accepted and without effect: send() never blocks in
 * this API (messages queue until they can go, as in zeromq.js v5).
 */
export const ZMQ_DONTWAIT = 1;

export const ZMQ_CAN_MONITOR = 1;
export const ZMQ_CAN_DISCONNECT = 1;
export const ZMQ_CAN_UNBIND = 1;
export const ZMQ_CAN_SET_CTX = 1;

export const STATE_READY = 0;
export const STATE_BUSY = 1;
export const STATE_CLOSED = 2;

// ---- maps --------------------------------------------------------------------

/** The socket type names socket() takes. */
export type SocketType =
  "pair" | "req" | "rep" | "pub" | "sub" | "dealer" | "xreq" | "router" | "xrep" | "pull" | "push" | "xpub" | "xsub" | "stream";

/** Socket type names and their zmq.h numbers (v5's `zmq.types`). */
export const types: Readonly<Record<SocketType, number>> = Object.freeze({
  pub: ZMQ_PUB,
  xpub: ZMQ_XPUB,
  sub: ZMQ_SUB,
  xsub: ZMQ_XSUB,
  req: ZMQ_REQ,
  xreq: ZMQ_XREQ,
  rep: ZMQ_REP,
  xrep: ZMQ_XREP,
  push: ZMQ_PUSH,
  pull: ZMQ_PULL,
  dealer: ZMQ_DEALER,
  router: ZMQ_ROUTER,
  pair: ZMQ_PAIR,
  stream: ZMQ_STREAM,
});

/**
 * The short option names of v5 (`zmq.options`): each is also a property of
 * every socket (`sock.linger = 0` is `sock.setsockopt(zmq.ZMQ_LINGER, 0)`),
 * and setsockopt / getsockopt take the name in place of the number.
 */
export const options = {
  _fd: ZMQ_FD,
  _ioevents: ZMQ_EVENTS,
  _receiveMore: ZMQ_RCVMORE,
  _subscribe: ZMQ_SUBSCRIBE,
  _unsubscribe: ZMQ_UNSUBSCRIBE,
  affinity: ZMQ_AFFINITY,
  backlog: ZMQ_BACKLOG,
  identity: ZMQ_IDENTITY,
  linger: ZMQ_LINGER,
  rate: ZMQ_RATE,
  rcvbuf: ZMQ_RCVBUF,
  last_endpoint: ZMQ_LAST_ENDPOINT,
  reconnect_ivl: ZMQ_RECONNECT_IVL,
  recovery_ivl: ZMQ_RECOVERY_IVL,
  sndbuf: ZMQ_SNDBUF,
  mechanism: ZMQ_MECHANISM,
  plain_server: ZMQ_PLAIN_SERVER,
  plain_username: ZMQ_PLAIN_USERNAME,
  plain_password: ZMQ_PLAIN_PASSWORD,
  curve_server: ZMQ_CURVE_SERVER,
  curve_publickey: ZMQ_CURVE_PUBLICKEY,
  curve_secretkey: ZMQ_CURVE_SECRETKEY,
  curve_serverkey: ZMQ_CURVE_SERVERKEY,
  zap_domain: ZMQ_ZAP_DOMAIN,
  heartbeat_ivl: ZMQ_HEARTBEAT_IVL,
  heartbeat_ttl: ZMQ_HEARTBEAT_TTL,
  heartbeat_timeout: ZMQ_HEARTBEAT_TIMEOUT,
  connect_timeout: ZMQ_CONNECT_TIMEOUT,
} as const;

export type ShortOption = keyof typeof options;

/** libzmq's monitor event numbers and the names v5 emits them under (v5's `zmq.events`). */
export const events: Readonly<Record<number, string>> = Object.freeze({
  1: "connect",
  2: "connect_delay",
  4: "connect_retry",
  8: "listen",
  16: "bind_error",
  32: "accept",
  64: "accept_error",
  128: "close",
  256: "close_error",
  512: "disconnect",
});
