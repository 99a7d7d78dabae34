/** The option and call-option shapes of SocketBase. */
import type { BaseOptions } from "./base-options.js";
import type { Context } from "./context.js";

export interface SocketOptions extends Partial<BaseOptions> {
  /** The Context whose transports and security mechanisms this socket uses. */
  context?: Context;
}

/** Options of connect(). */
export interface ConnectCallOptions {
  /** Router only: the routing id to give this connection's peer (ZMQ_CONNECT_ROUTING_ID). */
  routingId?: string | Uint8Array;
}

/** Per-call options of send() and receive(). */
export interface OperationOptions {
  /** Aborts the operation: its promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A binding or connection this socket holds, by endpoint. */
export interface EndpointHandle {
  close(): void;
}
