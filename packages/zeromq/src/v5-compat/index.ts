/**
 * @zmq/zeromq/v5-compat: the callback API of zeromq.js v5 (and of
 * zeromq.js 6's "zeromq/v5-compat"), on top of the v6 sockets of
 * @zmq/zeromq. Code written before 2020 moves by changing the import:
 *
 *   const zmq = require("@zmq/zeromq/v5-compat");
 *   const sock = zmq.socket("push");
 *   sock.bindSync("tcp://127.0.0.1:3000");
 *   sock.send(["work", "item"]);
 */
import { curveKeyPair, defaultContext, version } from "../index.js";
import type { SocketType } from "./constants.js";
import { Socket } from "./socket.js";

export * from "./constants.js";
export { type Callback, Socket } from "./socket.js";
export { version };

/** The libzmq version this implementation follows on the wire ("4.3.5"), as v5's native zmqVersion(). */
export function zmqVersion(): string {
  return version;
}

/**
 * Makes a socket of the given type; each key of `options` is then set as a
 * property (`{ linger: 0, identity: "a" }`).
 */
export function createSocket(type: SocketType, options: Record<string, unknown> = {}): Socket {
  const sock = new Socket(type);
  for (const key of Object.keys(options)) (sock as Record<string, unknown>)[key] = options[key];
  return sock;
}

export { createSocket as socket };

/** A new CURVE key pair, Z85-encoded, under v5's names. */
export function curveKeypair(): { public: string; secret: string } {
  const { publicKey, secretKey } = curveKeyPair();
  return { public: publicKey, secret: secretKey };
}

/**
 * The default context's settings, as v5's static methods. The sockets of this
 * API share one context and it cannot be made: `new Context()` throws, as in
 * zeromq.js 6. The thread count is stored and has no effect (there are no I/O threads).
 */
export class Context {
  static setMaxThreads(value: number): void {
    defaultContext().ioThreads = value;
  }

  static getMaxThreads(): number {
    return defaultContext().ioThreads;
  }

  static setMaxSockets(value: number): void {
    defaultContext().maxSockets = value;
  }

  static getMaxSockets(): number {
    return defaultContext().maxSockets;
  }

  constructor() {
    throw new Error("Context cannot be instantiated in compatibility mode");
  }
}

/**
 * Forwards messages between two sockets in both directions, as v5's proxy():
 * push/pull, pull/push and xpub/xsub pass messages whole; router/dealer (or
 * xrep/xreq) too, and a `capture` socket gets a copy of each reply (without
 * its envelope: the frames after the routing id and the empty delimiter).
 */
export function proxy(frontend: Socket, backend: Socket, capture?: Socket): void {
  const pair = `${frontend.type}/${backend.type}`;
  let captured: (frames: Buffer[]) => Buffer[];
  switch (pair) {
    case "push/pull":
    case "pull/push":
    case "xpub/xsub":
      captured = (frames) => frames;
      break;
    case "router/dealer":
    case "xrep/xreq":
      captured = (frames) => frames.slice(2);
      break;
    default:
      throw new Error("This socket type order is not supported in compatibility mode");
  }
  frontend.on("message", (...frames: Buffer[]) => {
    backend.send(frames);
  });
  backend.on("message", (...frames: Buffer[]) => {
    frontend.send(frames);
    if (capture) capture.send(captured(frames));
  });
}
