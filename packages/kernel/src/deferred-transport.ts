/**
 * A stream transport whose code loads on first use. A Context that offers
 * many transports (the all-in-one package's: tcp, ipc, inproc, ws, wss, udp,
 * epgm) would otherwise compile all of them at import, where most programs
 * use one or two: compiling is most of a cold import in Node.
 *
 * What must answer at once stays here: the scheme, the address check (so
 * `connect()` still refuses a malformed address synchronously) and the
 * socket-type check. The implementation, a whole StreamTransport with its
 * engine, comes from `load()` the first time a socket binds or connects.
 * From then on every call goes straight to it, synchronously, exactly as
 * if it had been passed to the Context itself.
 *
 * The one difference a program can see is the first connect() before the
 * load has finished: the connection (and, without `immediate`, its pipe)
 * starts when the code has loaded, a few milliseconds later, instead of
 * during the call. A close() or disconnect() in between cancels it.
 */
import { ZmqError } from "./errors.js";
import type { EnginePlugin, Endpoint, MessageBinding, MessageConnection, SessionHost, StreamTransport } from "./transport.js";
import { TRANSPORT_API_VERSION } from "./transport.js";

export interface DeferredTransportShape {
  readonly scheme: string;
  /** Throws ZmqError EINVAL for a malformed address, without loading anything. */
  validate(endpoint: Endpoint): void;
  /** Throws ZmqError (ENOCOMPATPROTO ...) when this socket may not bind or connect here, without loading anything. */
  admit?(host: SessionHost, endpoint: Endpoint, op: "bind" | "connect"): void;
}

/** A StreamTransport that loads its implementation on first use; `load()` starts (or joins) that load. */
export interface DeferredTransport<T extends StreamTransport> extends StreamTransport {
  load(): Promise<T>;
}

export function deferredTransport<T extends StreamTransport>(shape: DeferredTransportShape, load: () => Promise<T>): DeferredTransport<T> {
  let real: T | undefined;
  let loading: Promise<T> | undefined;
  const get = (): Promise<T> =>
    (loading ??= load().then(
      (t) => (real = t),
      (error: unknown) => {
        loading = undefined; // a later bind or connect tries again
        throw new ZmqError("EPROTONOSUPPORT", `The ${shape.scheme}:// transport failed to load: ${(error as Error)?.message ?? String(error)}`);
      },
    ));

  const engine: EnginePlugin = {
    async listen(host: SessionHost, _transport: StreamTransport, endpoint: Endpoint): Promise<MessageBinding> {
      shape.admit?.(host, endpoint, "bind");
      const t = real ?? (await get());
      return t.engine.listen(host, t, endpoint);
    },
    connect(host: SessionHost, _transport: StreamTransport, endpoint: Endpoint, fixedRoutingId?: Uint8Array): MessageConnection {
      shape.admit?.(host, endpoint, "connect");
      if (real) return real.engine.connect(host, real, endpoint, fixedRoutingId);
      let inner: MessageConnection | undefined;
      let closed = false;
      get().then(
        (t) => {
          if (closed || host.closed) return;
          try {
            inner = t.engine.connect(host, t, endpoint, fixedRoutingId);
          } catch (error) {
            report(host, endpoint, error);
          }
        },
        (error: unknown) => {
          if (!closed && !host.closed) report(host, endpoint, error);
        },
      );
      return {
        close() {
          closed = true;
          inner?.close();
        },
      };
    },
  };

  return {
    apiVersion: TRANSPORT_API_VERSION,
    kind: "stream",
    scheme: shape.scheme,
    validate: (endpoint) => shape.validate(endpoint),
    engine,
    async listen(...args: Parameters<StreamTransport["listen"]>) {
      const t = real ?? (await get());
      return (t.listen as (...a: unknown[]) => ReturnType<StreamTransport["listen"]>)(...args);
    },
    connect(...args: Parameters<StreamTransport["connect"]>) {
      if (!real) throw new ZmqError("EAGAIN", `The ${shape.scheme}:// transport has not loaded yet: await its load() before asking it for streams`);
      return (real.connect as (...a: unknown[]) => ReturnType<StreamTransport["connect"]>)(...args);
    },
    load: () => (real ? Promise.resolve(real) : get()),
  };
}

/** A deferred connect that could not start: reported as the connection's error, as a failed connect would be. */
function report(host: SessionHost, endpoint: Endpoint, error: unknown): void {
  const e = ZmqError.is(error) ? error : new ZmqError("EPROTONOSUPPORT", (error as Error)?.message ?? String(error));
  host.emit({ type: "close:error", address: endpoint.url, error: { code: e.code, errno: e.errno, message: e.message } });
}
