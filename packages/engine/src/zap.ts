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
import type { AuthResult } from "@zmq/wire";

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

/** The handler's verdict: "200" lets the client in, with its user id. */
export type ZapReply = Required<AuthResult>;

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
      const id = text(msg[2]);
      const resolve = this.pending.get(id);
      // A reply to no request of ours is dropped.
      if (!resolve) continue;
      this.pending.delete(id);
      // A malformed reply (libzmq checks the same fields) fails that request with 500.
      if (msg.length !== 7 || msg[0]!.length !== 0 || text(msg[1]) !== "1.0") {
        resolve({ status: "500", userId: "" });
        continue;
      }
      const status = text(msg[3]);
      resolve({
        status: status === "200" || status === "300" || status === "400" ? status : "500",
        userId: text(msg[5]),
      });
    }
  }
}

const clients = new WeakMap<TransportContext, ZapClient>();

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
