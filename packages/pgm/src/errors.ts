/** Error codes of @zmq/pgm: EPROTO for a packet to drop, EINVAL for a bad argument, EMSGSIZE for an APDU too large. */
export type PgmErrorCode = "EPROTO" | "EINVAL" | "EMSGSIZE";

/** What @zmq/pgm throws, with a stable `code`. */
export class PgmError extends Error {
  override readonly name = "PgmError";
  constructor(
    readonly code: PgmErrorCode,
    message: string,
  ) {
    super(message);
  }
}
