/**
 * One ZWS 2.0 connection (RFC 45, as libzmq's ws_engine speaks it),
 * sans-I/O, after the WebSocket handshake has agreed a subprotocol. Each
 * ZMTP frame travels as one binary WebSocket message: a flags byte (0x01
 * MORE, 0x02 COMMAND) and the body. There is no greeting:
 *
 *  - `ZWS2.0/NULL`, `ZWS2.0/PLAIN`, `ZWS2.0/CURVE` (and `ZWS2.0/<NAME>` for
 *    any other mechanism): the mechanism's handshake commands start at once,
 *    with the same bodies as over ZMTP 3.1, then the Socket-Type check.
 *  - bare `ZWS2.0` (NULL only): each side's first message is its routing id;
 *    no READY, no properties, no socket-type check.
 *
 * The caller moves messages: `start()` once, `feed()` with each binary
 * message's payload, and sends each payload `handler.send` is given as one
 * binary message. Nothing here throws at the caller; failures arrive once,
 * through `onError`.
 */
import {
  type Command,
  type ConnectionHandler,
  type ConnectionOptions,
  FLAG_COMMAND,
  FLAG_MORE,
  type Mechanism,
  type MechanismOptions,
  type PeerInfo,
  ProtocolError,
  type SocketTypeName,
  WireError,
  connectionFailure,
  createMechanism,
  encodeCommand,
  isCompatible,
  isSocketTypeName,
  ownProperties,
  trafficCommand,
} from "@zmq/wire";

/** Frame bodies at least this large are put in a payload buffer of their own (see encodeMessages). */
const OWN_BUFFER = 1024;

/** The ZWS flags byte: MORE and COMMAND (not ZMTP's header bits, where COMMAND is 0x04). */
export const ZWS_MORE = 0x01;
export const ZWS_COMMAND = 0x02;

/** The bare subprotocol: NULL security without a handshake. */
export const ZWS_BARE = "ZWS2.0";

/** The subprotocol for a mechanism name ("NULL", "PLAIN", "CURVE", ...). */
export function zwsProtocol(mechanism: string): string {
  return `${ZWS_BARE}/${mechanism}`;
}

/** What a client offers for a mechanism, in order (libzmq's order for NULL unless `bareFirst`). */
export function zwsOffer(mechanism: string, bareFirst = false): string[] {
  if (mechanism !== "NULL") return [zwsProtocol(mechanism)];
  return bareFirst ? [ZWS_BARE, zwsProtocol("NULL")] : [zwsProtocol("NULL"), ZWS_BARE];
}

/** What a server picks from a client's offer: the first it can speak with its mechanism (libzmq), or undefined. */
export function zwsSelect(mechanism: string, offered: readonly string[]): string | undefined {
  const own = zwsProtocol(mechanism);
  for (const raw of offered) {
    const p = raw.trim();
    if (p === own || (p === ZWS_BARE && mechanism === "NULL")) return p;
  }
  return undefined;
}

/** The mechanism name that connection options select. */
export function mechanismName(options: MechanismOptions | undefined): string {
  if (!options || options.type === "NULL") return "NULL";
  return options.type === "PLAIN" ? "PLAIN" : options.name;
}

/** A ZWS peer has no greeting; this stands in for one in PeerInfo. */
function zwsGreeting(mechanism: string, socketType: SocketTypeName | undefined): PeerInfo["greeting"] {
  return { major: 3, minor: 1, framing: "zmtp3", mechanism, asServer: false, socketType, rest: new Uint8Array(0) };
}

const enum Phase {
  Idle,
  Handshake,
  RoutingId,
  Traffic,
  Failed,
}

/** Input queued while an authenticator decides, at most this many bytes. */
const MAX_HANDSHAKE_BACKLOG = 1 << 20;

export class ZwsConnection {
  private readonly alloc: (size: number) => Uint8Array;
  private readonly mechanism: Mechanism | undefined;
  private phase = Phase.Idle;
  private waiting = false;
  private backlog: Uint8Array[] = [];
  private backlogBytes = 0;
  private frames: Uint8Array[] = [];
  private busy = 0;
  /** The chunk the last traffic frame was viewed in, and its memory. */
  private viewed: Uint8Array | undefined = undefined;
  private viewedBuffer: ArrayBufferLike | undefined = undefined;
  private viewedOffset = 0;
  private outbox: Uint8Array[] = [];
  peer: PeerInfo | undefined;

