/**
 * @zmq/wire: sans-I/O ZMTP for ZeroMQ. Runtime-agnostic: Uint8Array in,
 * Uint8Array out, no I/O and no Node built-ins.
 */
export { ProtocolError, WireError, type WireErrorCode, type WireErrorDetails } from "./errors.js";
export {
  SocketTypes,
  type SocketTypeName,
  compatiblePeers,
  isCompatible,
  isSocketTypeName,
  socketTypeFromNumber,
  socketTypeNumber,
} from "./socket-types.js";
export { z85Decode, z85Encode } from "./z85.js";
export { type Allocator, bytesEqual, concatBytes, fromUtf8, utf8 } from "./bytes.js";
export { type Metadata, type MetadataInput, decodeMetadata, encodeMetadata, metadataSize, validatePropertyName } from "./metadata.js";
export {
  type Command,
  type RawCommand,
  MAX_PING_CONTEXT,
  decodeCommand,
  encodeCommand,
  encodeCommandBody,
  encodeReady,
  parseCommandBody,
} from "./commands.js";
export {
  FLAG_COMMAND,
  FLAG_LONG,
  FLAG_MORE,
  MAX_FRAME_SIZE,
  FrameDecoder,
  type FrameDecoderOptions,
  type FrameSink,
  type FrameView,
  type Framing,
  writeHeader,
} from "./frames.js";
export { FrameEncoder, type FrameEncoderOptions } from "./frame-encoder.js";
export { BufferRecycler, RECYCLED_MIN, wireBuffers } from "./recycler.js";
export {
  GREETING_SIZE,
  SIGNATURE_SIZE,
  GreetingExchange,
  type GreetingOptions,
  type GreetingStep,
  type PeerGreeting,
  describeGreeting,
  encodeGreeting,
} from "./greeting.js";
export { type Mechanism, MechanismBase, type MechanismStatus, type PlainFrame, peerError, unexpectedCommand } from "./mechanism.js";
export { type NullAuthenticator, NullMechanism } from "./null-mechanism.js";
export {
  type AuthResult,
  type PlainAuthenticator,
  PlainClientMechanism,
  type PlainClientOptions,
  type PlainCredentials,
  PlainServerMechanism,
  type PlainServerOptions,
} from "./plain-mechanism.js";
export { type MechanismOptions, createMechanism, ownProperties } from "./mechanism-options.js";
export { type ConnectionHandler, type ConnectionOptions, type PeerInfo, ZmtpConnection, connectionFailure, trafficCommand } from "./connection.js";
