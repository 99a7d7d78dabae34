/** @zmq/pattern-pair: the exclusive PAIR socket. */
export { Pair } from "./pair.js";
