/**
 * @zmq/zeromq/draft: the draft socket types with `zeromq/draft`'s names and
 * shapes (Server, Client, Radio, Dish, Scatter, Gather, Datagram), plus Peer
 * and Channel, which zeromq.js lacks. Each is its pattern package's class on
 * the default Context unless one is given, with Buffer frames:
 *
 *   import { Server, Client } from "@zmq/zeromq/draft";
 */
import { type MessageLike, type OperationOptions, type SocketOptions, optionsObject, sealInstance } from "@zmq/kernel";
import { Client as ClientBase, Server as ServerBase, type ServerRoutingOptions } from "@zmq/pattern-clientserver";
import { Datagram as DatagramBase } from "@zmq/pattern-datagram";
import { Channel as ChannelBase, Peer as PeerBase, type PeerRoutingOptions } from "@zmq/pattern-peer";
import { type DishGroupOptions, Dish as DishBase, Radio as RadioBase } from "@zmq/pattern-radiodish";
import { Gather as GatherBase, type GatherOptions, Scatter as ScatterBase, type ScatterOptions } from "@zmq/pattern-scattergather";
import { defaultContext } from "./index.js";
import type { Message } from "./sockets.js";

const withContext = <T extends SocketOptions>(options: T): T => {
  const given = optionsObject(options) ?? ({} as T);
  return { ...given, context: given.context ?? defaultContext() };
};

export type { DishGroupOptions, PeerRoutingOptions, ServerRoutingOptions };

/** SERVER: single-frame messages, each connection known by a number; `receive()` gives `[message, { routingId }]`. */
export class Server extends ServerBase {
  constructor(options: SocketOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Server);
  }
}
export interface Server {
  receive(options?: OperationOptions): Promise<[Message, ServerRoutingOptions]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<[Message, ServerRoutingOptions]>;
}

/** CLIENT: load-balances single-frame requests over its connections. */
export class Client extends ClientBase {
  constructor(options: SocketOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Client);
  }
}
export interface Client {
  receive(options?: OperationOptions): Promise<[Message]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<[Message]>;
}

/** RADIO: `send(message, { group })` reaches the DISH peers that joined the group (tcp, ipc, inproc, udp). */
export class Radio extends RadioBase {
  constructor(options: SocketOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Radio);
  }
}

/** DISH: `join(...groups)`, `leave(...groups)`; `receive()` gives `[message, { group }]`. */
export class Dish extends DishBase {
  constructor(options: SocketOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Dish);
  }
}
export interface Dish {
  receive(options?: OperationOptions): Promise<[Message, DishGroupOptions]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<[Message, DishGroupOptions]>;
}

/** SCATTER: round-robin single-frame messages to GATHER peers. */
export class Scatter extends ScatterBase {
  constructor(options: ScatterOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Scatter);
  }
  override send(message: MessageLike | readonly [MessageLike], options?: OperationOptions): Promise<void> {
    return super.send(message, options);
  }
}

/** GATHER: fair-queues single-frame messages from SCATTER peers. */
export class Gather extends GatherBase {
  constructor(options: GatherOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Gather);
  }
}
export interface Gather {
  receive(options?: OperationOptions): Promise<[Message]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<[Message]>;
}

/** DGRAM over udp://: `[address, body]` messages, the address as libzmq forms it ("ip:port"). */
export class Datagram extends DatagramBase {
  constructor(options: SocketOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Datagram);
  }
}
export interface Datagram {
  receive(options?: OperationOptions): Promise<[Message, Message]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<[Message, Message]>;
}

/** PEER (libzmq 4.3 draft): `connect()` returns the new connection's routing id; `receive()` gives `[message, { routingId }]`. */
export class Peer extends PeerBase {
  constructor(options: SocketOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Peer);
  }
}
export interface Peer {
  receive(options?: OperationOptions): Promise<[Message, PeerRoutingOptions]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<[Message, PeerRoutingOptions]>;
}

/** CHANNEL (libzmq 4.3 draft): the thread-safe PAIR, single-frame. */
export class Channel extends ChannelBase {
  constructor(options: SocketOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Channel);
  }
}
export interface Channel {
  receive(options?: OperationOptions): Promise<[Message]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<[Message]>;
}
