/**
 * The ZMTP greeting, exchanged in stages the way libzmq does it so that
 * ZMTP 1.0, 2.0, 3.0 and 3.1 peers are all recognised:
 *
 *  1. On connect, send the 10-byte signature `FF pad(8) 7F`. The padding is
 *     our identity length + 1 as a BE uint64, which makes the signature a
 *     valid ZMTP 1.0 frame header for our identity.
 *  2. The peer's byte 0 is not 0xFF, or bit 0 of its byte 9 is clear: it is
 *     an unversioned ZMTP 1.0 peer. Send our identity body; everything
 *     received so far is the start of its identity frame.
 *  3. After the peer's 10 versioned bytes, send our major version (0x03).
 *  4. After the peer's byte 10 (its revision):
 *     - 0x00 (1.0) or 0x01 (2.0): send our socket-type byte; the greeting
 *       is 12 bytes; identity frames follow.
 *     - anything else: send the rest of our 64-byte greeting (minor,
 *       mechanism, as-server, filler) and read the peer's 64 bytes.
 *
 * We never wait for the peer's whole greeting before sending our own bytes,
 * and ZmtpConnection sends its first handshake command right after the rest
 * of a 3.x greeting (see `versioned`), where libzmq waits for the peer's
 * whole greeting: a round trip less before a connection is ready. Where
 * legacy peers are refused anyway, none of this is staged: the whole
 * greeting goes at once, and the first command with it.
 */
import { concatBytes, writeAscii, writeU64 } from "./bytes.js";
import { ProtocolError, WireError, hexBytes } from "./errors.js";
import type { Framing } from "./frames.js";
import { type SocketTypeName, socketTypeFromNumber, socketTypeNumber } from "./socket-types.js";

export const GREETING_SIZE = 64;
export const SIGNATURE_SIZE = 10;
const LEGACY_GREETING_SIZE = 12;
const MECHANISM_OFFSET = 12;
const MECHANISM_SIZE = 20;
const AS_SERVER_OFFSET = 32;

export interface GreetingOptions {
  /** Our mechanism: "NULL", "PLAIN", "CURVE" ... (upper-case ASCII, at most 20 characters). */
  mechanism: string;
  /** Our socket type; its number is the 2.0 greeting's socket-type byte. */
  socketType: SocketTypeName;
  /** The as-server byte. libzmq always sends 0; PLAIN/CURVE servers may send 1. Default false. */
  asServer?: boolean;
  /** Our identity length sets the signature padding, as libzmq. Default empty. */
  identity?: Uint8Array;
  /** Our ZMTP minor version. Default 1 (ZMTP 3.1). */
  minor?: number;
  /** Talk to ZMTP 1.0 / 2.0 peers. Default true; libzmq refuses them unless the mechanism is NULL. */
  legacy?: boolean;
}

/** What the peer's greeting told us. */
export interface PeerGreeting {
  /** 1 for unversioned or revision-0 peers, 2 for revision 1, otherwise the major byte. */
  readonly major: number;
  /** The minor byte for 3.x peers; 0 for 1.0 / 2.0. */
  readonly minor: number;
  /** The framing to decode and encode with from here on. */
  readonly framing: Framing;
  /** The peer's mechanism ("NULL" for 1.0 / 2.0 peers). */
  readonly mechanism: string;
  /** The peer's as-server byte (3.x). libzmq never reads it; it is here for the curious. */
  readonly asServer: boolean;
  /** The peer's socket type, from the 2.0 greeting byte. */
  readonly socketType: SocketTypeName | undefined;
  /** Bytes the peer sent after its greeting: the start of its first frame. */
  readonly rest: Uint8Array;
}

export interface GreetingStep {
  /** Bytes to send now, if any. */
  readonly send: Uint8Array | undefined;
  /** Set once the peer's greeting is complete. */
  readonly peer: PeerGreeting | undefined;
}

/** Checks a mechanism name for the greeting field (upper-case letters, digits, '-', '_', '.', '+'). */
function validMechanismName(name: string): boolean {
  if (name.length === 0 || name.length > MECHANISM_SIZE) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f || c === 0x2e || c === 0x2b;
    if (!ok) return false;
  }
  return true;
}

/** Encodes our complete 64-byte ZMTP 3.x greeting (as the staged exchange sends it, byte for byte). */
export function encodeGreeting(options: GreetingOptions): Uint8Array {
  const { mechanism } = options;
  if (!validMechanismName(mechanism)) {
    throw new WireError("EINVAL", `Mechanism name must be 1..20 upper-case characters, got ${JSON.stringify(mechanism)}`, {
      field: "mechanism",
      value: mechanism,
    });
  }
  const minor = options.minor ?? 1;
  if (!Number.isInteger(minor) || minor < 0 || minor > 255) {
    throw new WireError("EINVAL", `Greeting minor version must be 0..255, got ${minor}`, { field: "minor", value: minor });
  }
  const out = new Uint8Array(GREETING_SIZE);
  out[0] = 0xff;
  writeU64(out, 1, (options.identity?.length ?? 0) + 1);
  out[9] = 0x7f;
  out[10] = 3;
  out[11] = minor;
  writeAscii(out, MECHANISM_OFFSET, mechanism);
  out[AS_SERVER_OFFSET] = options.asServer ? 1 : 0;
  return out;
}

