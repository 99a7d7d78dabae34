/** @zmq/pattern-pipeline: the PUSH / PULL sockets. */
export { Push, type PushOptions } from "./push.js";
export { Pull, type PullOptions } from "./pull.js";
