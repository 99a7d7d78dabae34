/** @zmq/zeromq/v5-compat: zeromq.js's v5 callback API on top of the v6 sockets (being written). */
export {};
