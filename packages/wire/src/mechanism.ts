/**
 * The security-mechanism interface (RFC 23 §"Authentication and
 * Confidentiality"). A mechanism is a state machine that the connection
 * drives after the greeting: it asks for the next command to send, hands
 * over each command the peer sent, and reads the status. NULL and PLAIN
 * live in this package; CURVE plugs into the same interface.
 */
import { encodeCommand } from "./commands.js";
import { WireError } from "./errors.js";
import type { Metadata } from "./metadata.js";

export type MechanismStatus = "handshaking" | "ready" | "error";

/** One frame as an encrypting mechanism sees it: the body and MORE / COMMAND flags. */
export interface PlainFrame {
  readonly body: Uint8Array;
  /** FLAG_MORE and/or FLAG_COMMAND, in the ZMTP header's bit positions. */
  readonly flags: number;
}

export interface Mechanism {
  /** The name sent in the greeting ("NULL", "PLAIN", ...). */
  readonly name: string;
  /** The greeting's as-server byte. */
  readonly asServer: boolean;
  /** "ready" once both sides finished the handshake; "error" once it failed (see `error`). */
  readonly status: MechanismStatus;
  /** Why the handshake failed. */
  readonly error: WireError | undefined;
  /** The properties the peer sent (READY or INITIATE). */
  readonly peerProperties: Metadata;
  /** The authenticated user id (server side), "" otherwise. */
  readonly userId: string;
  /** The next command frame body to send, or undefined when nothing is due now. */
  nextCommand(): Uint8Array | undefined;
  /**
   * Processes a command frame body from the peer. May return a promise (a
   * server waiting for its authenticator); the caller then asks for
   * `nextCommand()` again once it settles. Throws WireError for bad input.
   */
  processCommand(body: Uint8Array): void | Promise<void>;
  /**
   * A wait of the mechanism's own, not caused by a peer command (a NULL
   * socket's ZAP request): given once; the caller asks for `nextCommand()`
   * again once it settles.
   */
  pending?(): Promise<void> | undefined;
  /** Encrypting mechanisms: wraps one outgoing frame into the body of a data frame. */
  wrapFrame?(frame: PlainFrame): Uint8Array;
  /** Encrypting mechanisms: unwraps one incoming data frame body. */
  unwrapFrame?(body: Uint8Array): PlainFrame;
  /**
   * True when what `unwrapFrame` returns never shares memory with its input
   * (it decrypts into a buffer of its own): the connection then decodes
   * large frames into `wireAlloc`'s memory and lends it again once
   * unwrapped.
   */
  readonly unwrapCopies?: boolean;
}

/** Shared bookkeeping for mechanisms: status, error, peer properties. */
export abstract class MechanismBase {
  abstract readonly name: string;
  abstract readonly asServer: boolean;
  peerProperties: Metadata = new Map();
  userId = "";
  error: WireError | undefined = undefined;
  protected done = false;

  get status(): MechanismStatus {
    if (this.error) return "error";
    return this.done ? "ready" : "handshaking";
  }

  protected fail(error: WireError): never {
    this.error = error;
    throw error;
  }

  /** Runs one handshake step: a failure (a WireError) is final, and every later step throws it again. */
  protected step<T>(run: () => T): T {
    if (this.error) throw this.error;
    try {
      return run();
    } catch (error) {
      if (WireError.is(error)) this.error = error;
      throw error;
    }
  }

  /** The status of a refused client, for the ERROR a server sends. */
  private refusal = "400";

  /**
   * A server takes its authenticator's (ZAP's) status as libzmq's do: "200"
   * admits the client with its user id; "300" fails the handshake at once,
   * without a word; "400" and "500" (anything else counts as 400) leave an
   * ERROR to send first (`refuse()`).
   */
  protected verdict(status: string, userId: string | undefined, protocolError?: number): "admit" | "refuse" | "closed" {
    if (protocolError !== undefined) {
      // The ZAP handler answered with a malformed reply: a protocol error, closed without ERROR, as libzmq.
      this.error = new WireError("ZMTP_BAD_ZAP_REPLY", `${this.name} handshake: the ZAP handler's reply was malformed`, {
        field: "ZAP reply",
        value: status,
        protocolError,
      });
      return "closed";
    }
    if (status === "200") {
      this.userId = userId ?? "";
      return "admit";
    }
    if (status === "300") {
      this.error = new WireError("ZMTP_AUTH_FAILED", `${this.name} authentication failed temporarily (status 300)`, {
        field: "status",
        value: status,
        status,
      });
      return "closed";
    }
    this.refusal = status === "500" ? "500" : "400";
    return "refuse";
  }

  /** The ERROR command for a refused client; the handshake has failed once it is sent. */
  protected refuse(): Uint8Array {
    const status = this.refusal;
    this.error = new WireError("ZMTP_AUTH_FAILED", `${this.name} authentication refused with status ${status}`, {
      field: "status",
      value: status,
      status,
    });
    return encodeCommand({ name: "ERROR", reason: status });
  }
}

/** The error for a command that is not the one the handshake expects. */
export function unexpectedCommand(mechanism: string, name: string, expected: string, protocolError: number): WireError {
  return new WireError("ZMTP_UNEXPECTED_COMMAND", `${mechanism} handshake expected ${expected}, got ${JSON.stringify(name)}`, {
    field: "command",
    value: name,
    protocolError,
  });
}

/** The error for an ERROR command received during a handshake. */
export function peerError(mechanism: string, reason: string): WireError {
  const auth = reason === "300" || reason === "400" || reason === "500";
  return new WireError(auth ? "ZMTP_AUTH_FAILED" : "ZMTP_PEER_ERROR", `${mechanism} handshake: peer sent ERROR ${JSON.stringify(reason)}`, {
    field: "reason",
    value: reason,
    ...(auth ? { status: reason } : {}),
  });
}
