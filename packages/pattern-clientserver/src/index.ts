/** @zmq/pattern-clientserver: ZeroMQ draft CLIENT and SERVER sockets for zmq-ts. */
export {};
