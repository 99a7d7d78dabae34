/**
 * The PLAIN mechanism (RFC 24), client and server.
 *
 *   C: HELLO ulen username plen password    S: WELCOME
 *   C: INITIATE properties                  S: READY properties
 *
 * The server asks an authenticator supplied by the caller (libzmq asks its
 * ZAP handler; a PLAIN server without one refuses every client). Status
 * "200" continues with WELCOME; "300" ends the handshake without a word, as
 * libzmq does; "400" and "500" send ERROR with that status first.
 */
import { fromUtf8, toBytes } from "./bytes.js";
import { decodeCommand, encodeCommandBody, encodeReady, parseCommandBody } from "./commands.js";
import { ProtocolError, WireError } from "./errors.js";
import { type Mechanism, MechanismBase, peerError, unexpectedCommand } from "./mechanism.js";
import { decodeMetadata, encodeMetadata, type MetadataInput } from "./metadata.js";

export interface PlainCredentials {
  /** UTF-8 decoded username and password. */
  readonly username: string;
  readonly password: string;
  /** The raw bytes, for credentials that are not text. */
  readonly usernameBytes: Uint8Array;
  readonly passwordBytes: Uint8Array;
  /** The peer's address, when the connection knows it. */
  readonly address: string | undefined;
}

/** An authenticator's verdict: ZAP-style status, with an optional user id for the connection. */
export interface AuthResult {
  readonly status: "200" | "300" | "400" | "500";
  readonly userId?: string;
  /**
   * The ZAP handler's reply was malformed: libzmq's ZMQ_PROTOCOL_ERROR_ZAP_*
   * number. The handshake then fails as a protocol error (no ERROR is sent),
   * whatever `status` says.
   */
  readonly protocolError?: number;
}

/** Decides whether PLAIN credentials are accepted: true / false, or a full AuthResult. */
export type PlainAuthenticator = (credentials: PlainCredentials) => boolean | AuthResult | Promise<boolean | AuthResult>;

export interface PlainClientOptions {
  username: Uint8Array | string;
  password: Uint8Array | string;
}

const enum Client {
  SendHello,
  WaitWelcome,
  SendInitiate,
  WaitReady,
}

export class PlainClientMechanism extends MechanismBase implements Mechanism {
  readonly name = "PLAIN";
  readonly asServer = false;
  private state = Client.SendHello;
  private readonly hello: Uint8Array;
  private readonly properties: Uint8Array;

  constructor(options: PlainClientOptions, properties: MetadataInput) {
    super();
    const username = toBytes(options.username);
    const password = toBytes(options.password);
    for (const [field, value] of [
      ["username", username],
      ["password", password],
    ] as const) {
      if (value.length > 255) {
        throw new WireError("EINVAL", `PLAIN ${field} must be at most 255 bytes, got ${value.length}`, { field, value: value.length });
      }
    }
    const data = new Uint8Array(2 + username.length + password.length);
    data[0] = username.length;
    data.set(username, 1);
    data[1 + username.length] = password.length;
    data.set(password, 2 + username.length);
    this.hello = encodeCommandBody("HELLO", data);
    this.properties = encodeMetadata(properties);
  }

  nextCommand(): Uint8Array | undefined {
    if (this.state === Client.SendHello) {
      this.state = Client.WaitWelcome;
      return this.hello;
    }
    if (this.state === Client.SendInitiate) {
      this.state = Client.WaitReady;
      return encodeCommandBody("INITIATE", this.properties);
    }
    return undefined;
  }

  processCommand(body: Uint8Array): void {
    const raw = parseCommandBody(body);
    if (raw.name === "ERROR" && !this.done) {
      const cmd = decodeCommand(raw);
      this.fail(peerError("PLAIN", cmd?.name === "ERROR" ? cmd.reason : ""));
    }
    if (this.state === Client.WaitWelcome && raw.name === "WELCOME") {
      if (raw.data.length !== 0) {
        this.fail(
          new WireError("ZMTP_MALFORMED_COMMAND", `PLAIN WELCOME must be exactly 8 bytes, got ${body.length}`, {
            field: "WELCOME length",
            value: body.length,
            protocolError: ProtocolError.ZMTP_MALFORMED_COMMAND_WELCOME,
          }),
        );
      }
      this.state = Client.SendInitiate;
      return;
    }
    if (this.state === Client.WaitReady && raw.name === "READY") {
      this.peerProperties = decodeMetadata(raw.data, 0, raw.data.length, ProtocolError.ZMTP_MALFORMED_COMMAND_READY);
      this.done = true;
      return;
    }
    const expected = this.state === Client.WaitWelcome ? "WELCOME or ERROR" : this.state === Client.WaitReady ? "READY or ERROR" : "nothing";
    this.fail(unexpectedCommand("PLAIN", raw.name, expected, ProtocolError.ZMTP_UNEXPECTED_COMMAND));
  }
}

