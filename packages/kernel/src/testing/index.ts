/**
 * @zmq/kernel/testing: in-memory transports for testing engines, sessions
 * and sockets without a network. Runtime-agnostic, like the kernel.
 */
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