  /**
   * @param protocol the subprotocol agreed in the WebSocket handshake; one
   * that does not fit the options' mechanism fails the connection at start().
   */
  constructor(
    private readonly options: ConnectionOptions,
    readonly protocol: string,
    private readonly handler: ConnectionHandler,
  ) {
    this.alloc = options.alloc ?? ((size) => new Uint8Array(size));
    const name = mechanismName(options.mechanism);
    if (protocol === zwsProtocol(name)) {
      this.mechanism = createMechanism(options.mechanism ?? { type: "NULL" }, ownProperties(options), options.peerAddress);
    } else if (!(protocol === ZWS_BARE && name === "NULL")) {
      this.phase = Phase.Failed;
    }
  }

  get ready(): boolean {
    return this.phase === Phase.Traffic;
  }

  /** Sends our first messages: the mechanism's opening commands, or our routing id. */
  start(): void {
    if (this.phase === Phase.Failed) {
      const name = mechanismName(this.options.mechanism);
      this.handler.onError(
        new WireError("ZMTP_MECHANISM_MISMATCH", `Subprotocol ${JSON.stringify(this.protocol)} does not fit this socket's ${name} mechanism`, {
          field: "Sec-WebSocket-Protocol",
          value: this.protocol,
          protocolError: ProtocolError.WS_UNSPECIFIED,
        }),
      );
      return;
    }
    if (this.phase !== Phase.Idle) return;
    this.run(() => {
      if (this.mechanism) {
        this.phase = Phase.Handshake;
        this.pump();
      } else {
        this.phase = Phase.RoutingId;
        this.out(this.frame(0, this.options.routingId ?? new Uint8Array(0)));
      }
    });
  }

  /** One binary WebSocket message from the peer. */
  feed(payload: Uint8Array): void {
    this.feedAt(payload, 0, payload.length);
  }

  /**
   * One binary WebSocket message from the peer that lies in `chunk` at
   * `start` for `length` bytes: in traffic its flags byte is read where it
   * lies and one view made, of the body.
   */
  feedAt(chunk: Uint8Array, start: number, length: number): void {
    if (this.phase === Phase.Failed) return;
    if (length > 0 && this.phase === Phase.Traffic && this.busy === 0) {
      const view = this.options.view;
      if (view === undefined) return this.traffic1(chunk[start]!, chunk.subarray(start + 1, start + length));
      if (chunk !== this.viewed) {
        // A typed array's buffer and offset, read once per chunk (ConnectionOptions.view).
        this.viewed = chunk;
        this.viewedBuffer = chunk.buffer;
        this.viewedOffset = chunk.byteOffset;
      }
      return this.traffic1(chunk[start]!, view(this.viewedBuffer!, this.viewedOffset + start + 1, length - 1));
    }
    const payload = start === 0 && length === chunk.length ? chunk : chunk.subarray(start, start + length);
    this.run(() => this.process(payload));
  }

  /** One traffic frame, when no step is running: no step to defer sends for, so no closure per frame. */
  private traffic1(flags: number, body: Uint8Array): void {
    this.busy++;
    try {
      this.checkSize(body);
      this.traffic(flags, body);
    } catch (error) {
      this.fail(error);
    } finally {
      this.busy--;
      if (this.busy === 0 && this.outbox.length > 0) this.flushOutbox();
    }
  }

  /** True when traffic frames go as they are (no mechanism boxes them): a stream may then write them itself (ZwsStream.writeFrames). */
  get framesInTheClear(): boolean {
    return this.mechanism?.wrapFrame === undefined;
  }