export interface PlainServerOptions {
  /** Decides on each client's credentials. Required: without one libzmq refuses every client too. */
  authenticate: PlainAuthenticator;
  /** Passed to the authenticator. */
  address?: string;
  /** The greeting's as-server byte: libzmq sends 0 (default); RFC 23 says 1. */
  asServerByte?: boolean;
}

const enum Server {
  WaitHello,
  Authenticating,
  SendWelcome,
  WaitInitiate,
  SendReady,
  SendError,
  Finished,
}

export class PlainServerMechanism extends MechanismBase implements Mechanism {
  readonly name = "PLAIN";
  readonly asServer: boolean;
  private state = Server.WaitHello;
  private readonly options: PlainServerOptions;
  private readonly properties: MetadataInput;

  constructor(options: PlainServerOptions, properties: MetadataInput) {
    super();
    if (typeof options.authenticate !== "function") {
      throw new WireError("EINVAL", "A PLAIN server needs an authenticate function", {
        field: "authenticate",
        value: options.authenticate,
      });
    }
    this.options = options;
    this.asServer = options.asServerByte ?? false;
    this.properties = [...properties];
  }

  nextCommand(): Uint8Array | undefined {
    switch (this.state) {
      case Server.SendWelcome:
        this.state = Server.WaitInitiate;
        return encodeCommandBody("WELCOME");
      case Server.SendReady:
        this.state = Server.Finished;
        this.done = true;
        return encodeReady(this.properties);
      case Server.SendError:
        this.state = Server.Finished;
        return this.refuse();
      default:
        return undefined;
    }
  }

  processCommand(body: Uint8Array): void | Promise<void> {
    const raw = parseCommandBody(body);
    if (this.state === Server.WaitHello && raw.name === "HELLO") return this.hello(raw.data);
    if (this.state === Server.WaitInitiate && raw.name === "INITIATE") {
      this.peerProperties = decodeMetadata(raw.data, 0, raw.data.length, ProtocolError.ZMTP_MALFORMED_COMMAND_INITIATE);
      this.state = Server.SendReady;
      return;
    }
    if (raw.name === "ERROR") {
      const cmd = decodeCommand(raw);
      this.fail(peerError("PLAIN", cmd?.name === "ERROR" ? cmd.reason : ""));
    }
    const expected = this.state === Server.WaitHello ? "HELLO" : this.state === Server.WaitInitiate ? "INITIATE" : "nothing";
    this.fail(unexpectedCommand("PLAIN", raw.name, expected, ProtocolError.ZMTP_UNEXPECTED_COMMAND));
  }

  private hello(data: Uint8Array): void | Promise<void> {
    const malformed = (what: string, value: number) =>
      this.fail(
        new WireError("ZMTP_MALFORMED_COMMAND", `PLAIN HELLO ${what}`, {
          field: "HELLO",
          value,
          protocolError: ProtocolError.ZMTP_MALFORMED_COMMAND_HELLO,
        }),
      );
    const ulen = data[0];
    if (ulen === undefined) return malformed("has no username length", 0);
    if (1 + ulen + 1 > data.length) return malformed(`username length ${ulen} runs past the command`, ulen);
    const plen = data[1 + ulen]!;
    if (2 + ulen + plen !== data.length) {
      return malformed(`password length ${plen} does not end the command (${data.length - 2 - ulen} bytes left)`, plen);
    }
    const usernameBytes = data.slice(1, 1 + ulen);
    const passwordBytes = data.slice(2 + ulen);
    const credentials: PlainCredentials = {
      username: fromUtf8(usernameBytes),
      password: fromUtf8(passwordBytes),
      usernameBytes,
      passwordBytes,
      address: this.options.address,
    };
    this.state = Server.Authenticating;
    let verdict: ReturnType<PlainAuthenticator>;
    try {
      verdict = this.options.authenticate(credentials);
    } catch {
      this.decide("500", undefined);
      return;
    }
    if (isPromiseLike(verdict)) {
      return Promise.resolve(verdict).then(
        (v) => this.decide(statusOf(v), typeof v === "object" ? v.userId : undefined, typeof v === "object" ? v.protocolError : undefined),
        () => this.decide("500", undefined),
      );
    }
    this.decide(
      statusOf(verdict),
      typeof verdict === "object" ? verdict.userId : undefined,
      typeof verdict === "object" ? verdict.protocolError : undefined,
    );
  }

  private decide(status: string, userId: string | undefined, protocolError?: number): void {
    const verdict = this.verdict(status, userId, protocolError);
    this.state = verdict === "admit" ? Server.SendWelcome : verdict === "refuse" ? Server.SendError : Server.Finished;
  }
}

/** An authenticator's verdict as a ZAP status. */
export function statusOf(verdict: boolean | AuthResult): string {
  if (verdict === true) return "200";
  if (verdict === false) return "400";
  return verdict.status;
}

export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}
