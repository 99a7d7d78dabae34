/** @zmq/pattern-radiodish: ZeroMQ draft RADIO and DISH sockets for zmq-ts: groups, JOIN and LEAVE. */
export {};
