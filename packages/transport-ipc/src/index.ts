/** @zmq/transport-ipc: ipc:// (unix domain sockets, Linux abstract namespace) for zmq-ts. */
export { type IpcTransport, ipc } from "./ipc.js";
