/**
 * ZAP (RFC 27): how a server's security mechanism (PLAIN, CURVE, any
 * plug-in) asks the application whether to let a client in. The application binds a REP or ROUTER socket at
 * inproc://zeromq.zap.01 in the same Context; each handshake sends it
 *
 *   ["", "1.0", request-id, domain, address, identity, mechanism, credentials...]
 *
 * and waits for ["", "1.0", request-id, status, status-text, user-id, metadata].
 * Status "200" lets the client in; "300" closes silently, "400" / "500"
 * send ERROR. Without a handler, the handshake fails as in libzmq.
 */
import type { MessageTransport, Msg, Pipe, PipeHost, PipeOwner, TransportContext } from "@zmq/kernel";
import { type AuthResult, ProtocolError, decodeMetadata } from "@zmq/wire";

export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";
const ZAP = { scheme: "inproc", address: "zeromq.zap.01", url: ZAP_ENDPOINT };

export interface ZapRequest {
  domain: string;
  address: string;
  /** The server socket's own routing id, as libzmq sends it. */
  identity: Uint8Array;
  mechanism: string;
  /** The mechanism's frames after its name (PLAIN: username, password; CURVE: the client's public key). */
  credentials: readonly Uint8Array[];
}

/** The handler's verdict: "200" lets the client in, with its user id; `protocolError` when the reply was malformed. */
export type ZapReply = AuthResult & { readonly userId: string };

const text = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : "");

/** One per Context: a DEALER-like client of the ZAP handler. */
class ZapClient implements PipeHost, PipeOwner {
  readonly socketType = "DEALER" as const;
  readonly sendHighWaterMark = 0;
  readonly receiveHighWaterMark = 0;
  readonly routingIdBytes = undefined;
  closed = false;
  private pipe: Pipe | undefined;
  private nextId = 1;
  private readonly pending = new Map<string, (reply: ZapReply) => void>();

  constructor(readonly context: TransportContext) {}

  attachPipe(pipe: Pipe): void {
    pipe.owner = this;
    this.pipe = pipe;
    this.drain();
  }

  readActivated(): void {
    this.drain();
  }

  writeActivated(): void {}

  pipeTerminated(pipe: Pipe): void {
    if (pipe !== this.pipe) return;
    this.pipe = undefined;
    for (const resolve of this.pending.values()) resolve({ status: "500", userId: "" });
    this.pending.clear();
  }

  request(transport: MessageTransport, request: ZapRequest): Promise<ZapReply> {
    if (!transport.isBound?.(ZAP, this.context)) return Promise.resolve({ status: "300", userId: "" });
    if (!this.pipe) transport.connect(ZAP, this);
    const id = String(this.nextId++);
    const enc = (s: string) => this.context.frames.fromString(s);
    const msg: Msg = [
      this.context.frames.alloc(0),
      enc("1.0"),
      enc(id),
      enc(request.domain),
      enc(request.address),
      request.identity,
      enc(request.mechanism),
      ...request.credentials,
    ];
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      if (!this.pipe?.write(msg)) {
        this.pending.delete(id);
        resolve({ status: "500", userId: "" });
      }
    });
  }

  private drain(): void {
    const pipe = this.pipe;
    if (!pipe) return;
    for (let msg = pipe.read(); msg !== undefined; msg = pipe.read()) {
      // libzmq gives each handshake its own pipe to the handler, so every reply belongs to the
      // request waiting there. Here one pipe serves them all: a reply goes to the request its id
      // names, else (a reply with a wrong id, or too short to have one) to the oldest waiting.
      const named = msg.length >= 3 ? text(msg[2]) : undefined;
      const id = named !== undefined && this.pending.has(named) ? named : this.pending.keys().next().value;
      if (id === undefined) continue;
      const resolve = this.pending.get(id)!;
      this.pending.delete(id);
      resolve(parseZapReply(msg, named === id));
    }
  }
}

/**
 * Reads a ZAP reply as libzmq checks it, in its order: seven frames, an
 * empty delimiter, version "1.0", the request's id, a status of 200, 300,
 * 400 or 500, and well-formed metadata. Anything else fails the handshake
 * as a protocol error with libzmq's ZMQ_PROTOCOL_ERROR_ZAP_* number.
 */
export function parseZapReply(msg: Msg, idMatches: boolean): ZapReply {
  const fail = (protocolError: number): ZapReply => ({ status: "500", userId: "", protocolError });
  if (msg.length !== 7) return fail(ProtocolError.ZAP_MALFORMED_REPLY);
  if (msg[0]!.length !== 0) return fail(ProtocolError.ZAP_UNSPECIFIED);
  if (text(msg[1]) !== "1.0") return fail(ProtocolError.ZAP_BAD_VERSION);
  if (!idMatches) return fail(ProtocolError.ZAP_BAD_REQUEST_ID);
  const status = text(msg[3]);
  if (status !== "200" && status !== "300" && status !== "400" && status !== "500") return fail(ProtocolError.ZAP_INVALID_STATUS_CODE);
  try {
    decodeMetadata(msg[6]!, 0, msg[6]!.length, ProtocolError.ZAP_INVALID_METADATA);
  } catch {
    return fail(ProtocolError.ZAP_INVALID_METADATA);
  }
  return { status, userId: text(msg[5]) };
}

const clients = /* @__PURE__ */ new WeakMap<TransportContext, ZapClient>();

/** The Context's inproc transport, which ZAP handlers bind with, if it has one. */
function inprocOf(context: TransportContext): MessageTransport | undefined {
  try {
    const t = context.transport("inproc");
    return t.kind === "message" ? t : undefined;
  } catch {
    return undefined;
  }
}

/** True when a ZAP handler is bound in this Context now. */
export function hasZapHandler(context: TransportContext): boolean {
  return inprocOf(context)?.isBound?.(ZAP, context) === true;
}

/** Asks the Context's ZAP handler; "300" (close silently) when there is none. */
export function zapRequest(context: TransportContext, request: ZapRequest): Promise<ZapReply> {
  const transport = inprocOf(context);
  if (!transport) return Promise.resolve({ status: "300", userId: "" });
  let client = clients.get(context);
  if (!client) clients.set(context, (client = new ZapClient(context)));
  return client.request(transport, request);
}
