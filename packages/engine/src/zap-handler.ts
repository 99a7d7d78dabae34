/**
 * A ready-made ZAP handler (RFC 27): binds inproc://zeromq.zap.01 in a
 * Context and answers every request with what `decide` says, so that an
 * application admits clients with a callback (or an allow-list of CURVE
 * keys) instead of writing the ZAP protocol by hand. It stands where a REP
 * or ROUTER socket would, at the pipe level, with no socket of its own.
 */
import type { Msg, Pipe, PipeHost, PipeOwner, TransportContext } from "@zmq/kernel";
import { ZmqError, parseEndpoint } from "@zmq/kernel";
import { ZAP_ENDPOINT, type ZapRequest } from "./zap.js";

/** What a handler decides: let the client in ("200", with a user id) or not. */
export interface ZapVerdict {
  readonly status: "200" | "300" | "400" | "500";
  /** Text for the log of the server side; default "OK" or "Denied". */
  readonly text?: string;
  /** The user id the connection gets on "200". */
  readonly userId?: string;
}

export type ZapDecider = (request: ZapRequest) => ZapVerdict | boolean | Promise<ZapVerdict | boolean>;

const text = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : "");

class ZapHandler implements PipeHost, PipeOwner {
  readonly socketType = "ROUTER" as const;
  readonly sendHighWaterMark = 0;
  readonly receiveHighWaterMark = 0;
  readonly routingIdBytes = undefined;
  closed = false;
  private readonly pipes = new Set<Pipe>();

  constructor(
    readonly context: TransportContext,
    private readonly decide: ZapDecider,
  ) {}

  attachPipe(pipe: Pipe): void {
    if (this.closed) {
      pipe.terminate();
      return;
    }
    pipe.owner = this;
    this.pipes.add(pipe);
    this.readActivated(pipe);
  }

  readActivated(pipe: Pipe): void {
    for (let msg = pipe.read(); msg !== undefined; msg = pipe.read()) this.answer(pipe, msg);
  }

  writeActivated(): void {}

  pipeTerminated(pipe: Pipe): void {
    this.pipes.delete(pipe);
  }

  close(): void {
    this.closed = true;
    for (const pipe of this.pipes) pipe.terminate();
    this.pipes.clear();
  }

  private answer(pipe: Pipe, msg: Msg): void {
    // ["", "1.0", id, domain, address, identity, mechanism, credentials...]
    if (msg.length < 7 || msg[0]!.length !== 0) return;
    const id = msg[2]!;
    const request: ZapRequest = {
      domain: text(msg[3]),
      address: text(msg[4]),
      identity: msg[5]!,
      mechanism: text(msg[6]),
      credentials: msg.slice(7),
    };
    const reply = (verdict: ZapVerdict | boolean) => {
      const v: ZapVerdict = typeof verdict === "boolean" ? { status: verdict ? "200" : "400" } : verdict;
      const frames = this.context.frames;
      const status = v.status === "200" || v.status === "300" || v.status === "400" ? v.status : "500";
      pipe.write([
        frames.alloc(0),
        frames.fromString("1.0"),
        id,
        frames.fromString(status),
        frames.fromString(v.text ?? (status === "200" ? "OK" : "Denied")),
        frames.fromString(status === "200" ? (v.userId ?? "") : ""),
        frames.alloc(0),
      ]);
    };
    let verdict: ReturnType<ZapDecider>;
    try {
      verdict = this.decide(request);
    } catch {
      reply({ status: "500" });
      return;
    }
    if (typeof verdict === "object" && typeof (verdict as Promise<unknown>).then === "function") {
      (verdict as Promise<ZapVerdict | boolean>).then(reply, () => reply({ status: "500" }));
    } else {
      reply(verdict as ZapVerdict | boolean);
    }
  }
}

/**
 * Serves ZAP in a Context: every handshake of a PLAIN or CURVE server (and
 * of a NULL server with a zapDomain) in that Context asks `decide`, which
 * returns true / false or a verdict (or a promise of one). Returns the
 * handler; close() unbinds it. The Context needs the inproc transport;
 * binding twice gives EADDRINUSE, as a second handler socket would.
 */
export function serveZap(context: TransportContext, decide: ZapDecider): { close(): void } {
  const endpoint = parseEndpoint(ZAP_ENDPOINT);
  const transport = context.transport("inproc", ZAP_ENDPOINT);
  if (transport.kind !== "message")
    throw new ZmqError("EPROTONOSUPPORT", "The inproc transport of this Context is not a message transport", ZAP_ENDPOINT);
  const handler = new ZapHandler(context, decide);
  const binding = transport.bind(endpoint, handler);
  return {
    close: () => {
      binding.close();
      handler.close();
    },
  };
}
