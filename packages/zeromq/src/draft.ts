/**
 * @zmq/zeromq/draft: the draft socket types, as `zeromq/draft` exports them
 * (Server, Client, Radio, Dish, Scatter, Gather, Datagram), plus Peer and
 * Channel, on the default Context.
 */
export {};
