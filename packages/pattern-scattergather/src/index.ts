/** @zmq/pattern-scattergather: ZeroMQ draft SCATTER and GATHER sockets for zmq-ts. */
export {};
