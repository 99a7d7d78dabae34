/** @zmq/transport-tcp: tcp:// for zmq-ts over node:net. */
export { type TcpTransport, listenOn, tcp } from "./tcp.js";
export { type TcpAddress, formatTcpEndpoint, parseTcpAddress } from "./address.js";
export { nodeNet } from "./node-net.js";
export { type NodeStreamOptions, nodeByteStream, zmqCode } from "./node-stream.js";
export { type DenoPermission, denoNetHost, denoPermissionError, fromDenoDenial } from "./deno-permission.js";
