/**
 * @zmq/kernel: the socket kernel every zmq-ts package composes through, and
 * the contracts its plug-ins implement (transports, engines, security
 * mechanisms). Runtime-agnostic: no Node built-ins.
 */
export { Context, type ContextOptions } from "./context.js";
export { parseEndpoint } from "./endpoint.js";
export { ipBytes, ipVersion, isMulticast } from "./ip.js";
export { acceptFilter } from "./accept-filter.js";
export { type DeferredTransport, type DeferredTransportShape, deferredTransport } from "./deferred-transport.js";
export { type ErrorCode, Errno, ErrorMessages, ZmqError, isZmqError, optionsObject, show, typeError } from "./errors.js";
export {
  type CommandMsg,
  type FrameCodec,
  type MessageLike,
  type Msg,
  type SubscriptionMsg,
  commandMsg,
  commandOf,
  isCommandMsg,
  isSubscriptionMsg,
  plainFrames,
  subscriptionMsg,
  type FrameKeeper,
} from "./msg.js";
export { type EmittedEvent, type Event, type EventError, type EventErrorFields, type EventOfType, type EventType, Observer } from "./observer.js";
export { type BaseOptions, baseOptions, conflate, invertMatching, probeRouter } from "./base-options.js";
export {
  type Check,
  type OptionOwner,
  type OptionSpec,
  type OptionSpecs,
  type OptionValues,
  OptionStore,
  checks,
  defineOptions,
  flag,
  integer,
  oneOf,
  option,
  refuseWrites,
  sealInstance,
  text,
  validateOption,
} from "./options.js";
export { Pipe, type PipeOwner, lowWaterMark, pipePair } from "./pipe.js";
export { Queue } from "./queue.js";
export { type ConnectCallOptions, type EndpointHandle, type OperationOptions, SocketBase, type SocketOptions } from "./socket-base.js";
export { type PollEvents, type PollItem, type PollOptions, Poller } from "./poller.js";
export { ENGINE_API_VERSION, type Engine, type EngineFactory, type EngineFailure, type EngineOptions, type EngineSession } from "./engine.js";
export { type MechanismSetup, type SecurityMechanism, type SecuritySelection } from "./mechanism.js";
export { Distributor } from "./strategies/distributor.js";
export { FairQueue } from "./strategies/fair-queue.js";
export { LoadBalancer } from "./strategies/load-balancer.js";
export { RouterTable } from "./strategies/router-table.js";
export { NumberedSocket } from "./numbered-socket.js";
export { SingleFrameQueue, multipartRefused } from "./strategies/single-frame-queue.js";
export { CountedTrie, SubscriptionTrie } from "./strategies/subscription-trie.js";
export {
  type ByteStream,
  type ByteStreamHandlers,
  type ConnectOptions,
  type Endpoint,
  type EnginePlugin,
  type ListenOptions,
  type Listener,
  type MessageBinding,
  type MessageConnection,
  type MessageTransport,
  type PipeHost,
  type SessionHost,
  type StreamError,
  type StreamTransport,
  TRANSPORT_API_VERSION,
  type Transport,
  type TransportContext,
} from "./transport.js";
export type { Command, PeerInfo, SocketTypeName } from "@zmq/wire";
