/** @zmq/transport-ws: WebSocket transport for zmq-ts: ZWS 2.0 over ws:// and wss://. */
export {};
