/**
 * @zmq/transport-epgm: epgm:// for zmq-ts, PGM (RFC 3208) in UDP multicast
 * for PUB / XPUB and SUB / XSUB, as libzmq built with OpenPGM speaks it.
 * pgm:// (PGM straight over IP) is refused: it needs raw sockets.
 */
export { type EpgmTransport, epgm } from "./epgm.js";
export { pgm } from "./pgm.js";
export { type EpgmAddress, admitEpgm, parseEpgmAddress, windowSqns } from "./address.js";
export { ApduReader, ApduWriter, NO_MESSAGE_START } from "./apdu.js";
