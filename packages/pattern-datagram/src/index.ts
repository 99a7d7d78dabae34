/** @zmq/pattern-datagram: ZeroMQ draft DGRAM socket for zmq-ts (zeromq.js Datagram). */
export { Datagram } from "./datagram.js";
