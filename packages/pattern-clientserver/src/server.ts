import type { MessageLike, OperationOptions, SocketOptions } from "@zmq/kernel";
import { type ServerMessage, type ServerSendOptions, Server as ServerSocket } from "./server-socket.js";

export type { ServerMessage, ServerRoutingOptions, ServerSendOptions } from "./server-socket.js";

/**
 * SERVER (draft): talks to CLIENT peers with single-frame messages, each
 * connection known by a number. receive() resolves `[message, { routingId }]`
 * (for-await yields the same), and `send(message, { routingId })` answers
 * that connection: EHOSTUNREACH when it is gone or never was, EAGAIN at once
 * when it is at its high-water mark. Receives are fair-queued over the
 * connections. Sending more than one frame fails with EINVAL; a multipart
 * message from a peer is dropped whole, as libzmq does.
 *
 * ```ts
 * const server = new Server({ context });
 * await server.bind("tcp://127.0.0.1:5555");
 * for await (const [request, { routingId }] of server) await server.send(request, { routingId });
 * ```
 */
export interface Server extends Omit<ServerSocket, "send" | "receive" | typeof Symbol.asyncIterator> {
  /** Sends one frame to the connection `routingId` names. */
  send(message: MessageLike | readonly [MessageLike], options: ServerSendOptions): Promise<void>;
  /** The next message, with the routing id of the connection it came from. */
  receive(options?: OperationOptions): Promise<ServerMessage>;
  [Symbol.asyncIterator](): AsyncIterableIterator<ServerMessage>;
}

export interface ServerConstructor {
  new (options?: SocketOptions): Server;
  readonly prototype: Server;
}

// One class at run time (so `instanceof Server` holds), typed with the receive() and send() of zeromq.js's Server.
export const Server: ServerConstructor = ServerSocket as unknown as ServerConstructor;
