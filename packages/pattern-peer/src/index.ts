/** @zmq/pattern-peer: ZeroMQ draft PEER and CHANNEL sockets for zmq-ts. */
export {};
