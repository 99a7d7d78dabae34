/**
 * The CURVE server (RFC 26). On HELLO it makes this connection's transient
 * key pair and a cookie (its own transient secret and the client's
 * transient key, boxed under a random key it forgets once INITIATE comes
 * back), answers WELCOME, then checks INITIATE: the cookie, the vouch that
 * binds the client's long-term key to this connection, and asks ZAP about
 * that key. READY follows a 200; 300 closes silently; 400 and 500 send
 * ERROR first, as libzmq does. Without a ZAP handler every client with a
 * valid vouch is let in, as in libzmq.
 */
import {
  type AuthResult,
  type Mechanism,
  MechanismBase,
  type MetadataInput,
  type PlainFrame,
  ProtocolError,
  decodeCommand,
  decodeMetadata,
  encodeMetadata,
  parseCommandBody,
  peerError,
  unexpectedCommand,
} from "@zmq/wire";
import { randomBytes } from "./bytes.js";
import type { CurveCrypto } from "./crypto.js";
import {
  CurveTraffic,
  COOKIE_PREFIX,
  HELLO_PREFIX,
  HELLO_SIZE,
  INITIATE_PREFIX,
  READY_PREFIX,
  VOUCH_PREFIX,
  WELCOME_PREFIX,
  WELCOME_SIZE,
  cryptographic,
  longNonce,
  malformed,
  prefix,
  readCounter,
  sameKey,
  shortNonce,
  writeCounter,
} from "./session.js";

export interface CurveServerOptions {
  /** The server's long-term key pair. */
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
  /** Asks ZAP about the client's long-term public key; undefined when no handler is bound. */
  readonly authenticate: (credentials: readonly Uint8Array[]) => Promise<AuthResult | undefined>;
}

const WELCOME_NAME = prefix("\x07WELCOME");
const READY_NAME = prefix("\x05READY");
/** INITIATE without metadata: name (9), cookie (96), nonce (8), box of C + vouch nonce + vouch (16 + 128). */
const INITIATE_MIN = 257;

const enum State {
  WaitHello,
  SendWelcome,
  WaitInitiate,
  Authenticating,
  SendReady,
  SendError,
  Finished,
}

export class CurveServerMechanism extends MechanismBase implements Mechanism {
  readonly name = "CURVE";
  /** libzmq writes 0 in the greeting's as-server field whatever the role. */
  readonly asServer = false;
  private state = State.WaitHello;
  private nonce = 0;
  private peerNonce = 0;
  private clientTransient: Uint8Array | undefined;
  private transient: { publicKey: Uint8Array; secretKey: Uint8Array } | undefined;
  private cookieKey: Uint8Array | undefined;
  /** crypto_box key between S' and C'. */
  private sessionKey: Uint8Array | undefined;
  private welcomeBody: Uint8Array | undefined;
  private traffic: CurveTraffic | undefined;

  /**
   * @param alloc makes the frames traffic is decrypted into (Node Buffers in @zmq/zeromq)
   * @param wireAlloc makes the boxes traffic is encrypted into, which only go to the wire (MechanismSetup.wireAlloc)
   */
  constructor(
    private readonly options: CurveServerOptions,
    private readonly properties: MetadataInput,
    private readonly crypto: CurveCrypto,
    private readonly alloc: (size: number) => Uint8Array = (size) => new Uint8Array(size),
    private readonly wireAlloc: (size: number) => Uint8Array = alloc,
  ) {
    super();
  }

  nextCommand(): Uint8Array | undefined {
    switch (this.state) {
      case State.SendWelcome: {
        this.state = State.WaitInitiate;
        const body = this.welcomeBody;
        this.welcomeBody = undefined;
        return body;
      }
      case State.SendReady:
        this.state = State.Finished;
        return this.ready();
      case State.SendError:
        this.state = State.Finished;
        return this.refuse();
      default:
        return undefined;
    }
  }

  processCommand(body: Uint8Array): void | Promise<void> {
    return this.step(() => this.command(body));
  }

  private command(body: Uint8Array): void | Promise<void> {
    const raw = parseCommandBody(body);
    if (this.state === State.WaitHello && raw.name === "HELLO") return this.hello(body);
    if (this.state === State.WaitInitiate && raw.name === "INITIATE") return this.initiate(body);
    if (raw.name === "ERROR") {
      const cmd = decodeCommand(raw);
      this.fail(peerError("CURVE", cmd?.name === "ERROR" ? cmd.reason : ""));
    }
    const expected = this.state === State.WaitHello ? "HELLO" : this.state === State.WaitInitiate ? "INITIATE" : "nothing";
    this.fail(unexpectedCommand("CURVE", raw.name, expected, ProtocolError.ZMTP_UNEXPECTED_COMMAND));
  }

  wrapFrame(frame: PlainFrame): Uint8Array {
    return this.traffic!.wrap(frame);
  }

  /** MESSAGE boxes open into buffers of their own (CurveCrypto.open's `output`), never views of the box. */
  readonly unwrapCopies = true;

  unwrapFrame(body: Uint8Array): PlainFrame {
    return this.traffic!.unwrap(body);
  }

