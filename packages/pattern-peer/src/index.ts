/** @zmq/pattern-peer: ZeroMQ draft PEER and CHANNEL sockets for zmq-ts. */
export { Channel } from "./channel.js";
export { Peer, type PeerConstructor, type PeerMessage, type PeerRoutingOptions, type PeerSendOptions } from "./peer.js";
