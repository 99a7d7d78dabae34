import type { OperationOptions, SocketOptions } from "@zmq/kernel";
import { type DishMessage, Dish as DishSocket } from "./dish-socket.js";

export type { DishGroupOptions, DishMessage } from "./dish-socket.js";

/**
 * DISH (draft): receives the messages a RADIO sends to the groups it
 * joined. `join(...groups)` / `leave(...groups)` take strings or Buffers;
 * receive() resolves `[message, { group }]` (for-await yields the same).
 * Over tcp, ipc and inproc the RADIO filters (the DISH tells it its groups
 * with JOIN and LEAVE, again after each reconnection); over udp:// the DISH
 * binds, gets every datagram and filters itself. A network peer that sends
 * anything but [group, body] loses its connection, as with libzmq.
 *
 * ```ts
 * const dish = new Dish({ context });
 * dish.join("weather");
 * await dish.bind("tcp://127.0.0.1:5556");
 * for await (const [message, { group }] of dish) console.log(group.toString(), message.toString());
 * ```
 */
export interface Dish extends Omit<DishSocket, "receive" | typeof Symbol.asyncIterator> {
  /** The next message of a joined group, with its group. */
  receive(options?: OperationOptions): Promise<DishMessage>;
  [Symbol.asyncIterator](): AsyncIterableIterator<DishMessage>;
}

export interface DishConstructor {
  new (options?: SocketOptions): Dish;
  readonly prototype: Dish;
}

// One class at run time (so `instanceof Dish` holds), typed with the receive() of zeromq.js's Dish.
export const Dish: DishConstructor = DishSocket as unknown as DishConstructor;
