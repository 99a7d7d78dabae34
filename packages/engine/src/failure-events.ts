/**
 * The monitor events libzmq emits when a connection fails, from an engine's
 * failure: handshake:error:auth with the ZAP status, handshake:error:protocol
 * with zeromq.js's ERR_* code, handshake:error:other for timeouts and drops
 * during the handshake.
 */
import { Errno, type EngineFailure, type SessionHost, type StreamError } from "@zmq/kernel";
import { ProtocolError } from "@zmq/wire";

/** zeromq.js's ProtoError code for a libzmq protocol error number. */
export function protocolErrorCode(n: number | undefined): string {
  for (const [name, value] of Object.entries(ProtocolError)) if (value === n) return `ERR_${name}`;
  return n === undefined ? "ERR_ZMTP_UNSPECIFIED" : "ERR_UNKNOWN";
}

export function errnoOf(code: string | undefined): number {
  return code !== undefined && code in Errno ? Errno[code as keyof typeof Errno] : 0;
}

/** The error a connection failure reports; a peer that just hung up is EPIPE, as libzmq says. */
function eventError(error: StreamError | undefined): { code: string; errno: number; message: string } {
  const code = error?.code ?? "EPIPE";
  return { code, errno: errnoOf(code), message: error?.message ?? "Broken pipe" };
}

/** Emits the handshake events libzmq emits for an engine failure. */
export function emitFailure(host: SessionHost, address: string, failure: EngineFailure): void {
  if (failure.reason === "protocol") {
    const e = failure.error;
    if (e.code === "ZMTP_AUTH_FAILED" && e.status !== undefined) {
      const status = Number(e.status);
      const message = status === 300 ? "Temporary error" : status === 500 ? "Internal error" : "Authentication failure";
      host.emit({ type: "handshake:error:auth", address, error: { code: "EACCES", errno: 13, message, status } });
    } else if (failure.handshaking || e.protocolError !== undefined) {
      const n = e.protocolError ?? (failure.handshaking ? 0x10000000 : undefined);
      const code = protocolErrorCode(n);
      // zeromq.js's message names the protocol only; what went wrong is the error's `detail`.
      const message = code.startsWith("ERR_ZAP_") ? "ZAP protocol error" : "ZMTP protocol error";
      host.emit({ type: "handshake:error:protocol", address, error: { code, errno: 0, message, detail: e.message } });
    }
  } else if (failure.handshaking) {
    const error =
      failure.reason === "timeout" ? { code: "EAGAIN", errno: 11, message: "Operation was not possible or timed out" } : eventError(failure.error);
    host.emit({ type: "handshake:error:other", address, error });
  }
}
