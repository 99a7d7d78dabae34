/**
 * @zmq/kernel: the socket kernel every zmq-ts package composes through.
 * Runtime-agnostic: no Node built-ins.
 */
export { Context, type ContextOptions } from "./context.js";
export { parseEndpoint } from "./endpoint.js";
export { type ErrorCode, Errno, ErrorMessages, ZmqError, isZmqError } from "./errors.js";
export {
  type FrameCodec,
  type MessageLike,
  type Msg,
  type SubscriptionMsg,
  isSubscriptionMsg,
  plainFrames,
  subscriptionMsg,
} from "./msg.js";
export { type Event, type EventError, type EventOfType, type EventType, Observer } from "./observer.js";
export { type BaseOptionName, type BaseOptions, OptionStore, baseOptionSpecs, checks, validateOption } from "./options.js";
export { Pipe, type PipeOwner, lowWaterMark, pipePair } from "./pipe.js";
export { Queue } from "./queue.js";
export {
  type ConnectCallOptions,
  type EndpointHandle,
  type OperationOptions,
  SocketBase,
  type SocketOptions,
  setDefaultContextProvider,
} from "./socket-base.js";
export { type SessionHost, type StreamEngine, zmtpEngine } from "./stream-session.js";
export { ZAP_ENDPOINT, type ZapReply, type ZapRequest, zapRequest } from "./zap.js";
export { Distributor } from "./strategies/distributor.js";
export { FairQueue } from "./strategies/fair-queue.js";
export { LoadBalancer } from "./strategies/load-balancer.js";
export { RouterTable } from "./strategies/router-table.js";
export { CountedTrie, SubscriptionTrie } from "./strategies/subscription-trie.js";
export {
  type ByteStream,
  type ByteStreamHandlers,
  type ConnectOptions,
  type Endpoint,
  type ListenOptions,
  type Listener,
  type MessageBinding,
  type MessageConnection,
  type MessageTransport,
  type PipeHost,
  type StreamError,
  type StreamTransport,
  TRANSPORT_API_VERSION,
  type Transport,
} from "./transport.js";
export type { Command, PeerInfo, SocketTypeName } from "@zmq/wire";
