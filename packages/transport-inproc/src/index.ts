/**
 * inproc://: sockets of one Context joined directly by a pipe pair. No
 * bytes and no codec: messages pass by reference.
 *
 * As in libzmq 4.x, connect() may come before bind(): the connecting
 * socket's queue exists at once (its messages wait, up to its HWM) and is
 * joined to the binding socket when it binds. Each side's HWM toward the
 * other is the sender's sendHighWaterMark plus the receiver's
 * receiveHighWaterMark (0, no limit, if either is 0). Endpoint names are
 * per Context. A connector that closes (or disconnects) with messages
 * queued and linger not 0 stays waiting: a socket that binds within linger
 * gets those messages, as libzmq's.
 */
import {
  type Context,
  type Endpoint,
  type MessageBinding,
  type MessageConnection,
  type MessageTransport,
  type Pipe,
  type PipeHost,
  TRANSPORT_API_VERSION,
  ZmqError,
  pipePair,
} from "@zmq/kernel";

interface Waiting {
  readonly connector: PipeHost;
  /** The end the binder will adopt. */
  readonly pipe: Pipe;
  /** The connector's end, whose HWM grows once the binder is known. */
  readonly mine: Pipe;
}

interface Registry {
  readonly bound: Map<string, PipeHost>;
  readonly waiting: Map<string, Waiting[]>;
}

/** Sums two HWMs as libzmq does for inproc: 0 (no limit) wins. */
function sumHwm(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : a + b;
}

export interface InprocTransport extends MessageTransport {
  readonly scheme: "inproc";
}

/** The inproc transport, to pass to a Context. */
export function inproc(): InprocTransport {
  const key = {};
  const registry = (socket: PipeHost): Registry => socket.context.state<Registry>(key, () => ({ bound: new Map(), waiting: new Map() }));

  const name = (endpoint: Endpoint): string => {
    if (endpoint.address.length === 0) throw new ZmqError("EINVAL", `inproc endpoint needs a name: ${endpoint.url}`, endpoint.url);
    return endpoint.address;
  };

  return {
    apiVersion: TRANSPORT_API_VERSION,
    kind: "message",
    scheme: "inproc",

    bind(endpoint: Endpoint, socket: PipeHost): MessageBinding {
      const id = name(endpoint);
      const reg = registry(socket);
      if (reg.bound.has(id)) throw new ZmqError("EADDRINUSE", undefined, endpoint.url);
      reg.bound.set(id, socket);
      const waiting = reg.waiting.get(id) ?? [];
      reg.waiting.delete(id);
      for (const w of waiting) {
        // Gone: linger 0, or nothing was left to deliver, or linger passed.
        if (w.pipe.terminated) continue;
        w.mine.tuned(sumHwm, w.connector.sendHighWaterMark, socket.receiveHighWaterMark);
        w.pipe.tuned(sumHwm, socket.sendHighWaterMark, w.connector.receiveHighWaterMark);
        w.mine.routingId = socket.routingIdBytes;
        socket.attachPipe(w.pipe, endpoint.url);
      }
      return {
        endpoint: endpoint.url,
        close: () => {
          if (reg.bound.get(id) === socket) reg.bound.delete(id);
        },
      };
    },

    isBound(endpoint: Endpoint, context: Context): boolean {
      return context.state<Registry>(key, () => ({ bound: new Map(), waiting: new Map() })).bound.has(endpoint.address);
    },

    connect(endpoint: Endpoint, socket: PipeHost): MessageConnection {
      const id = name(endpoint);
      const reg = registry(socket);
      const binder = reg.bound.get(id);
      // Each end's HWM is the sum of its writer's send HWM and its reader's receive HWM (libzmq's inproc); until a
      // binder comes, the connecting socket's own.
      const [mine, theirs] = pipePair(0);
      if (binder) {
        mine.tuned(sumHwm, socket.sendHighWaterMark, binder.receiveHighWaterMark);
        theirs.tuned(sumHwm, binder.sendHighWaterMark, socket.receiveHighWaterMark);
      } else {
        mine.tuned((send) => send, socket.sendHighWaterMark, 0);
        theirs.tuned((_, receive) => receive, 0, socket.receiveHighWaterMark);
      }
      mine.routingId = binder?.routingIdBytes;
      theirs.routingId = socket.routingIdBytes;
      socket.attachPipe(mine, endpoint.url);
      if (binder) {
        binder.attachPipe(theirs, endpoint.url);
        return { close: () => {} };
      }
      const entry: Waiting = { connector: socket, pipe: theirs, mine };
      const list = reg.waiting.get(id) ?? [];
      list.push(entry);
      reg.waiting.set(id, list);
      // The socket releases its end (with linger) right after close(): keep the entry while its messages wait.
      const prune = () => {
        const current = reg.waiting.get(id);
        if (!current) return;
        const rest = current.filter((w) => !w.pipe.terminated);
        if (rest.length > 0) reg.waiting.set(id, rest);
        else reg.waiting.delete(id);
      };
      return { close: () => queueMicrotask(prune) };
    },
  };
}
