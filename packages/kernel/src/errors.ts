/**
 * The one error class of the kernel, shaped like zeromq.js's errors: an
 * `Error` with `code`, `errno` and, for endpoint operations, `address`.
 */

/** The errno values zeromq.js reports (Linux numbering; ZeroMQ's own for EFSM, ETERM ...). */
export const Errno = {
  ENOENT: 2,
  EBADF: 9,
  EAGAIN: 11,
  EACCES: 13,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  EMFILE: 24,
  EPIPE: 32,
  ENOTSOCK: 88,
  EMSGSIZE: 90,
  EPROTONOSUPPORT: 93,
  ENOTSUP: 95,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ECONNREFUSED: 111,
  ECONNRESET: 104,
  ETIMEDOUT: 110,
  EHOSTUNREACH: 113,
  EFSM: 156384763,
  ENOCOMPATPROTO: 156384764,
  ETERM: 156384765,
} as const;

export type ErrorCode = keyof typeof Errno;

/** libzmq's messages (zmq_strerror), which zeromq.js passes through. */
export const ErrorMessages: Readonly<Record<ErrorCode, string>> = {
  ENOENT: "No such endpoint",
  EBADF: "Socket is closed",
  EAGAIN: "Operation was not possible or timed out",
  EACCES: "Permission denied",
  EBUSY: "Socket is busy",
  ENODEV: "No such device",
  EINVAL: "Invalid argument",
  EMFILE: "Too many open file descriptors",
  EPIPE: "Broken pipe",
  ENOTSOCK: "Socket operation on non-socket",
  EMSGSIZE: "Message too long",
  EPROTONOSUPPORT: "Protocol not supported",
  ENOTSUP: "Operation not supported",
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Cannot assign requested address",
  ECONNREFUSED: "Connection refused",
  ECONNRESET: "Connection reset by peer",
  ETIMEDOUT: "Connection timed out",
  EHOSTUNREACH: "Host unreachable",
  EFSM: "Operation cannot be accomplished in current state",
  ENOCOMPATPROTO: "The protocol is not compatible with the socket type",
  ETERM: "Context was terminated",
};

const BRAND = Symbol.for("@zmq/kernel.ZmqError");

export class ZmqError extends Error {
  readonly code: ErrorCode;
  readonly errno: number;
  /** The endpoint involved, for bind / connect / unbind / disconnect errors. */
  readonly address: string | undefined;
  /**
   * What went wrong, in full: which option, which value, what was expected,
   * how to fix it. `message` stays zeromq.js's (libzmq's strerror text, or
   * zeromq.js's own wording), so programs that compare messages keep working.
   */
  readonly detail: string | undefined;

  /**
   * @param detail our explanation (kept in `detail`; `message` is zeromq.js's)
   * @param message zeromq.js's message where it is not libzmq's strerror text
   */
  constructor(code: ErrorCode, detail?: string, address?: string, message: string = ErrorMessages[code]) {
    super(message);
    this.name = "ZmqError";
    this.code = code;
    this.errno = Errno[code];
    this.address = address;
    this.detail = detail !== undefined && detail !== message ? detail : undefined;
    if (this.detail === undefined) delete (this as { detail?: string }).detail;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for a ZmqError from any installed copy of @zmq/kernel. */
  static is(error: unknown): error is ZmqError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** True when `error` is a ZmqError (from any copy of the kernel) with that code. */
export function isZmqError(error: unknown, code?: ErrorCode): error is ZmqError {
  return ZmqError.is(error) && (code === undefined || error.code === code);
}

/** Renders a value for an error message. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A constructor's options argument, checked as zeromq.js checks it:
 * undefined or an object, anything else a TypeError ("Options must be an
 * object").
 */
export function optionsObject<T extends object>(options: T | undefined): T | undefined {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw typeError("Options must be an object", `Options must be an object, not ${options === null ? "null" : typeof options}`);
  }
  return options;
}

/**
 * A TypeError as zeromq.js throws it (its `message`), carrying our fuller
 * explanation in `detail`.
 */
export function typeError(message: string, detail?: string): TypeError {
  const error = new TypeError(message);
  if (detail !== undefined && detail !== message) Object.defineProperty(error, "detail", { value: detail, writable: true, configurable: true });
  return error;
}
