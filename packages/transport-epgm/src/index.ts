/**
 * @zmq/transport-epgm: epgm:// for zmq-ts, PGM (RFC 3208) in UDP multicast
 * for PUB / XPUB and SUB / XSUB, as libzmq built with OpenPGM speaks it.
 * pgm:// (PGM straight over IP) is refused: it needs raw sockets.
 */
export { type EpgmTransport, epgm, pgm } from "./epgm.js";
export { type EpgmAddress, parseEpgmAddress, windowSqns } from "./address.js";
export { ApduReader, ApduWriter, NO_MESSAGE_START } from "./apdu.js";
