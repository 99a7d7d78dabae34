/** @zmq/devices: proxies and the classic devices. */
export { ProxyRun, type ProxyOptions, type ProxyStatistics, proxy, steerableProxy } from "./proxy.js";
export { Proxy } from "./proxy-class.js";
export { type Device, type DeviceOptions, forwarder, queue, streamer } from "./presets.js";
