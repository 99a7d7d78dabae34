// The vocabulary shared by the interop peers: what a peer is, the options its
// sockets take, and the sequence messages and digests the child peers report.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export type PeerKind = "libzmq" | "pyzmq" | "jeromq";
export type PeerSocketType = "PUSH" | "PULL" | "PAIR" | "REQ" | "REP" | "DEALER" | "ROUTER" | "PUB" | "SUB" | "XPUB" | "XSUB";
export type PeerMode = "bind" | "connect";
export type Frame = string | Uint8Array;

/** Options a peer socket may set (libzmq names, milliseconds). */
export interface PeerSocketOptions {
  linger?: number;
  rcvtimeo?: number;
  sndtimeo?: number;
  reconnect_ivl?: number;
  sndhwm?: number;
  rcvhwm?: number;
  /** ZMQ_ROUTING_ID (JeroMQ: ZMQ_IDENTITY). */
  routing_id?: Frame;
  /** ZMQ_CONNECT_ROUTING_ID for the connect (ROUTER; not in JeroMQ 0.3.6). */
  connect_routing_id?: Frame;
  /** ZMQ_PROBE_ROUTER (not in JeroMQ 0.3.6). */
  probe_router?: boolean;
  router_mandatory?: boolean;
  router_handover?: boolean;
  /** ZMQ_REQ_CORRELATE (not in JeroMQ 0.3.6). */
  req_correlate?: boolean;
  /** ZMQ_REQ_RELAXED (not in JeroMQ 0.3.6). */
  req_relaxed?: boolean;
  /** ZMQ_XPUB_VERBOSE: an XPUB passes on every subscription, not only a topic's first. */
  xpub_verbose?: boolean;
  /** ZMQ_CURVE_SERVER: act as a CURVE server (needs curve_secretkey). */
  curve_server?: boolean;
  /** ZMQ_CURVE_PUBLICKEY, as 40 characters of Z85 (a CURVE client's own key). */
  curve_publickey?: string;
  /** ZMQ_CURVE_SECRETKEY, as Z85 (a CURVE server's or client's own secret key). */
  curve_secretkey?: string;
  /** ZMQ_CURVE_SERVERKEY, as Z85: the server's public key; makes the socket a CURVE client. */
  curve_serverkey?: string;
  /** Record the socket's monitor events from the start, for Peer.nextEvent. */
  monitor?: boolean;
}

/** The options a child peer's command line carries as text (Z85), not as hex. */
export const TEXT_OPTIONS: ReadonlySet<string> = new Set(["curve_publickey", "curve_secretkey", "curve_serverkey"]);

/** A CURVE key pair in Z85, as zmq_curve_keypair gives it. */
export interface PeerKeyPair {
  publicKey: string;
  secretKey: string;
}

/** One ZAP request a peer's handler was asked (RFC 27 frames after the request id). */
export interface PeerZapRequest {
  domain: string;
  address: string;
  identity: Buffer;
  mechanism: string;
  credentials: Buffer[];
}

/**
 * A socket event, by zeromq.js's name, as Peer.nextEvent reports it. detail
 * is the ZAP status for handshake:error:auth ("400"), zeromq.js's code for
 * handshake:error:protocol ("ERR_ZMTP_CRYPTOGRAPHIC") and the errno name
 * for handshake:error:other ("EPIPE"); "" for the others.
 */
export type PeerEventType =
  | "connect"
  | "connect:delay"
  | "connect:retry"
  | "bind"
  | "bind:error"
  | "accept"
  | "accept:error"
  | "close"
  | "close:error"
  | "disconnect"
  | "handshake"
  | "handshake:error:other"
  | "handshake:error:protocol"
  | "handshake:error:auth";

