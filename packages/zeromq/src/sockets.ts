// Each interface below only narrows receive()'s frames to Buffer, which the
// default Context's frame codec guarantees at run time.
/**
 * The socket classes of zeromq.js v6, on the default Context unless one is
 * given. Each is the pattern package's class, so `instanceof` works with
 * either import.
 */
import { type Msg, type OperationOptions, type SocketOptions, optionsObject, sealInstance } from "@zmq/kernel";
import { Pair as PairBase } from "@zmq/pattern-pair";
import { Pull as PullBase, type PullOptions, Push as PushBase, type PushOptions } from "@zmq/pattern-pipeline";
import {
  Publisher as PublisherBase,
  type PublisherOptions,
  Subscriber as SubscriberBase,
  type SubscriberOptions,
  XPublisher as XPublisherBase,
  type XPublisherOptions,
  XSubscriber as XSubscriberBase,
} from "@zmq/pattern-pubsub";
import {
  Dealer as DealerBase,
  type DealerOptions,
  Reply as ReplyBase,
  Request as RequestBase,
  type RequestOptions,
  Router as RouterBase,
  type RouterOptions,
} from "@zmq/pattern-reqrep";
import { Stream as StreamBase, type StreamOptions } from "@zmq/pattern-stream";
import { defaultContext } from "./context.js";

const withContext = <T extends SocketOptions>(options: T): T => {
  const given = optionsObject(options) ?? ({} as T);
  return { ...given, context: given.context ?? defaultContext() };
};

/** In Node, received frames are Buffers. */
export type Message = Buffer;

export class Push extends PushBase {
  constructor(options: PushOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Push);
  }
}

export class Pull extends PullBase {
  constructor(options: PullOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Pull);
  }
}
export interface Pull {
  receive(options?: OperationOptions): Promise<Message[]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<Message[]>;
}

export class Pair extends PairBase {
  constructor(options: SocketOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Pair);
  }
}
export interface Pair {
  receive(options?: OperationOptions): Promise<Message[]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<Message[]>;
}

export class Request extends RequestBase {
  constructor(options: RequestOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Request);
  }
}
export interface Request {
  receive(options?: OperationOptions): Promise<Message[]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<Message[]>;
}

export class Reply extends ReplyBase {
  constructor(options: SocketOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Reply);
  }
}
export interface Reply {
  receive(options?: OperationOptions): Promise<Message[]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<Message[]>;
}

export class Dealer extends DealerBase {
  constructor(options: DealerOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Dealer);
  }
}
export interface Dealer {
  receive(options?: OperationOptions): Promise<Message[]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<Message[]>;
}

export class Router extends RouterBase {
  constructor(options: RouterOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Router);
  }
}
export interface Router {
  receive(options?: OperationOptions): Promise<Message[]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<Message[]>;
}

export class Publisher extends PublisherBase {
  constructor(options: PublisherOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Publisher);
  }
}

export class Subscriber extends SubscriberBase {
  constructor(options: SubscriberOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Subscriber);
  }
}
export interface Subscriber {
  receive(options?: OperationOptions): Promise<Message[]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<Message[]>;
}

export class XPublisher extends XPublisherBase {
  constructor(options: XPublisherOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, XPublisher);
  }
}
export interface XPublisher {
  receive(options?: OperationOptions): Promise<Message[]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<Message[]>;
}

export class XSubscriber extends XSubscriberBase {
  constructor(options: SocketOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, XSubscriber);
  }
}
export interface XSubscriber {
  receive(options?: OperationOptions): Promise<Message[]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<Message[]>;
}

export type { Msg };

export class Stream extends StreamBase {
  constructor(options: StreamOptions = {}) {
    super(withContext(options));
    sealInstance(this, new.target, Stream);
  }
}
export interface Stream {
  receive(options?: OperationOptions): Promise<[Message, Message]>;
  [Symbol.asyncIterator](): AsyncIterableIterator<[Message, Message]>;
}
