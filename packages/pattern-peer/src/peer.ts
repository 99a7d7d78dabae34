import type { ConnectCallOptions, MessageLike, OperationOptions, SocketOptions } from "@zmq/kernel";
import { type PeerMessage, type PeerSendOptions, Peer as PeerSocket } from "./peer-socket.js";

export type { PeerMessage, PeerRoutingOptions, PeerSendOptions } from "./peer-socket.js";

/**
 * PEER (draft, libzmq 4.3's ZMQ_PEER): talks to other PEERs with
 * single-frame messages, each connection known by a number, whichever side
 * connected. connect() returns the new connection's routing id at once, so
 * a message can be sent to it before the handshake. receive() resolves
 * `[message, { routingId }]` (for-await yields the same), and
 * `send(message, { routingId })` fails with EHOSTUNREACH when that
 * connection is gone or never was and with EAGAIN at once when it is at its
 * high-water mark. Sending more than one frame fails with EINVAL; a
 * multipart message from a peer is dropped whole, as libzmq does.
 *
 * ```ts
 * const a = new Peer({ context });
 * await a.bind("tcp://127.0.0.1:5555");
 * const b = new Peer({ context });
 * const toA = b.connect("tcp://127.0.0.1:5555");
 * await b.send("hello", { routingId: toA });
 * const [msg, { routingId: toB }] = await a.receive();
 * await a.send("hello back", { routingId: toB });
 * ```
 */
export interface Peer extends Omit<PeerSocket, "send" | "receive" | typeof Symbol.asyncIterator> {
  /** Connects, and returns the routing id of the new connection. */
  connect(address: string, options?: ConnectCallOptions): number;
  /** Sends one frame to the connection `routingId` names. */
  send(message: MessageLike | readonly [MessageLike], options: PeerSendOptions): Promise<void>;
  /** The next message, with the routing id of the connection it came from. */
  receive(options?: OperationOptions): Promise<PeerMessage>;
  [Symbol.asyncIterator](): AsyncIterableIterator<PeerMessage>;
}

export interface PeerConstructor {
  new (options?: SocketOptions): Peer;
  readonly prototype: Peer;
}

// One class at run time (so `instanceof Peer` holds), typed with receive() and send() as zeromq.js's Server has them.
export const Peer: PeerConstructor = PeerSocket as unknown as PeerConstructor;
