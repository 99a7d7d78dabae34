/**
 * The three classic devices, each binding its two sockets and running a
 * proxy between them: queue (ROUTER / DEALER, for request-reply), forwarder
 * (XSUB / XPUB, for publish-subscribe; subscriptions flow upstream) and
 * streamer (PULL / PUSH, for pipelines).
 */
import type { SocketBase, SocketOptions } from "@zmq/kernel";
import { Pull, Push } from "@zmq/pattern-pipeline";
import { XPublisher, XSubscriber } from "@zmq/pattern-pubsub";
import { Dealer, Router } from "@zmq/pattern-reqrep";
import { ProxyRun } from "./proxy.js";

export interface DeviceOptions {
  /** Where clients (or publishers, or producers) connect. */
  frontend: string;
  /** Where workers (or subscribers, or consumers) connect. */
  backend: string;
  /** Socket options for both sockets, including `context`. */
  socketOptions?: SocketOptions;
  /** A socket to copy every message to. */
  capture?: SocketBase;
}

export interface Device<F extends SocketBase, B extends SocketBase> {
  readonly frontend: F;
  readonly backend: B;
  readonly proxy: ProxyRun;
  /** Stops the proxy and closes both sockets. */
  close(): Promise<void>;
}

async function start<F extends SocketBase, B extends SocketBase>(front: () => F, back: () => B, options: DeviceOptions): Promise<Device<F, B>> {
  const frontend = front();
  let backend: B;
  try {
    backend = back();
  } catch (error) {
    // The second socket refused (EMFILE past a Context's maxSockets, say): the first gives its slot back.
    frontend.close();
    throw error;
  }
  try {
    await frontend.bind(options.frontend);
    await backend.bind(options.backend);
  } catch (error) {
    frontend.close();
    backend.close();
    throw error;
  }
  const proxy = new ProxyRun(frontend, backend, { capture: options.capture });
  return {
    frontend,
    backend,
    proxy,
    async close() {
      proxy.terminate();
      await proxy.done.catch(() => {});
      frontend.close();
      backend.close();
    },
  };
}

/** ROUTER frontend, DEALER backend: clients' requests spread over workers, replies routed back. */
export function queue(options: DeviceOptions): Promise<Device<Router, Dealer>> {
  return start(
    () => new Router(options.socketOptions),
    () => new Dealer(options.socketOptions),
    options,
  );
}

/** XSUB frontend (publishers connect), XPUB backend (subscribers connect). */
export function forwarder(options: DeviceOptions): Promise<Device<XSubscriber, XPublisher>> {
  return start(
    () => new XSubscriber(options.socketOptions),
    () => new XPublisher(options.socketOptions),
    options,
  );
}

/** PULL frontend (producers connect), PUSH backend (consumers connect). */
export function streamer(options: DeviceOptions): Promise<Device<Pull, Push>> {
  return start(
    () => new Pull(options.socketOptions),
    () => new Push(options.socketOptions),
    options,
  );
}
