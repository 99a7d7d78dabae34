/**
 * The NULL mechanism (RFC 23): each side sends READY with its properties at
 * once (as libzmq does, not client first) and is ready when the peer's READY
 * has arrived. A side given an authenticator (a socket with a ZAP domain,
 * RFC 27) asks it first, as libzmq's NULL does, and sends READY only if it
 * admits the peer: ERROR with the status otherwise, or nothing for 300.
 */
import { decodeCommand, encodeReady, parseCommandBody } from "./commands.js";
import { ProtocolError } from "./errors.js";
import { type Mechanism, MechanismBase, peerError, unexpectedCommand } from "./mechanism.js";
import type { MetadataInput } from "./metadata.js";
import { type AuthResult, isPromiseLike, statusOf } from "./plain-mechanism.js";

/** Decides whether a NULL peer is admitted (ZAP with no credentials): true / false, or a full AuthResult. */
export type NullAuthenticator = () => boolean | AuthResult | PromiseLike<boolean | AuthResult>;

export class NullMechanism extends MechanismBase implements Mechanism {
  readonly name = "NULL";
  readonly asServer = false;
  private ready: Uint8Array | undefined;
  private received = false;
  /** The authenticator's verdict while it is awaited. */
  private deciding: Promise<void> | undefined;
  /** Whether the connection was given `deciding` to wait on already. */
  private awaited = false;
  /** Refused: ERROR is the next command. */
  private refused = false;

  /** The authenticator, until pending() asks it: after a whole ZMTP 3 greeting, as libzmq asks. */
  private authenticate: NullAuthenticator | undefined;

  /** @param properties ours, in wire order: Socket-Type, Identity, X-... */
  constructor(properties: MetadataInput, authenticate?: NullAuthenticator) {
    super();
    this.ready = encodeReady(properties);
    this.authenticate = authenticate;
  }

  nextCommand(): Uint8Array | undefined {
    // Not asked yet: nothing goes before the verdict (the connection asks through pending(), after a whole greeting).
    if (this.authenticate !== undefined || this.deciding !== undefined || this.error) return undefined;
    if (this.refused) {
      this.refused = false;
      this.ready = undefined;
      return this.refuse();
    }
    const ready = this.ready;
    this.ready = undefined;
    if (ready && this.received) this.done = true;
    return ready;
  }

  /**
   * Asks the authenticator, the first time; then its verdict, once, for the connection to wait on before it asks
   * for the next command (already settled when the authenticator answered at once).
   */
  pending(): Promise<void> | undefined {
    if (this.authenticate !== undefined) {
      this.askNow();
      if (this.deciding === undefined) return Promise.resolve();
    }
    if (this.deciding === undefined || this.awaited) return undefined;
    this.awaited = true;
    return this.deciding;
  }

  processCommand(body: Uint8Array): void | Promise<void> {
    const raw = parseCommandBody(body);
    if (this.received) {
      this.fail(unexpectedCommand("NULL", raw.name, "nothing after READY", ProtocolError.ZMTP_UNEXPECTED_COMMAND));
    }
    if (raw.name === "ERROR") {
      const cmd = decodeCommand(raw);
      this.fail(peerError("NULL", cmd?.name === "ERROR" ? cmd.reason : ""));
    }
    if (raw.name !== "READY") {
      this.fail(unexpectedCommand("NULL", raw.name, "READY or ERROR", ProtocolError.ZMTP_UNEXPECTED_COMMAND));
    }
    const cmd = decodeCommand(raw);
    if (cmd?.name === "READY") this.peerProperties = cmd.properties;
    this.received = true;
    if (this.ready === undefined && this.deciding === undefined && !this.refused) this.done = true;
    return this.pending();
  }

  private askNow(): void {
    const authenticate = this.authenticate;
    if (authenticate === undefined) return;
    this.authenticate = undefined;
    const decideBy = (verdict: boolean | AuthResult) =>
      this.decide(
        statusOf(verdict),
        typeof verdict === "object" ? verdict.userId : undefined,
        typeof verdict === "object" ? verdict.protocolError : undefined,
      );
    let verdict: ReturnType<NullAuthenticator>;
    try {
      verdict = authenticate();
      if (!isPromiseLike(verdict)) return decideBy(verdict);
    } catch {
      // An authenticator that throws or answers nonsense refuses, as a ZAP handler's internal error (500) does.
      return this.decide("500", undefined);
    }
    // Never rejects: a connection closed meanwhile leaves nobody to handle a rejection.
    this.deciding = Promise.resolve(verdict)
      .then(decideBy)
      .catch(() => this.decide("500", undefined));
  }

  private decide(status: string, userId: string | undefined, protocolError?: number): void {
    this.deciding = undefined;
    const verdict = this.verdict(status, userId, protocolError);
    if (verdict === "refuse") this.refused = true;
  }
}