  private hello(body: Uint8Array): void {
    if (body.length !== HELLO_SIZE) {
      this.fail(malformed("HELLO", `is ${body.length} bytes, not ${HELLO_SIZE}`, ProtocolError.ZMTP_MALFORMED_COMMAND_HELLO));
    }
    if (body[6] !== 1 || body[7] !== 0) {
      this.fail(malformed("HELLO", `has version ${body[6]}.${body[7]}, not 1.0`, ProtocolError.ZMTP_MALFORMED_COMMAND_HELLO));
    }
    const clientTransient = body.slice(80, 112);
    const counter = readCounter(body, 112);
    let helloKey: Uint8Array;
    try {
      helloKey = this.crypto.precompute(clientTransient, this.options.secretKey);
    } catch {
      this.fail(cryptographic("the client's transient key is not a usable X25519 key"));
    }
    const signature = this.crypto.open(helloKey, shortNonce(HELLO_PREFIX, counter), body.subarray(120));
    if (!signature) this.fail(cryptographic("the HELLO box does not open (the client has the wrong server key?)"));
    this.clientTransient = clientTransient;
    this.peerNonce = counter;
    const transient = this.crypto.keyPair();
    this.transient = transient;
    // The cookie: C' and s', boxed under a key only this connection knows, for a moment.
    this.cookieKey = randomBytes(32);
    const cookieNonce = randomBytes(16);
    const cookiePlain = new Uint8Array(64);
    cookiePlain.set(clientTransient);
    cookiePlain.set(transient.secretKey, 32);
    const cookie = new Uint8Array(96);
    cookie.set(cookieNonce);
    cookie.set(this.crypto.seal(this.cookieKey, longNonce(COOKIE_PREFIX, cookieNonce), cookiePlain), 16);
    const welcomePlain = new Uint8Array(128);
    welcomePlain.set(transient.publicKey);
    welcomePlain.set(cookie, 32);
    const welcomeNonce = randomBytes(16);
    const out = new Uint8Array(WELCOME_SIZE);
    out.set(WELCOME_NAME);
    out.set(welcomeNonce, 8);
    out.set(this.crypto.seal(helloKey, longNonce(WELCOME_PREFIX, welcomeNonce), welcomePlain), 24);
    this.welcomeBody = out;
    this.state = State.SendWelcome;
  }

  private initiate(body: Uint8Array): void | Promise<void> {
    if (body.length < INITIATE_MIN) {
      this.fail(malformed("INITIATE", `is ${body.length} bytes, less than ${INITIATE_MIN}`, ProtocolError.ZMTP_MALFORMED_COMMAND_INITIATE));
    }
    const cookieKey = this.cookieKey;
    // The cookie key is needed once: forget it now, whatever follows.
    this.cookieKey = undefined;
    if (!cookieKey) this.fail(cryptographic("a second INITIATE: this connection's cookie was used"));
    const cookie = this.crypto.open(cookieKey, longNonce(COOKIE_PREFIX, body.subarray(9, 25)), body.subarray(25, 105));
    cookieKey.fill(0);
    if (!cookie || !sameKey(cookie.subarray(0, 32), this.clientTransient!) || !sameKey(cookie.subarray(32, 64), this.transient!.secretKey)) {
      this.fail(cryptographic("the INITIATE cookie is not this connection's"));
    }
    const counter = readCounter(body, 105);
    if (counter <= this.peerNonce) {
      this.fail(malformed("INITIATE", `nonce ${counter} is not above HELLO's (${this.peerNonce})`, ProtocolError.ZMTP_INVALID_SEQUENCE));
    }
    this.sessionKey = this.crypto.precompute(this.clientTransient!, this.transient!.secretKey);
    // Opened into a frame of the Context's kind: the Identity property becomes a routing id frame.
    const box = body.subarray(113);
    const plaintext = this.crypto.open(this.sessionKey, shortNonce(INITIATE_PREFIX, counter), box, this.alloc(box.length + 32));
    if (!plaintext) this.fail(cryptographic("the INITIATE box does not open"));
    this.peerNonce = counter;
    const clientKey = plaintext.slice(0, 32);
    let vouchKey: Uint8Array;
    try {
      vouchKey = this.crypto.precompute(clientKey, this.transient!.secretKey);
    } catch {
      this.fail(cryptographic("the client's long-term key is not a usable X25519 key"));
    }
    const vouch = this.crypto.open(vouchKey, longNonce(VOUCH_PREFIX, plaintext.subarray(32, 48)), plaintext.subarray(48, 128));
    if (!vouch || !sameKey(vouch.subarray(0, 32), this.clientTransient!) || !sameKey(vouch.subarray(32, 64), this.options.publicKey)) {
      this.fail(cryptographic("the INITIATE vouch does not bind the client's key to this connection"));
    }
    this.peerProperties = decodeMetadata(plaintext, 128, plaintext.length, ProtocolError.ZMTP_MALFORMED_COMMAND_INITIATE);
    this.state = State.Authenticating;
    return this.options.authenticate([clientKey]).then(
      (result) => this.decide(result?.status ?? "200", result?.userId, result?.protocolError),
      () => this.decide("500", undefined),
    );
  }

  private decide(status: string, userId: string | undefined, protocolError?: number): void {
    const verdict = this.verdict(status, userId, protocolError);
    this.state = verdict === "admit" ? State.SendReady : verdict === "refuse" ? State.SendError : State.Finished;
  }

  private ready(): Uint8Array {
    const counter = ++this.nonce;
    const box = this.crypto.seal(this.sessionKey!, shortNonce(READY_PREFIX, counter), encodeMetadata(this.properties));
    const out = new Uint8Array(READY_NAME.length + 8 + box.length);
    out.set(READY_NAME);
    writeCounter(out, 6, counter);
    out.set(box, 14);
    this.traffic = new CurveTraffic(this.sessionKey!, true, counter, this.peerNonce, this.alloc, this.crypto, this.wireAlloc);
    this.done = true;
    return out;
  }
}
