/** @zmq/pattern-scattergather: ZeroMQ draft SCATTER and GATHER sockets for zmq-ts. */
export { Gather, type GatherOptions } from "./gather.js";
export { Scatter, type ScatterOptions } from "./scatter.js";
