/**
 * The socket classes of zeromq.js v6, on the default Context unless one is
 * given. Each is the pattern package's class, so `instanceof` works with
 * either import.
 */
import type { Msg, OperationOptions, SocketOptions } from "@zmq/kernel";
import { Pair as PairBase } from "@zmq/pattern-pair";
import { Pull as PullBase, Push as PushBase } from "@zmq/pattern-pipeline";
import { defaultContext } from "./context.js";

const withContext = (options: SocketOptions): SocketOptions => ({ ...options, context: options.context ?? defaultContext() });

/** In Node, received frames are Buffers. */
export type Message = Buffer;

export class Push extends PushBase {
  constructor(options: SocketOptions = {}) {
    super(withContext(options));
  }
}

export class Pull extends PullBase {
  constructor(options: SocketOptions = {}) {
    super(withContext(options));
  }
}
export interface Pull {
  receive(options?: OperationOptions): Promise<Message[]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<Message[]>;
}

export class Pair extends PairBase {
  constructor(options: SocketOptions = {}) {
    super(withContext(options));
  }
}
export interface Pair {
  receive(options?: OperationOptions): Promise<Message[]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<Message[]>;
}

export type { Msg };
