import { type Msg, type OptionValues, type SocketOptions, ZmqError, conflate, defineOptions, invertMatching, typeError } from "@zmq/kernel";
import { XSubscriber } from "./xsubscriber.js";

const subscriberOptions = { conflate, invertMatching } as const;

export interface SubscriberOptions extends SocketOptions, Partial<OptionValues<typeof subscriberOptions>> {}

export interface Subscriber extends OptionValues<typeof subscriberOptions> {}

/**
 * SUB: receives the messages whose first frame starts with one of its
 * subscriptions. subscribe() with no topic subscribes to everything.
 * Subscriptions are counted: subscribing twice sends two upstream, and the
 * cancel goes upstream once the last one is undone. After a reconnect every
 * subscription is sent again. Cannot send.
 */
export class Subscriber extends XSubscriber {
  static {
    defineOptions(this, subscriberOptions);
  }

  private prefetched: Msg | undefined;

  constructor(options: SubscriberOptions = {}) {
    super(options, "SUB");
  }

  /** Subscribes to messages starting with each topic (no topic: everything). */
  subscribe(...topics: (string | Uint8Array)[]): void {
    this.change(1, topics);
  }

  /** Undoes subscribe() for each topic (no topic: the subscribe-to-everything). */
  unsubscribe(...topics: (string | Uint8Array)[]): void {
    this.change(0, topics);
  }

  private change(byte: number, topics: (string | Uint8Array)[]): void {
    // Subscriptions are options in libzmq: ENOTSOCK once closed, as zeromq.js says.
    this.options.assertOpen();
    // zeromq.js checks every topic's type first: nothing is subscribed when one is wrong.
    for (const t of topics) {
      if (typeof t !== "string" && !(t instanceof Uint8Array)) {
        throw typeError("Option value must be a string or buffer", `A topic is a string or a Uint8Array, got ${typeof t}`);
      }
    }
    for (const t of topics.length === 0 ? [""] : topics) {
      const topic = typeof t === "string" ? this.context.frames.fromString(t) : t;
      this.upstream([this.prefixed(byte, topic)], true);
    }
  }

  protected override xsend(): boolean {
    throw new ZmqError("ENOTSUP", "A SUB socket cannot send; use subscribe() and unsubscribe()");
  }

  protected override xrecv(): Msg | undefined {
    const held = this.prefetched;
    if (held) {
      this.prefetched = undefined;
      return held;
    }
    const invert = this.opt("invertMatching");
    for (;;) {
      const msg = this.fq.recv();
      if (msg === undefined) return undefined;
      if (this.subscriptions.matches(msg[0]!) !== invert) return msg;
    }
  }

  protected override xhasIn(): boolean {
    if (this.prefetched) return true;
    this.prefetched = this.xrecv();
    return this.prefetched !== undefined;
  }

  protected override xhasOut(): boolean {
    return false;
  }
}
