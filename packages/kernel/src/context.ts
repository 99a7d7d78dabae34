/**
 * A Context holds the transports its sockets may use, by URL scheme, and
 * per-transport state (such as the inproc endpoint registry). Sockets in
 * different Contexts share nothing.
 */
import { ZmqError } from "./errors.js";
import { type FrameCodec, plainFrames } from "./msg.js";
import type { SecurityMechanism } from "./mechanism.js";
import { TRANSPORT_API_VERSION, type Transport, type TransportContext } from "./transport.js";

export interface ContextOptions {
  /** The transports sockets of this Context may bind and connect with. */
  transports?: readonly Transport[];
  /** How frames are made; @zmq/zeromq passes one that makes Node Buffers. */
  frames?: FrameCodec;
  /** The security mechanisms sockets of this Context may use besides NULL: values exported by mechanism packages. */
  mechanisms?: readonly SecurityMechanism[];
  /**
   * ZMQ_BLOCKY (default true): sockets made afterwards keep linger -1, so
   * messages still queued when the process would exit hold it until they
   * are delivered. false gives new sockets linger 0: exit drops them.
   */
  blocky?: boolean;
  /**
   * Where the sockets' warnings go (an option set after connect or bind,
   * an integer past Number.MAX_SAFE_INTEGER): none by default;
   * @zmq/zeromq's Context passes them to process.emitWarning, as zeromq.js.
   * `kind` "exit": messages queued at exit hold the process (zeromq.js
   * writes that one to stderr itself).
   */
  warn?: (message: string, kind?: "exit") => void;
  /**
   * true: a send() made while another send() of the socket waits throws
   * EBUSY at once, and so does a receive() while another receive() waits,
   * as zeromq.js's do (@zmq/zeromq's Context sets it). false (the default):
   * they wait their turn in order.
   */
  exclusiveOperations?: boolean;
}

/** Gives back the slot of a socket collected without close(). */
const uncollectedSockets =
  typeof FinalizationRegistry === "function" ? /* @__PURE__ */ new FinalizationRegistry<Context>((context) => context.releaseSocket()) : undefined;

const NO_DEFAULTS: Readonly<Record<string, unknown>> = /* @__PURE__ */ Object.freeze({});

export class Context implements TransportContext {
  readonly frames: FrameCodec;
  /** The security mechanisms besides NULL; their options are options of every socket in this Context. */
  readonly mechanisms: readonly SecurityMechanism[];
  /** ZMQ_BLOCKY: false gives sockets made afterwards linger 0 (see ContextOptions.blocky). */
  blocky: boolean;
  /** Takes the sockets' warnings (ContextOptions.warn). */
  readonly warn: (message: string, kind?: "exit") => void;
  /** ContextOptions.exclusiveOperations: concurrent sends or receives throw EBUSY instead of waiting in order. */
  readonly exclusiveOperations: boolean;
  private readonly transports = new Map<string, Transport>();
  private readonly stateByKey = new Map<object, unknown>();
  /** Sockets made on this Context and not yet closed. */
  private openSockets = 0;
  /** The socket limit as read when the first socket was made (libzmq sizes its socket slots then, once). */
  private socketSlots: number | undefined;

  constructor(options: ContextOptions = {}) {
    this.frames = options.frames ?? plainFrames;
    this.mechanisms = [...(options.mechanisms ?? [])];
    this.blocky = options.blocky ?? true;
    this.warn = options.warn ?? (() => {});
    this.exclusiveOperations = options.exclusiveOperations ?? false;
    for (const t of options.transports ?? []) this.use(t);
  }

  /** Adds a transport (replacing one with the same scheme). */
  use(transport: Transport): this {
    const version: number = transport.apiVersion;
    if (version !== TRANSPORT_API_VERSION) {
      throw new ZmqError(
        "EINVAL",
        `Transport for "${String((transport as { scheme?: unknown }).scheme)}" implements transport API ${version}; this kernel speaks ${TRANSPORT_API_VERSION}`,
      );
    }
    this.transports.set(transport.scheme, transport);
    return this;
  }

  /** The schemes this Context can use. */
  get schemes(): string[] {
    return [...this.transports.keys()];
  }

  /** The transport for a scheme; EPROTONOSUPPORT naming the scheme and how to add it. */
  transport(scheme: string, address?: string): Transport {
    const t = this.transports.get(scheme);
    if (t) return t;
    const pkg = ["tcp", "ipc", "inproc"].includes(scheme) ? `@zmq/transport-${scheme}` : `a transport package for "${scheme}"`;
    throw new ZmqError(
      "EPROTONOSUPPORT",
      `Protocol not supported: this Context has no transport for "${scheme}://" (it has ${this.schemes.map((s) => `${s}://`).join(", ") || "none"}); ` +
        `add one with new Context({ transports: [...] }) from ${pkg}, or use @zmq/zeromq whose default Context has tcp, ipc and inproc`,
      address,
    );
  }

  /** Options each socket made on this Context starts with, before its own (none here; @zmq/zeromq's: its ZMQ_IPV6). */
  socketDefaults(): Readonly<Record<string, unknown>> {
    return NO_DEFAULTS;
  }

  /** The most sockets open at once, read when the first socket is made (later changes do not apply, as libzmq's ZMQ_MAX_SOCKETS). */
  protected socketLimit(): number {
    return Number.POSITIVE_INFINITY;
  }

  /**
   * A new socket takes a slot: EMFILE once socketLimit() are open, as libzmq's zmq_socket(). close() gives it
   * back, and so does garbage collection of a socket never closed (as zeromq.js's sockets close when collected).
   */
  claimSocket(socket: object, token: object = socket): void {
    this.socketSlots ??= this.socketLimit();
    if (this.openSockets >= this.socketSlots) {
      throw new ZmqError("EMFILE", `This Context's ${this.socketSlots} sockets (its maxSockets when its first socket was made) are all open`);
    }
    this.openSockets++;
    uncollectedSockets?.register(socket, this, token);
  }

  /** A socket closed (its claim's `token`), or one was collected unclosed: its slot is free again. */
  releaseSocket(token?: object): void {
    if (token) uncollectedSockets?.unregister(token);
    if (this.openSockets > 0) this.openSockets--;
  }

  /** Per-Context state for a transport, made on first use. */
  state<T>(key: object, init: () => T): T {
    let value = this.stateByKey.get(key) as T | undefined;
    if (value === undefined) {
      value = init();
      this.stateByKey.set(key, value);
    }
    return value;
  }
}