  /** Encodes messages: one payload per frame (wrapped by an encrypting mechanism); send each as one binary message. */
  encodeMessages(messages: readonly (readonly Uint8Array[])[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    const m = this.mechanism;
    if (m?.wrapFrame) {
      for (const frames of messages) {
        const last = frames.length - 1;
        for (let i = 0; i <= last; i++) out.push(this.frame(0, m.wrapFrame({ body: frames[i]!, flags: i < last ? FLAG_MORE : 0 })));
      }
      return out;
    }
    // One allocation for the small payloads of the batch, each a view into it;
    // a large one gets a buffer of its own, which the client side of a
    // WebSocket can then mask where it lies instead of copying it again.
    let total = 0;
    for (const frames of messages) for (const f of frames) if (f.length < OWN_BUFFER) total += f.length + 1;
    const buffer = total > 0 ? this.alloc(total) : undefined;
    let at = 0;
    for (const frames of messages) {
      const last = frames.length - 1;
      for (let i = 0; i <= last; i++) {
        const body = frames[i]!;
        const flags = i < last ? ZWS_MORE : 0;
        if (body.length >= OWN_BUFFER) {
          const own = this.alloc(body.length + 1);
          own[0] = flags;
          own.set(body, 1);
          out.push(own);
          continue;
        }
        buffer![at] = flags;
        buffer!.set(body, at + 1);
        out.push(buffer!.subarray(at, at + body.length + 1));
        at += body.length + 1;
      }
    }
    return out;
  }

  /** Encodes a command (PING, PONG ...) as one payload. */
  encodeCommand(command: Command): Uint8Array {
    const body = encodeCommand(command);
    const m = this.mechanism;
    return m?.wrapFrame && this.phase === Phase.Traffic ? this.frame(0, m.wrapFrame({ body, flags: FLAG_COMMAND })) : this.frame(ZWS_COMMAND, body);
  }

  /** Stops the connection: no more callbacks. */
  close(): void {
    this.phase = Phase.Failed;
  }

  private frame(flags: number, body: Uint8Array): Uint8Array {
    const payload = this.alloc(body.length + 1);
    payload[0] = flags;
    payload.set(body, 1);
    return payload;
  }

  /** Runs a step; sends made meanwhile wait, so that a peer answering synchronously never re-enters half-way. */
  private run(step: () => void): void {
    this.busy++;
    try {
      step();
    } catch (error) {
      this.fail(error);
    } finally {
      this.busy--;
      if (this.busy === 0) this.flushOutbox();
    }
  }

  private out(payload: Uint8Array): void {
    if (this.busy > 0 && this.phase !== Phase.Traffic) this.outbox.push(payload);
    else this.handler.send(payload);
  }

  private flushOutbox(): void {
    for (let p = this.outbox.shift(); p !== undefined; p = this.outbox.shift()) this.handler.send(p);
  }

  private process(payload: Uint8Array): void {
    if (payload.length === 0) {
      throw new WireError("ZMTP_BAD_FRAME", "Empty binary WebSocket message: a ZWS frame needs its flags byte", {
        field: "flags",
        value: 0,
        protocolError: ProtocolError.WS_UNSPECIFIED,
      });
    }
    const flags = payload[0]!;
    const body = payload.subarray(1);
    this.checkSize(body);
    switch (this.phase) {
      case Phase.Traffic:
        return this.traffic(flags, body);
      case Phase.Handshake:
        return this.handshake(flags, body, payload);
      case Phase.RoutingId:
        return this.finish(undefined, body, new Map());
      default:
        return;
    }
  }

  private checkSize(body: Uint8Array): void {
    const max = this.options.maxMessageSize ?? -1;
    if (max >= 0 && body.length > max) {
      throw new WireError("ZMTP_FRAME_TOO_LARGE", `Frame of ${body.length} bytes exceeds maxMessageSize ${max}`, {
        field: "size",
        value: body.length,
      });
    }
  }

  private handshake(flags: number, body: Uint8Array, payload: Uint8Array): void {
    if (this.waiting) {
      this.backlogBytes += payload.length;
      if (this.backlogBytes > MAX_HANDSHAKE_BACKLOG) {
        throw new WireError("ZMTP_UNEXPECTED_COMMAND", `Peer sent over ${MAX_HANDSHAKE_BACKLOG} bytes before the handshake completed`, {
          field: "backlog",
          value: this.backlogBytes,
          protocolError: ProtocolError.ZMTP_UNEXPECTED_COMMAND,
        });
      }
      this.backlog.push(payload);
      return;
    }
    if ((flags & ZWS_COMMAND) === 0) {
      throw new WireError("ZMTP_UNEXPECTED_COMMAND", "Peer sent a message before the handshake completed", {
        field: "frame",
        value: "message",
        protocolError: ProtocolError.ZMTP_UNEXPECTED_COMMAND,
      });
    }
    const pending = this.mechanism!.processCommand(body);
    if (pending !== undefined) return this.waitFor(pending);
    this.pump();
  }

  /** Holds the handshake (the peer's frames queue) until `settled`, if given, then goes on. */
  private waitFor(settled: Promise<void> | undefined): void {
    if (settled === undefined) return;
    this.waiting = true;
    settled.then(
      () => this.run(() => this.resume()),
      (error: unknown) => this.fail(error),
    );
  }

  private resume(): void {
    if (this.phase === Phase.Failed) return;
    this.waiting = false;
    this.pump();
    const backlog = this.backlog;
    this.backlog = [];
    this.backlogBytes = 0;
    for (let i = 0; i < backlog.length; i++) {
      if ((this.phase as Phase) === Phase.Failed) return;
      if (this.waiting) {
        this.backlog.push(...backlog.slice(i));
        return;
      }
      this.process(backlog[i]!);
    }
  }

  /** Sends what the mechanism has to say, and finishes the handshake when it is done. */
  private pump(): void {
    const m = this.mechanism!;
    for (let body = m.nextCommand(); body !== undefined; body = m.nextCommand()) this.out(this.frame(ZWS_COMMAND, body));
    if (m.status === "error") throw m.error!;
    // A wait of the mechanism's own (a NULL socket's ZAP verdict) holds the handshake, as a command's does.
    if (m.status !== "ready" && !this.waiting) this.waitFor(m.pending?.());
    if (m.status !== "ready" || this.phase !== Phase.Handshake) return;
    const props = m.peerProperties;
    const typeValue = props.get("Socket-Type");
    let socketType: SocketTypeName | undefined;
    if (typeValue !== undefined) {
      let name = "";
      for (const b of typeValue) name += String.fromCharCode(b);
      if (!isSocketTypeName(name)) {
        throw new WireError("ZMTP_BAD_SOCKET_TYPE", `Peer's Socket-Type ${JSON.stringify(name)} is not a socket type`, {
          field: "Socket-Type",
          value: name,
          protocolError: ProtocolError.ZMTP_INVALID_METADATA,
        });
      }
      if (!isCompatible(this.options.socketType, name)) {
        throw new WireError("ZMTP_INCOMPATIBLE_SOCKET_TYPE", `A ${this.options.socketType} socket cannot talk to a ${name} peer`, {
          field: "Socket-Type",
          value: name,
          protocolError: ProtocolError.ZMTP_INVALID_METADATA,
        });
      }
      socketType = name;
    }
    this.finish(socketType, props.get("Identity") ?? new Uint8Array(0), props);
  }

  private finish(socketType: SocketTypeName | undefined, routingId: Uint8Array, properties: PeerInfo["properties"]): void {
    this.phase = Phase.Traffic;
    const mechanism = this.mechanism?.name ?? "NULL";
    this.peer = {
      greeting: zwsGreeting(mechanism, socketType),
      protocol: this.protocol,
      framing: "zmtp3",
      socketType,
      routingId,
      properties,
      userId: this.mechanism?.userId ?? "",
    };
    // Our last handshake messages go before anything the application sends from onReady.
    this.flushOutbox();
    this.handler.onReady(this.peer);
  }

  private traffic(flags: number, body: Uint8Array): void {
    let command = (flags & ZWS_COMMAND) !== 0;
    let more = (flags & ZWS_MORE) !== 0;
    const m = this.mechanism;
    if (m?.unwrapFrame) {
      // The box carries the real flags, in ZMTP's bit positions.
      const inner = m.unwrapFrame(body);
      command = (inner.flags & FLAG_COMMAND) !== 0;
      more = (inner.flags & FLAG_MORE) !== 0;
      body = inner.body;
    }
    if (command) {
      this.command(body);
      return;
    }
    this.frames.push(body);
    if (!more) {
      const message = this.frames;
      this.frames = [];
      this.handler.onMessage(message);
    }
  }

  private command(body: Uint8Array): void {
    const command = trafficCommand(body, (pong) => this.out(this.encodeCommand(pong)));
    if (command) this.handler.onCommand(command);
  }

  private fail(error: unknown): void {
    if (this.phase === Phase.Failed) return;
    this.phase = Phase.Failed;
    this.flushOutbox();
    this.handler.onError(connectionFailure(error));
  }
}
