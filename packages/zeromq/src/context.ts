import {
  Context as KernelContext,
  type ContextOptions,
  type FrameCodec,
  ZmqError,
  optionsObject,
  refuseWrites,
  sealInstance,
  typeError,
} from "@zmq/kernel";
import { CONTEXT_OPTION_SPECS, type ContextOptionName, MAX_SOCKETS_LIMIT, checkContextOption, contextOptionName } from "./context-options.js";
import { plain } from "@zmq/plain";
import { inproc } from "@zmq/transport-inproc";
import { ipc } from "@zmq/transport-ipc";
import { tcp } from "@zmq/transport-tcp";
import { pgm } from "@zmq/transport-epgm/pgm";
import { epgm, udp, ws, wss } from "./transports.js";
import { curve } from "./node-curve.js";

/** Frames as Node Buffers, as zeromq.js gives them; views, never copies. */
export const bufferFrames: FrameCodec = {
  fromString: (text) => Buffer.from(text, "utf8"),
  fromBytes: (buffer, byteOffset, byteLength) => Buffer.from(buffer as ArrayBuffer, byteOffset, byteLength),
  isNative: (frame) => Buffer.isBuffer(frame),
  alloc: (size) => Buffer.allocUnsafe(size),
};

/**
 * A Context with tcp, ipc, inproc, ws, wss (connect; bind it with
 * `context.use(wss({ tls }))`), udp (Radio, Dish, Datagram) and epgm (PGM multicast for
 * Publisher and Subscriber; pgm:// is refused: it needs raw sockets), the PLAIN and CURVE security mechanisms, and
 * sockets that send and receive Buffers. Pass `transports` or
 * `mechanisms` to choose others. As zeromq.js's, a socket takes one waiting
 * send() and one waiting receive() at a time (another throws EBUSY); pass
 * `exclusiveOperations: false` to have them wait their turn in order.
 */
export class Context extends KernelContext {
  static {
    refuseWrites(this.prototype, "Context");
  }

  private readonly zmqOptions = new Map<string, unknown>();

  constructor(options: ContextOptions & ZeromqContextOptions = {}) {
    // zeromq.js's checks: one argument, an object.
    if (arguments.length > 1) throw new TypeError(`Expected 1 argument but received ${arguments.length}`);
    optionsObject(options);
    super({
      ...options,
      transports: options.transports ?? [tcp(), ipc(), inproc(), ws(), wss(), udp(), epgm(), pgm()],
      frames: options.frames ?? bufferFrames,
      mechanisms: options.mechanisms ?? [plain, curve],
      // zeromq.js's socket warnings are process warnings; the one at exit it writes to stderr in the same form.
      warn:
        options.warn ??
        ((message, kind) => (kind === "exit" ? process.stderr.write(`(node:${process.pid}) WARNING: ${message}\n`) : process.emitWarning(message))),
      // zeromq.js's sockets allow one waiting send() and one waiting receive(): another throws EBUSY.
      exclusiveOperations: options.exclusiveOperations ?? true,
    });
    for (const [name, spec] of Object.entries(CONTEXT_OPTION_SPECS)) this.zmqOptions.set(name, spec.initial);
    for (const [name, value] of Object.entries(options)) {
      if (KERNEL_KEYS.has(name) || value === undefined) continue;
      // Read-only: its setter throws zeromq.js's TypeError (refuseWrites).
      if (name === "maxSocketsLimit") (this as Record<string, unknown>)[name] = value;
      if (!(name in CONTEXT_OPTION_SPECS))
        throw typeError(`Cannot add property ${name}, object is not extensible`, `Unknown Context option "${name}"`);
      this.setZmqOption(name as ContextOptionName, value);
    }
    sealInstance(this, new.target, Context);
  }

  /** ZMQ_MAX_SOCKETS, which the kernel reads when the first socket is made. */
  protected override socketLimit(): number {
    return this.maxSockets;
  }

  /** What each new socket starts with: this Context's ZMQ_IPV6, which libzmq copies into each socket it makes. */
  override socketDefaults(): Readonly<Record<string, unknown>> {
    return this.ipv6 ? IPV6 : super.socketDefaults();
  }

