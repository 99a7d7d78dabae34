import { type MessageLike, NumberedSocket, type OperationOptions, type SocketOptions } from "@zmq/kernel";

/** The routing id a SERVER gives a connection: receive() reports it, send() takes it. */
export interface ServerRoutingOptions {
  routingId: number;
}

/** Options of Server.send(). */
export interface ServerSendOptions extends OperationOptions, ServerRoutingOptions {}

/** What Server.receive() resolves to: the frame and the routing id of the connection it came from. */
export type ServerMessage = [Uint8Array, ServerRoutingOptions];

/**
 * The SERVER implementation (server.ts exports it typed as `Server`, which
 * gives receive() and send() zeromq.js's shapes): a NumberedSocket, each
 * pipe given a uint32 routing id when it attaches, as libzmq's server_t.
 */
export class Server extends NumberedSocket {
  constructor(options: SocketOptions = {}) {
    super("SERVER", options, "receive() reported");
  }

  /**
   * Sends one frame to the connection `routingId` names. Rejects with
   * EHOSTUNREACH when no connection has that id, and with EAGAIN at once
   * when that connection is at its high-water mark: a SERVER is always
   * writable, so zeromq.js never waits here either.
   */
  override send(message: MessageLike | readonly [MessageLike], options?: ServerSendOptions): Promise<void> {
    return super.send(message, options);
  }
}
