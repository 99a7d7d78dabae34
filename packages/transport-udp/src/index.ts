/** @zmq/transport-udp: UDP transport for zmq-ts (node:dgram): udp:// unicast and multicast for Radio, Dish and Datagram. */
export {};