const enum Stage {
  Signature,
  Revision,
  Rest,
  Done,
}

/**
 * The greeting exchange for one connection, sans-I/O. Call `start()` when
 * the connection opens and send what it returns; then `feed()` every chunk
 * the peer sends until a step carries `peer`.
 */
export class GreetingExchange {
  private readonly options: GreetingOptions;
  private readonly ours: Uint8Array;
  private readonly got = new Uint8Array(GREETING_SIZE);
  private have = 0;
  private stage = Stage.Signature;
  private expected = SIGNATURE_SIZE;
  private started = false;
  private owed: Uint8Array | undefined = undefined;
  /**
   * ZMTP 1.0/2.0 peers are refused (a mechanism other than NULL, or
   * `legacy: false`): nothing is staged to tell them apart, and the whole
   * greeting goes at once, saving the client a round trip before its first
   * handshake command.
   */
  private readonly legacyRefused: boolean;

  constructor(options: GreetingOptions) {
    this.options = options;
    this.ours = encodeGreeting(options);
    this.legacyRefused = options.legacy === false || options.mechanism !== "NULL";
  }

  /** The bytes to send as soon as the connection opens: the 10-byte signature, or the whole greeting when legacy peers are refused. */
  start(): Uint8Array {
    if (this.started) throw new WireError("EINVAL", "GreetingExchange.start() was already called", { field: "start" });
    this.started = true;
    return this.legacyRefused ? this.ours : this.ours.subarray(0, SIGNATURE_SIZE);
  }

  /**
   * After feed() threw: the part of our greeting the peer's bytes had already
   * called for, so that the peer still reads our whole greeting (and its own
   * reason to refuse, a mechanism mismatch say) before the connection closes,
   * as libzmq's does. Undefined when nothing is owed; given once.
   */
  takeOwed(): Uint8Array | undefined {
    const owed = this.owed;
    this.owed = undefined;
    return owed !== undefined && owed.length > 0 ? owed : undefined;
  }

  /**
   * True once we have sent the rest of our 3.x greeting (the peer's revision
   * byte said 3.x): from then on the framing is ZMTP 3's whatever the rest
   * of the peer's greeting says, so our first handshake command may follow
   * our greeting at once.
   */
  get versioned(): boolean {
    return this.legacyRefused || this.expected === GREETING_SIZE;
  }

  /** True once the peer's greeting is complete. */
  get done(): boolean {
    return this.stage === Stage.Done;
  }

  /** Feeds bytes from the peer. Throws WireError for a greeting this side refuses. */
  feed(chunk: Uint8Array): GreetingStep {
    if (!this.started) throw new WireError("EINVAL", "Call start() and send its bytes before feeding the peer's", { field: "start" });
    if (this.stage === Stage.Done) {
      throw new WireError("EINVAL", "The greeting is complete; feed the frame decoder instead", { field: "stage" });
    }
    const parts: Uint8Array[] = [];
    let pos = 0;
    while (true) {
      const take = Math.min(this.expected - this.have, chunk.length - pos);
      this.got.set(chunk.subarray(pos, pos + take), this.have);
      this.have += take;
      pos += take;
      // ZMTP 1.0: byte 0 is the start of an identity frame, not 0xFF.
      if (this.stage === Stage.Signature && this.have >= 1 && this.got[0] !== 0xff) {
        return this.legacyV1(parts, chunk, pos);
      }
      if (this.have < this.expected) return { send: join(parts), peer: undefined };
      let peer: PeerGreeting | undefined;
      try {
        peer = this.advance(parts, chunk.subarray(pos));
      } catch (error) {
        // The rest of our greeting, due before the peer's was refused, is still owed (takeOwed).
        this.owed = join(parts);
        throw error;
      }
      if (peer) return { send: join(parts), peer };
    }
  }

