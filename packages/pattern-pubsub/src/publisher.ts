import { type Msg, type OptionValues, ZmqError, conflate, defineOptions } from "@zmq/kernel";
import { XPublisher, type XPublisherOptions } from "./xpublisher.js";

const publisherOptions = { conflate } as const;

export interface PublisherOptions
  extends Omit<XPublisherOptions, "verbosity" | "manual" | "welcomeMessage">, Partial<OptionValues<typeof publisherOptions>> {}

export interface Publisher extends OptionValues<typeof publisherOptions> {}

/**
 * PUB: sends each message to every subscriber whose subscription is a
 * prefix of its first frame; a full subscriber misses it (unless `noDrop`).
 * Subscriptions are used, never shown to the application. Cannot receive.
 */
export class Publisher extends XPublisher {
  static {
    defineOptions(this, publisherOptions);
  }

  constructor(options: PublisherOptions = {}) {
    super(options, "PUB");
  }

  protected override get passesUpstream(): boolean {
    return false;
  }

  protected override xrecv(): Msg | undefined {
    throw new ZmqError("ENOTSUP", "A PUB socket cannot receive");
  }
}
