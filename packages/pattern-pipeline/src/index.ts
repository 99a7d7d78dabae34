/** @zmq/pattern-pipeline: the PUSH / PULL sockets. */
export { Push } from "./push.js";
export { Pull } from "./pull.js";
