// A transport of your own, in a few lines: `duplex://name`, a stream
// transport over in-process node:stream Duplex pairs. It shows the whole
// plugin interface: listen() hands the kernel a ByteStream per connection,
// connect() returns one, and `engine: zmtpEngine` (@zmq/engine) runs real
// ZMTP over them. Nothing else in zmq-ts needs to know about it.
import { Duplex } from "node:stream";
import {
  type ByteStream,
  type ByteStreamHandlers,
  type Endpoint,
  type Listener,
  type StreamTransport,
  TRANSPORT_API_VERSION,
  ZmqError,
} from "@zmq/kernel";
import { zmtpEngine } from "@zmq/engine";

/** Wraps one end of a Duplex pair as a kernel ByteStream. */
function byteStream(duplex: Duplex, endpoint: string, connecting: boolean): ByteStream {
  let handlers: ByteStreamHandlers | undefined;
  const early: (() => void)[] = [];
  const deliver = (fn: () => void) => (handlers ? fn() : early.push(fn));
  duplex.on("data", (chunk: Buffer) => handlers?.onData(chunk));
  duplex.on("drain", () => handlers?.onDrain());
  duplex.on("close", () => deliver(() => handlers!.onClose()));
  if (connecting) queueMicrotask(() => deliver(() => handlers!.onConnect?.()));
  return {
    endpoint,
    remoteAddress: "",
    write: (chunk) => duplex.write(chunk),
    pause: () => duplex.pause(),
    resume: () => duplex.resume(),
    end: () => duplex.end(),
    destroy: () => duplex.destroy(),
    setHandlers(h) {
      handlers = h;
      for (const fn of early.splice(0)) fn();
    },
  };
}

/** Two connected Duplex streams: what one writes, the other reads. */
function duplexPair(): [Duplex, Duplex] {
  const make = (): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        other(this).push(chunk);
        callback();
      },
      final(callback) {
        other(this).push(null);
        callback();
      },
      destroy(error, callback) {
        other(this).destroy();
        callback(error);
      },
    });
  const a = make();
  const b = make();
  const other = (d: Duplex) => (d === a ? b : a);
  return [a, b];
}

/** The duplex:// transport. */
export function duplex(): StreamTransport {
  const listeners = new Map<string, (stream: ByteStream) => void>();
  return {
    apiVersion: TRANSPORT_API_VERSION,
    kind: "stream",
    scheme: "duplex",
    engine: zmtpEngine,
    listen(endpoint: Endpoint, _options, onConnection): Promise<Listener> {
      if (listeners.has(endpoint.address)) return Promise.reject(new ZmqError("EADDRINUSE", undefined, endpoint.url));
      listeners.set(endpoint.address, onConnection);
      return Promise.resolve({ endpoint: endpoint.url, close: () => listeners.delete(endpoint.address) });
    },
    connect(endpoint: Endpoint): ByteStream {
      const [mine, theirs] = duplexPair();
      const accept = listeners.get(endpoint.address);
      if (!accept) {
        queueMicrotask(() => mine.destroy());
      } else {
        queueMicrotask(() => accept(byteStream(theirs, endpoint.url, false)));
      }
      return byteStream(mine, endpoint.url, true);
    },
  };
}