/** A real ZeroMQ implementation holding named sockets. */
export interface Peer {
  readonly kind: PeerKind;
  /** The implementation's version (libzmq's, or JeroMQ's own numbering). */
  readonly version: string;
  /** Opens a socket; resolves the endpoint it bound (wildcards resolved) or connected to. */
  open(name: string, type: PeerSocketType, mode: PeerMode, endpoint: string, options?: PeerSocketOptions): Promise<string>;
  /** Connects an open socket to one more endpoint. */
  connect(name: string, endpoint: string): Promise<void>;
  /** Closes one socket (linger 0). */
  close(name: string): Promise<void>;
  /** Sends one multipart message. */
  send(name: string, frames: Frame[]): Promise<void>;
  /** Sends seqMessage(0) ... seqMessage(count - 1). */
  sendSeq(name: string, count: number): Promise<void>;
  /** Sends one message with a frame of random bytes per size; resolves their digests. */
  sendRandom(name: string, sizes: number[]): Promise<string[]>;
  /** Receives one message; resolves the digests of its frames. */
  recv(name: string): Promise<string[]>;
  /** Receives one message; resolves its frames (small messages: they cross stdout in hex). */
  recvFrames(name: string): Promise<Buffer[]>;
  /** Receives count messages and checks that they are seqMessage(0 ... count - 1), in order. */
  recvSeq(name: string, count: number): Promise<void>;
  /** Receives count messages, sending each back as it arrives (with the frame suffix appended, if given). */
  echo(name: string, count: number, suffix?: Frame): Promise<void>;
  /** SUB: ZMQ_SUBSCRIBE each topic ("" is everything). */
  subscribe(name: string, topics: Frame[]): Promise<void>;
  /** SUB: ZMQ_UNSUBSCRIBE each topic. */
  unsubscribe(name: string, topics: Frame[]): Promise<void>;
  /** Sends each frame as a message of its own, in order. */
  sendEach(name: string, frames: Frame[]): Promise<void>;
  /** Receives count messages; resolves the first frame of each, in order. */
  recvFirst(name: string, count: number): Promise<Buffer[]>;
  /** A new CURVE key pair from the peer's own library (zeromq.js curveKeyPair, pyzmq curve_keypair). */
  curveKeyPair(): Promise<PeerKeyPair>;
  /**
   * Binds a ZAP handler at inproc://zeromq.zap.01 in the peer's context: CURVE
   * clients whose public key (Z85) is listed get 200, everyone else 400.
   */
  serveZap(allowed: string[]): Promise<void>;
  /** The ZAP requests the peer's handler has answered so far. */
  zapRequests(): Promise<PeerZapRequest[]>;
  /**
   * The next not yet reported event of `type` on a socket opened with
   * `monitor: true` (waiting for it up to the IO timeout); resolves its detail.
   */
  nextEvent(name: string, type: PeerEventType): Promise<string>;
  /** Ends the peer at once: kills the process, or closes every libzmq socket (linger 0). Idempotent. */
  stop(): Promise<void>;
}

/** How long a peer socket waits in one send or receive before the command fails (ms). */
export const PEER_IO_TIMEOUT = 20_000;
/** Child peers exit by themselves after this long, whatever happens (s). */
export const PEER_HARD_TIMEOUT = 90;

const here = fileURLToPath(new URL(".", import.meta.url));
export const PEERS_DIR = join(here, "..", "peers");
export const PYTHON = "/usr/bin/python3";
export const JEROMQ_JAR = "/usr/share/java/jeromq.jar";

// ---- messages and digests ---------------------------------------------------

