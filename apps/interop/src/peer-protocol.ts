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
}

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