  /** ZMQ_IO_THREADS (default 1). No effect: there are no I/O threads. */
  get ioThreads(): number {
    return this.zmqOptions.get("ioThreads") as number;
  }
  set ioThreads(value: number) {
    this.setZmqOption("ioThreads", value);
  }

  /** ZMQ_MAX_SOCKETS (default 1023): the most sockets open at once (EMFILE beyond), as set when the first socket is made. */
  get maxSockets(): number {
    return this.zmqOptions.get("maxSockets") as number;
  }
  set maxSockets(value: number) {
    this.setZmqOption("maxSockets", value);
  }

  /** ZMQ_SOCKET_LIMIT: the largest maxSockets libzmq would take (read-only). */
  get maxSocketsLimit(): number {
    return MAX_SOCKETS_LIMIT;
  }

  /** ZMQ_THREAD_PRIORITY (write-only, as in zeromq.js). No effect: there are no I/O threads. */
  get threadPriority(): undefined {
    return undefined;
  }
  set threadPriority(value: number) {
    this.setZmqOption("threadPriority", value);
  }

  /** ZMQ_THREAD_SCHED_POLICY (write-only, as in zeromq.js). No effect: there are no I/O threads. */
  get threadSchedulingPolicy(): undefined {
    return undefined;
  }
  set threadSchedulingPolicy(value: number) {
    this.setZmqOption("threadSchedulingPolicy", value);
  }

  /** ZMQ_MAX_MSGSZ for the whole context (default 2^31 - 1). Stored; each socket's maxMessageSize is what acts. */
  get maxMessageSize(): number {
    return this.zmqOptions.get("maxMessageSize") as number;
  }
  set maxMessageSize(value: number) {
    this.setZmqOption("maxMessageSize", value);
  }

  /** ZMQ_IPV6: the default of sockets made afterwards (each socket's ipv6 is what acts), as libzmq's. */
  get ipv6(): boolean {
    return this.zmqOptions.get("ipv6") as boolean;
  }
  set ipv6(value: boolean) {
    this.setZmqOption("ipv6", value);
  }

  getBoolOption(option: number): boolean {
    return Boolean(this.byName(contextOptionName(option, false)));
  }
  setBoolOption(option: number, value: boolean): void {
    if (typeof value !== "boolean") throw new TypeError("Option value must be a boolean");
    this.setByNumber(option, value);
  }
  getInt32Option(option: number): number {
    const v = this.byName(contextOptionName(option, false));
    return typeof v === "boolean" ? Number(v) : (v as number);
  }
  setInt32Option(option: number, value: number): void {
    if (typeof value !== "number") throw new TypeError("Option value must be a number");
    this.setByNumber(option, value);
  }

  private byName(name: string): unknown {
    return (this as unknown as Record<string, unknown>)[name];
  }

  private setByNumber(option: number, value: number | boolean): void {
    const name = contextOptionName(option, true);
    if (name === "maxSocketsLimit") throw new ZmqError("EINVAL", "maxSocketsLimit is read-only");
    const spec = name === "blocky" ? undefined : CONTEXT_OPTION_SPECS[name];
    const converted = spec?.kind === "bool" || name === "blocky" ? Boolean(value) : Number(value);
    (this as unknown as Record<string, unknown>)[name] = converted;
  }

  private setZmqOption(name: ContextOptionName, value: unknown): void {
    checkContextOption(name, value);
    this.zmqOptions.set(name, CONTEXT_OPTION_SPECS[name].writeOnly ? undefined : value);
  }
}

/** zeromq.js's Context options (see context-options.ts: accepted and stored, no effect here). */
export interface ZeromqContextOptions {
  ioThreads?: number;
  maxSockets?: number;
  threadPriority?: number;
  threadSchedulingPolicy?: number;
  maxMessageSize?: number;
  ipv6?: boolean;
}

/** The options the kernel's Context takes itself. */
const IPV6: Readonly<Record<string, unknown>> = /* @__PURE__ */ Object.freeze({ ipv6: true });

const KERNEL_KEYS = /* @__PURE__ */ new Set(["transports", "frames", "mechanisms", "blocky", "warn", "exclusiveOperations"]);

let shared: Context | undefined;

/** The Context sockets use when none is given (made on first use). */
export function defaultContext(): Context {
  return (shared ??= new Context());
}
