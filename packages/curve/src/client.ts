/**
 * The CURVE client (RFC 26): HELLO, then INITIATE once the server's
 * WELCOME opens, then traffic once its READY opens. It knows the server's
 * long-term public key beforehand and proves its own long-term key with
 * the vouch inside INITIATE. Every check failure is a WireError: the
 * connection drops, nothing throws at the application.
 */
import {
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
import { BOX_OVERHEAD, randomBytes } from "./bytes.js";
import type { CurveCrypto } from "./crypto.js";
import {
  CurveTraffic,
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
  shortNonce,
  writeCounter,
} from "./session.js";

export interface CurveClientKeys {
  /** The server's long-term public key. */
  readonly serverKey: Uint8Array;
  /** This client's long-term key pair. */
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

const HELLO_NAME = prefix("\x05HELLO");
const INITIATE_NAME = prefix("\x08INITIATE");

const enum State {
  SendHello,
  WaitWelcome,
  SendInitiate,
  WaitReady,
  Ready,
}

export class CurveClientMechanism extends MechanismBase implements Mechanism {
  readonly name = "CURVE";
  readonly asServer = false;
  private state = State.SendHello;
  private nonce = 0;
  /** The transient key pair of this connection (C', c'). */
  private readonly transient: { publicKey: Uint8Array; secretKey: Uint8Array };
  /** crypto_box key between C' and the server's long-term key S. */
  private helloKey: Uint8Array | undefined;
  private serverTransient: Uint8Array | undefined;
  private cookie: Uint8Array | undefined;
  /** crypto_box key between C' and S'. */
  private sessionKey: Uint8Array | undefined;
  private traffic: CurveTraffic | undefined;
  private readonly metadata: Uint8Array;

  /**
   * @param alloc makes the frames traffic is decrypted into (Node Buffers in @zmq/zeromq)
   * @param wireAlloc makes the boxes traffic is encrypted into, which only go to the wire (MechanismSetup.wireAlloc)
   */
  constructor(
    private readonly keys: CurveClientKeys,
    properties: MetadataInput,
    private readonly crypto: CurveCrypto,
    private readonly alloc: (size: number) => Uint8Array = (size) => new Uint8Array(size),
    private readonly wireAlloc: (size: number) => Uint8Array = alloc,
  ) {
    super();
    this.transient = crypto.keyPair();
    this.metadata = encodeMetadata(properties);
  }

  nextCommand(): Uint8Array | undefined {
    if (this.state === State.SendHello) {
      this.state = State.WaitWelcome;
      return this.hello();
    }
    if (this.state === State.SendInitiate) {
      this.state = State.WaitReady;
      return this.initiate();
    }
    return undefined;
  }

  processCommand(body: Uint8Array): void {
    this.step(() => this.command(body));
  }

  private command(body: Uint8Array): void {
    const raw = parseCommandBody(body);
    if (raw.name === "ERROR" && this.state !== State.Ready) {
      const cmd = decodeCommand(raw);
      this.fail(peerError("CURVE", cmd?.name === "ERROR" ? cmd.reason : ""));
    }
    if (this.state === State.WaitWelcome && raw.name === "WELCOME") return this.welcome(body);
    if (this.state === State.WaitReady && raw.name === "READY") return this.ready(body);
    const expected = this.state === State.WaitWelcome ? "WELCOME or ERROR" : this.state === State.WaitReady ? "READY or ERROR" : "nothing";
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

  private hello(): Uint8Array {
    try {
      this.helloKey = this.crypto.precompute(this.keys.serverKey, this.transient.secretKey);
    } catch {
      this.fail(cryptographic("the server key is not a usable X25519 public key"));
    }
    const counter = ++this.nonce;
    const out = new Uint8Array(HELLO_SIZE);
    out.set(HELLO_NAME);
    out[6] = 1; // version 1.0
    out[7] = 0;
    // 72 bytes of zeros against amplification, then C'.
    out.set(this.transient.publicKey, 80);
    writeCounter(out, 112, counter);
    out.set(this.crypto.seal(this.helloKey, shortNonce(HELLO_PREFIX, counter), new Uint8Array(64)), 120);
    return out;
  }

  private welcome(body: Uint8Array): void {
    if (body.length !== WELCOME_SIZE) {
      this.fail(malformed("WELCOME", `is ${body.length} bytes, not ${WELCOME_SIZE}`, ProtocolError.ZMTP_MALFORMED_COMMAND_WELCOME));
    }
    const plaintext = this.crypto.open(this.helloKey!, longNonce(WELCOME_PREFIX, body.subarray(8, 24)), body.subarray(24));
    if (!plaintext) this.fail(cryptographic("the WELCOME box does not open (wrong server key?)"));
    this.serverTransient = plaintext.slice(0, 32);
    this.cookie = plaintext.slice(32, 128);
    this.sessionKey = this.crypto.precompute(this.serverTransient, this.transient.secretKey);
    this.state = State.SendInitiate;
  }

  private initiate(): Uint8Array {
    const vouchRandom = randomBytes(16);
    const vouchPlain = new Uint8Array(64);
    vouchPlain.set(this.transient.publicKey);
    vouchPlain.set(this.keys.serverKey, 32);
    const vouch = this.crypto.seal(
      this.crypto.precompute(this.serverTransient!, this.keys.secretKey),
      longNonce(VOUCH_PREFIX, vouchRandom),
      vouchPlain,
    );
    const plaintext = new Uint8Array(32 + 16 + vouch.length + this.metadata.length);
    plaintext.set(this.keys.publicKey);
    plaintext.set(vouchRandom, 32);
    plaintext.set(vouch, 48);
    plaintext.set(this.metadata, 48 + vouch.length);
    const counter = ++this.nonce;
    const box = this.crypto.seal(this.sessionKey!, shortNonce(INITIATE_PREFIX, counter), plaintext);
    const out = new Uint8Array(INITIATE_NAME.length + 96 + 8 + box.length);
    out.set(INITIATE_NAME);
    out.set(this.cookie!, 9);
    writeCounter(out, 105, counter);
    out.set(box, 113);
    this.cookie = undefined;
    return out;
  }

  private ready(body: Uint8Array): void {
    if (body.length < 14 + BOX_OVERHEAD) {
      this.fail(malformed("READY", `is ${body.length} bytes, less than ${14 + BOX_OVERHEAD}`, ProtocolError.ZMTP_MALFORMED_COMMAND_READY));
    }
    const counter = readCounter(body, 6);
    // Opened into a frame of the Context's kind: the Identity property becomes a routing id frame.
    const box = body.subarray(14);
    const plaintext = this.crypto.open(this.sessionKey!, shortNonce(READY_PREFIX, counter), box, this.alloc(box.length + 32));
    if (!plaintext) this.fail(cryptographic("the READY box does not open"));
    this.peerProperties = decodeMetadata(plaintext, 0, plaintext.length, ProtocolError.ZMTP_MALFORMED_COMMAND_READY);
    this.traffic = new CurveTraffic(this.sessionKey!, false, this.nonce, counter, this.alloc, this.crypto, this.wireAlloc);
    this.state = State.Ready;
    this.done = true;
  }
}
