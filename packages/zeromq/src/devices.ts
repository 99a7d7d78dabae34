/** The devices, with sockets on the default Context unless socketOptions name one. */
import { type Device, type DeviceOptions, forwarder as forwarderOn, queue as queueOn, streamer as streamerOn } from "@zmq/devices";
import { defaultContext } from "./context.js";

const withContext = (options: DeviceOptions): DeviceOptions => ({
  ...options,
  socketOptions: { ...options.socketOptions, context: options.socketOptions?.context ?? defaultContext() },
});

/** ROUTER frontend, DEALER backend. */
export const queue = (options: DeviceOptions): ReturnType<typeof queueOn> => queueOn(withContext(options));
/** XSUB frontend, XPUB backend. */
export const forwarder = (options: DeviceOptions): ReturnType<typeof forwarderOn> => forwarderOn(withContext(options));
/** PULL frontend, PUSH backend. */
export const streamer = (options: DeviceOptions): ReturnType<typeof streamerOn> => streamerOn(withContext(options));

export type { Device, DeviceOptions };
