/**
 * A StreamTransport over in-memory stream pairs, so that the engine, sessions
 * and sockets can be tested end to end, with injected faults, without a
 * network or any Node module.
 */
import { ZmqError } from "../index.js";
import {
  type ByteStream,
  type ConnectOptions,
  type Endpoint,
  type EnginePlugin,
  type ListenOptions,
  type Listener,
  type StreamTransport,
  TRANSPORT_API_VERSION,
} from "../index.js";
import { type MemoryFaults, type MemoryStream, memoryStreamPair } from "./memory-stream.js";

/** Faults and addresses for one side of a connection made by the transport. */
export interface MemoryConnectionSide extends MemoryFaults {
  /** The side's `remoteAddress`; default "". */
  readonly remoteAddress?: string;
}

/** Faults for one connection: the top-level ones apply both ways, `connector` / `acceptor` override them for the bytes that side writes. */
export interface MemoryConnectionFaults extends MemoryFaults {
  readonly connector?: MemoryConnectionSide;
  readonly acceptor?: MemoryConnectionSide;
}

/** Which connection a faults function is asked about. */
export interface MemoryConnectionInfo {
  /** The endpoint passed to connect(). */
  readonly endpoint: string;
  /** 0 for the transport's first connect() call, then 1, 2 ... (refused ones count too). */
  readonly index: number;
}

export interface MemoryTransportOptions {
  /** The URL scheme served; default "mem". */
  readonly scheme?: string;
  /** Faults for every connection, or a function choosing them per connection (undefined: none). */
  readonly faults?: MemoryConnectionFaults | ((info: MemoryConnectionInfo) => MemoryConnectionFaults | undefined);
  /** The engine plug-in sockets run over these streams (`zmtpEngine` from @zmq/engine); without one, sockets cannot use it. */
  readonly engine?: EnginePlugin;
}

/** For a transport made without an engine: only its streams can be used, directly. */
const noEngine: EnginePlugin = {
  listen: () => Promise.reject(missingEngine()),
  connect: () => {
    throw missingEngine();
  },
};

function missingEngine(): ZmqError {
  return new ZmqError("EPROTONOSUPPORT", "This memoryTransport was made without an engine: pass { engine: zmtpEngine } from @zmq/engine");
}

/** A connection the transport made: both ends, for tests to inspect or inject faults into. */
export interface MemoryConnection {
  readonly endpoint: string;
  readonly index: number;
  /** The stream connect() returned. */
  readonly connector: MemoryStream;
  /** The stream the listener's onConnection received. */
  readonly acceptor: MemoryStream;
}

/** A {@link StreamTransport} with a view of its state for tests. */
export interface MemoryTransport extends StreamTransport {
  /** Accepted connections, oldest first. */
  readonly connections: readonly MemoryConnection[];
  /** The endpoints listened on now. */
  readonly endpoints: readonly string[];
}

interface Registration {
  readonly url: string;
  readonly onConnection: (stream: ByteStream) => void;
}

/**
 * A stream transport whose endpoints are names in a registry private to this
 * transport instance (two instances never see each other's listeners).
 * `listen("mem://*")` picks a fresh name (`mem://auto-1` ...), as a wildcard
 * port does. A connect to a name nobody listens on closes with ECONNREFUSED.
 *
 * ```ts
 * const transport = memoryTransport({ faults: { chunkSize: 1, delayMs: 2 } });
 * const context = new Context({ transports: [transport] });
 * ```
 */
export function memoryTransport(options: MemoryTransportOptions = {}): MemoryTransport {
  const scheme = options.scheme ?? "mem";
  const registry = new Map<string, Registration>();
  const connections: MemoryConnection[] = [];
  let autoNames = 0;
  let connectCount = 0;

  const faultsFor = (info: MemoryConnectionInfo): MemoryConnectionFaults | undefined =>
    typeof options.faults === "function" ? options.faults(info) : options.faults;

  return {
    apiVersion: TRANSPORT_API_VERSION,
    engine: options.engine ?? noEngine,
    kind: "stream",
    scheme,

    get connections(): readonly MemoryConnection[] {
      return connections;
    },

    get endpoints(): readonly string[] {
      return [...registry.values()].map((r) => r.url);
    },

    listen(endpoint: Endpoint, _options: ListenOptions, onConnection: (stream: ByteStream) => void): Promise<Listener> {
      let name = endpoint.address;
      if (name === "*") {
        do name = `auto-${++autoNames}`;
        while (registry.has(name));
      }
      const url = name === endpoint.address ? endpoint.url : `${endpoint.scheme}://${name}`;
      if (registry.has(name)) return Promise.reject(new ZmqError("EADDRINUSE", undefined, url));
      const registration: Registration = { url, onConnection };
      registry.set(name, registration);
      return Promise.resolve({
        endpoint: url,
        close(): void {
          // Only our own registration: the name may have been listened on again since.
          if (registry.get(name) === registration) registry.delete(name);
        },
      });
    },

    connect(endpoint: Endpoint, _options: ConnectOptions): ByteStream {
      if (endpoint.address === "*") {
        throw new ZmqError("EINVAL", `Cannot connect to a wildcard address: ${JSON.stringify(endpoint.url)}`, endpoint.url);
      }
      const index = connectCount++;
      const { connector: connectorSide, acceptor: acceptorSide, ...both } = faultsFor({ endpoint: endpoint.url, index }) ?? {};
      const [connector, acceptor] = memoryStreamPair({
        ...both,
        endpoint: endpoint.url,
        first: connectorSide ?? {},
        second: acceptorSide ?? {},
      });
      // The listener is looked up later, as a real connect completes later:
      // a listen() in the same tick as the connect() is found.
      queueMicrotask(() => {
        if (connector.closed) return;
        const registration = registry.get(endpoint.address);
        if (!registration) {
          connector.abort("ECONNREFUSED", `connect ECONNREFUSED ${endpoint.url}`);
          return;
        }
        connections.push({ endpoint: endpoint.url, index, connector, acceptor });
        registration.onConnection(acceptor);
        connector.signalConnect();
      });
      return connector;
    },
  };
}
