/**
 * @zmq/pgm: PGM (RFC 3208), sans I/O, as OpenPGM speaks it: packets in,
 * packets, APDUs and timers out. Runtime-agnostic: no I/O and no Node
 * built-ins. @zmq/transport-epgm runs it over UDP (epgm://).
 */
export { PgmError, type PgmErrorCode } from "./errors.js";
export {
  AFI_IP,
  AFI_IP6,
  type DataPacket,
  type Fragment,
  MAX_NAK_LIST,
  type NakPacket,
  type Nla,
  OPT_END,
  OPT_FRAGMENT,
  OPT_LENGTH,
  OPT_NAK_LIST,
  OPT_NETWORK,
  OPT_PARITY,
  OPT_PRESENT,
  type OtherPacket,
  PGM_HEADER_SIZE,
  type PgmHeader,
  type PgmPacket,
  PgmType,
  type SpmPacket,
  type SpmrPacket,
  type Tsi,
  checksum,
  decodePacket,
  encodeData,
  encodeNak,
  encodeSpm,
  encodeSpmr,
  nlaBytes,
  tsiKey,
} from "./packet.js";
export { AMBIENT_SPM, FRAGMENT_OPTIONS_SIZE, HEARTBEAT_SPM, MAX_APDU, PgmSource, type SourceOptions } from "./source.js";
export { PgmReceiver, type ReceiverOptions, type ReceiverSink } from "./receiver.js";
export { sqnAdd, sqnDiff, sqnLe, sqnLt } from "./sqn.js";
