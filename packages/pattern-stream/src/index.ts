/** @zmq/pattern-stream: the STREAM socket (raw TCP and unix-socket peers) and its raw engine. */
export { Stream, type StreamOptions } from "./stream.js";
export { rawEngineFactory } from "./raw-engine.js";
