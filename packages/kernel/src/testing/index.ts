/**
 * @zmq/kernel/testing: in-memory transports for testing engines, sessions
 * and sockets without a network, and the small helpers test files share
 * (closing what a test opened, frames as text, rejections, monitor events,
 * endpoint names, hand-made ZMTP bytes). Runtime-agnostic, like the kernel,
 * and free of any test framework.
 */
export { type Cleanup, type CleanupOptions, type Closable, createCleanup } from "./cleanup.js";
export { endpointNames } from "./endpoints.js";
export { errorCode, later, rejection, retryInUse } from "./errors.js";
export { EVENT_TYPES, type EventWatch, type Monitored, nextEvent, watchEvents } from "./events.js";
export { type TestFrame, frameHex, hex, text } from "./frames.js";
export {
  DEFAULT_MEMORY_HIGH_WATER_MARK,
  type MemoryFaults,
  type MemorySideOptions,
  MemoryStream,
  type MemoryStreamPairOptions,
  memoryStreamPair,
} from "./memory-stream.js";
export {
  type MemoryConnection,
  type MemoryConnectionFaults,
  type MemoryConnectionInfo,
  type MemoryConnectionSide,
  type MemoryTransport,
  type MemoryTransportOptions,
  memoryTransport,
} from "./memory-transport.js";
export { type StreamRecording, recordStream } from "./stream-recorder.js";
export { GREETING_LENGTH, type GreetingBytesOptions, greetingBytes } from "./zmtp.js";
export { TestPull, TestPush } from "./test-sockets.js";