  private advance(parts: Uint8Array[], rest: Uint8Array): PeerGreeting | undefined {
    const got = this.got;
    switch (this.stage) {
      case Stage.Signature:
        if ((got[9]! & 1) === 0) {
          // Unversioned: the signature we read was a 1.0 identity frame header.
          this.stage = Stage.Done;
          return this.legacyPeer(parts, 1, undefined, concat(got.subarray(0, this.have), rest));
        }
        if (!this.legacyRefused) parts.push(this.ours.subarray(10, 11));
        this.stage = Stage.Revision;
        this.expected = 11;
        return undefined;
      case Stage.Revision: {
        const revision = got[10]!;
        if (revision === 0 || revision === 1) {
          this.refuseLegacy(revision === 0 ? "1.0" : "2.0");
          parts.push(new Uint8Array([socketTypeNumber(this.options.socketType)]));
          this.expected = LEGACY_GREETING_SIZE;
        } else {
          if (!this.legacyRefused) parts.push(this.ours.subarray(11));
          this.expected = GREETING_SIZE;
        }
        this.stage = Stage.Rest;
        return undefined;
      }
      case Stage.Rest: {
        this.stage = Stage.Done;
        const revision = got[10]!;
        if (revision === 0 || revision === 1) {
          const type = got[11]!;
          const socketType = socketTypeFromNumber(type);
          if (socketType === undefined) {
            throw new WireError("ZMTP_BAD_SOCKET_TYPE", `ZMTP ${revision + 1}.0 greeting names unknown socket type ${type}`, {
              field: "socket-type",
              value: type,
              protocolError: ProtocolError.ZMTP_UNSPECIFIED,
            });
          }
          return this.legacyPeer(parts, revision + 1, socketType, rest);
        }
        return this.versionedPeer(rest);
      }
      default:
        throw new WireError("EINVAL", "Greeting exchange is already complete", { field: "stage" });
    }
  }

  private versionedPeer(rest: Uint8Array): PeerGreeting {
    const got = this.got;
    let end = MECHANISM_OFFSET;
    while (end < MECHANISM_OFFSET + MECHANISM_SIZE && got[end] !== 0) end++;
    let mechanism = "";
    for (let i = MECHANISM_OFFSET; i < end; i++) mechanism += String.fromCharCode(got[i]!);
    const field = got.subarray(MECHANISM_OFFSET, MECHANISM_OFFSET + MECHANISM_SIZE);
    let nulPadded = true;
    for (let i = end; i < MECHANISM_OFFSET + MECHANISM_SIZE; i++) if (got[i] !== 0) nulPadded = false;
    if (!nulPadded || !validMechanismName(mechanism)) {
      throw new WireError("ZMTP_BAD_MECHANISM", `Greeting mechanism field is not a mechanism name: ${hexBytes(field, 20)}`, {
        field: "mechanism",
        value: hexBytes(field, 20),
        protocolError: ProtocolError.ZMTP_MECHANISM_MISMATCH,
      });
    }
    if (mechanism !== this.options.mechanism) {
      throw new WireError("ZMTP_MECHANISM_MISMATCH", `Peer uses mechanism ${mechanism}, this socket uses ${this.options.mechanism}`, {
        field: "mechanism",
        value: mechanism,
        protocolError: ProtocolError.ZMTP_MECHANISM_MISMATCH,
      });
    }
    const major = got[10]!;
    const minor = got[11]!;
    return {
      major,
      minor,
      framing: "zmtp3",
      mechanism,
      asServer: got[AS_SERVER_OFFSET] === 1,
      socketType: undefined,
      rest,
    };
  }

  private legacyV1(parts: Uint8Array[], chunk: Uint8Array, pos: number): GreetingStep {
    this.stage = Stage.Done;
    const received = concat(this.got.subarray(0, this.have), chunk.subarray(pos));
    const peer = this.legacyPeer(parts, 1, undefined, received);
    return { send: join(parts), peer };
  }

  private legacyPeer(parts: Uint8Array[], major: number, socketType: SocketTypeName | undefined, rest: Uint8Array): PeerGreeting {
    this.refuseLegacy(`${major}.0`);
    if (socketType === undefined) {
      // Unversioned 1.0: our signature already served as the identity frame's
      // header (its 0x7F byte as the flags), so only the identity body follows.
      const id = this.options.identity;
      if (id && id.length > 0) parts.push(id);
    }
    return {
      major,
      minor: 0,
      framing: major === 2 ? "zmtp2" : "zmtp1",
      mechanism: "NULL",
      asServer: false,
      socketType,
      rest,
    };
  }

  private refuseLegacy(version: string): void {
    if (this.legacyRefused) {
      throw new WireError(
        "ZMTP_UNSUPPORTED_VERSION",
        `Peer speaks ZMTP ${version}; ${this.options.legacy === false ? "legacy peers are refused" : `mechanism ${this.options.mechanism} needs ZMTP 3`}`,
        { field: "version", value: version, protocolError: ProtocolError.ZMTP_UNSPECIFIED },
      );
    }
  }
}

function join(parts: Uint8Array[]): Uint8Array | undefined {
  return parts.length === 0 ? undefined : concatBytes(parts);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/** Describes a greeting for humans: `ZMTP 3.1 NULL as-client`. */
export function describeGreeting(peer: PeerGreeting): string {
  if (peer.framing !== "zmtp3") return `ZMTP ${peer.major}.0${peer.socketType ? ` ${peer.socketType}` : ""}`;
  return `ZMTP ${peer.major}.${peer.minor} ${peer.mechanism} ${peer.asServer ? "as-server" : "as-client"}`;
}
