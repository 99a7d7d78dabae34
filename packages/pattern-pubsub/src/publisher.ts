import { type Msg, ZmqError, checks } from "@zmq/kernel";
import { XPublisher, type XPublisherOptions } from "./xpublisher.js";

export interface PublisherOptions extends Omit<XPublisherOptions, "verbosity" | "manual" | "welcomeMessage"> {
  /** Keep only the newest message queued for each subscriber. Default false. */
  conflate?: boolean;
}

/**
 * PUB: sends each message to every subscriber whose subscription is a
 * prefix of its first frame; a full subscriber misses it (unless `noDrop`).
 * Subscriptions are used, never shown to the application. Cannot receive.
 */
export class Publisher extends XPublisher {
  constructor(options: PublisherOptions = {}) {
    super(options, "PUB");
  }

  protected override get passesUpstream(): boolean {
    return false;
  }

  /** Default false. */
  get conflate(): boolean {
    return this.typeOption("conflate", false);
  }
  set conflate(value: boolean) {
    this.setTypeOption("conflate", value, checks.boolean);
  }

  protected override xrecv(): Msg | undefined {
    throw new ZmqError("ENOTSUP", "A PUB socket cannot receive");
  }
}
