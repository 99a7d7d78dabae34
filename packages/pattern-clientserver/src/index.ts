/** @zmq/pattern-clientserver: ZeroMQ draft CLIENT and SERVER sockets for zmq-ts. */
export { Client } from "./client.js";
export { Server, type ServerConstructor, type ServerMessage, type ServerRoutingOptions, type ServerSendOptions } from "./server.js";
