/** @zmq/pattern-pubsub: PUB, SUB, XPUB and XSUB. */
export { Publisher, type PublisherOptions } from "./publisher.js";
export { Subscriber, type SubscriberOptions } from "./subscriber.js";
export { type Verbosity, XPublisher, type XPublisherOptions } from "./xpublisher.js";
export { XSubscriber } from "./xsubscriber.js";