/** `LENGTH:SHA256HEX` of one frame, as the child peers report them. */
export function digest(frame: Frame): string {
  const bytes = typeof frame === "string" ? Buffer.from(frame) : frame;
  return `${bytes.length}:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Message i of a sequence: [ascii decimal i, (i % 64) bytes of value i & 0xff]. */
export function seqMessage(i: number): Buffer[] {
  return [Buffer.from(String(i)), Buffer.alloc(i % 64, i & 0xff)];
}

/** Why frames are not seqMessage(i), or undefined when they are. */
export function seqMismatch(frames: Uint8Array[], i: number): string | undefined {
  const want = seqMessage(i);
  if (frames.length !== want.length) return `message ${i} has ${frames.length} frames`;
  for (let k = 0; k < want.length; k++) {
    if (Buffer.compare(frames[k]!, want[k]!) !== 0) {
      return `message ${i} frame ${k} is ${Buffer.from(frames[k]!.subarray(0, 16)).toString("hex")} (${frames[k]!.length} bytes)`;
    }
  }
  return undefined;
}

export const toBuffer = (f: Frame): Buffer => (typeof f === "string" ? Buffer.from(f) : Buffer.from(f.buffer, f.byteOffset, f.byteLength));
/** A frame as a child peer's command line carries it: hex, "-" when empty. */
export const toHex = (f: Frame): string => (toBuffer(f).length === 0 ? "-" : toBuffer(f).toString("hex"));

// ---- CURVE keys, ZAP and monitor events ------------------------------------------------

/** The ZAP handler address (RFC 27). */
export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";

const Z85_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/** Z85 (RFC 32) of bytes whose length is a multiple of 4: written here, so that the peers do not lean on zmq-ts's. */
export function z85(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    let v = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    let chunk = "";
    for (let k = 0; k < 5; k++, v = Math.floor(v / 85)) chunk = Z85_ALPHABET[v % 85]! + chunk;
    out += chunk;
  }
  return out;
}

/** A ZAP request from its frames after the request id: [domain, address, identity, mechanism, credentials...]. */
export function zapRequest(frames: Buffer[]): PeerZapRequest {
  const [domain, address, identity, mechanism, ...credentials] = frames;
  return { domain: String(domain), address: String(address), identity: identity!, mechanism: String(mechanism), credentials };
}

/** The requests of a child peer's `zapreqs` reply: one word each, its frames in hex joined by ",", "-" for empty. */
export function parseZapRequests(reply: string): PeerZapRequest[] {
  const words = reply.split(" ").filter((w) => w !== "");
  return words.map((w) => zapRequest(w.split(",").map((f) => (f === "-" ? Buffer.alloc(0) : Buffer.from(f, "hex")))));
}

/** The CURVE options of a peer socket as zeromq.js names them (only those given). */
export function zeromqCurveOptions(o: PeerSocketOptions): {
  curveServer?: boolean;
  curvePublicKey?: string;
  curveSecretKey?: string;
  curveServerKey?: string;
} {
  const all = {
    curveServer: o.curve_server,
    curvePublicKey: o.curve_publickey,
    curveSecretKey: o.curve_secretkey,
    curveServerKey: o.curve_serverkey,
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
}

/** A peer handler's decision: a CURVE client whose long-term key (Z85) is in `allowed`. */
export function zapAllows(allowed: ReadonlySet<string>, request: PeerZapRequest): boolean {
  const key = request.credentials[0];
  return request.mechanism === "CURVE" && request.credentials.length === 1 && key!.length === 32 && allowed.has(z85(key!));
}

/** A ZAP handler's loop on a ROUTER (zeromq.js's) until it closes: answers zapAllows, records each request in `asked`. */
export async function answerZap(
  router: { receive(): Promise<Buffer[]>; send(frames: (Buffer | string)[]): Promise<void> },
  allowed: ReadonlySet<string>,
  asked: PeerZapRequest[],
): Promise<void> {
  try {
    for (;;) {
      // [routing id, "", "1.0", request id, domain, address, identity, mechanism, credentials...]
      const [route, , version, id, ...rest] = await router.receive();
      const request = zapRequest(rest);
      asked.push(request);
      const ok = zapAllows(allowed, request);
      await router.send([route!, "", version!, id!, ok ? "200" : "400", ok ? "OK" : "Denied", "", ""]);
    }
  } catch {
    // the router was closed
  }
}

/** Every event type a peer reports. */
export const PEER_EVENT_TYPES: readonly PeerEventType[] = [
  "connect",
  "connect:delay",
  "connect:retry",
  "bind",
  "bind:error",
  "accept",
  "accept:error",
  "close",
  "close:error",
  "disconnect",
  "handshake",
  "handshake:error:other",
  "handshake:error:protocol",
  "handshake:error:auth",
];

/** What Peer.nextEvent reports of a zeromq.js event: the ZAP status, the ERR_* code or the errno name. */
export function eventDetail(type: PeerEventType, event: unknown): string {
  const error = (event as { error?: { code?: string; status?: number } }).error;
  return type === "handshake:error:auth" ? String(error?.status ?? "") : (error?.code ?? "");
}

/** A socket's events, queued by type until Peer.nextEvent takes them. */
export class EventLog {
  private readonly queued = new Map<PeerEventType, string[]>();
  private readonly waiting = new Map<PeerEventType, ((detail: string) => void)[]>();

  constructor(private readonly label: string) {}

  record(type: PeerEventType, detail: string): void {
    const waiter = this.waiting.get(type)?.shift();
    if (waiter) waiter(detail);
    else this.queued.set(type, [...(this.queued.get(type) ?? []), detail]);
  }

  /** The oldest event of `type` not yet taken, waiting up to `timeout` ms for one. */
  next(type: PeerEventType, timeout: number): Promise<string> {
    const detail = this.queued.get(type)?.shift();
    if (detail !== undefined) return Promise.resolve(detail);
    return new Promise((resolve, reject) => {
      const waiter = (d: string): void => {
        clearTimeout(timer);
        resolve(d);
      };
      const timer = setTimeout(() => {
        const list = this.waiting.get(type) ?? [];
        list.splice(list.indexOf(waiter), 1);
        reject(new Error(`${this.label}: no ${type} event within ${timeout} ms`));
      }, timeout);
      this.waiting.set(type, [...(this.waiting.get(type) ?? []), waiter]);
    });
  }
}
