/**
 * @zmq/transport-udp: udp:// for zmq-ts (node:dgram), libzmq's datagram
 * transport for RADIO / DISH and DGRAM, unicast and multicast.
 */
export { type UdpTransport, udp } from "./udp.js";
export { type UdpAddress, admitUdp, parseUdpAddress } from "./address.js";
export { MAX_DATAGRAM, decodeGroupDatagram, encodeGroupDatagram, formatPeerAddress, parsePeerAddress } from "./datagram.js";
export { type NodeApi, asZmqError, hasNodeDgram, interfaceAddress, nicAddress, nodeApi, resolveHost, unsupported } from "./node-api.js";
export { ipVersion, isMulticast } from "./ip.js";
