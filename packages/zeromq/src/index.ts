/**
 * @zmq/zeromq: ZeroMQ in TypeScript with zeromq.js v6's API. Moving from
 * `zeromq` is an import change:
 *
 *   import { Push, Pull, Pair } from "@zmq/zeromq";
 *
 * The default Context has tcp, ipc, inproc, ws, wss and udp; received frames
 * are Buffers. The draft socket types are in "@zmq/zeromq/draft".
 */
import { defaultContext } from "./context.js";

export { Context, type ZeromqContextOptions, bufferFrames, defaultContext } from "./context.js";
export { curve, curveKeyPair, curveMechanism, curvePublicKey, nodeCurveCrypto } from "./node-curve.js";
export { capability, version } from "./meta.js";
export type { WsOptions, WssOptions, WsTransport } from "@zmq/transport-ws";
export type { UdpTransport } from "@zmq/transport-udp";
export type { EpgmTransport } from "@zmq/transport-epgm";
export { pgm } from "@zmq/transport-epgm/pgm";
export { epgm, udp, ws, wss } from "./transports.js";
export type { DeferredTransport } from "@zmq/kernel";
/** The default Context, as zeromq.js's `context`: sockets made without one use it. */
export const context = /* @__PURE__ */ defaultContext();
export { type Device, type DeviceOptions, forwarder, queue, streamer } from "./devices.js";
// PLAIN is registered in the default Context; exporting it also gives sockets its options' types.
export { type PlainOptions, plain } from "@zmq/plain";
export {
  type CurveCrypto,
  type CurveKey,
  type CurveMechanismOptions,
  type CurveOptions,
  curveAllowList,
  z85Decode,
  z85Encode,
} from "@zmq/curve/core";
export { type ZapDecider, type ZapRequest, type ZapVerdict, serveZap } from "@zmq/engine";
export { Proxy, ProxyRun, type ProxyStatistics, proxy, steerableProxy } from "@zmq/devices";
export { Dealer, type Message, Pair, Publisher, Pull, Push, Reply, Request, Router, Stream, Subscriber, XPublisher, XSubscriber } from "./sockets.js";
export {
  type ErrorCode,
  Errno,
  type Event,
  type EventOfType,
  type EventType,
  type MessageLike,
  Observer,
  type OperationOptions,
  type PollEvents,
  type PollItem,
  type PollOptions,
  Poller,
  SocketBase as Socket,
  type SocketOptions,
  ZmqError,
  isZmqError,
} from "@zmq/kernel";
