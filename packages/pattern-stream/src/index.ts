/** @zmq/pattern-stream: ZeroMQ STREAM socket for zmq-ts: raw TCP peers identified by routing id. */
export {};
