/**
 * One ZMTP connection, sans-I/O: the greeting, the mechanism handshake (or the identity exchange of ZMTP 1.0 / 2.0
 * peers), the socket-type check, and then traffic. The caller moves bytes: it calls `start()` when the stream opens,
 * `feed()` with every chunk received, and writes whatever `handler.send` is given. Nothing here throws at the
 * caller for bad input; fatal problems arrive once, through `onError`.
 */
import { type Allocator, concatBytes, defaultAlloc } from "./bytes.js";
import { type Command, decodeCommand, encodeCommand, MAX_PING_CONTEXT, parseCommandBody } from "./commands.js";
import { ProtocolError, WireError } from "./errors.js";
import { FrameEncoder } from "./frame-encoder.js";
import { FLAG_COMMAND, FLAG_MORE, FrameDecoder, type FrameView, type Framing } from "./frames.js";
import { GreetingExchange, type PeerGreeting } from "./greeting.js";
import type { Mechanism } from "./mechanism.js";
import type { Metadata, MetadataInput } from "./metadata.js";
import { wireBuffers } from "./recycler.js";
import { type MechanismOptions, createMechanism, ownProperties } from "./mechanism-options.js";
import { isCompatible, isSocketTypeName, type SocketTypeName } from "./socket-types.js";

export interface ConnectionOptions {
  /** Our socket type: sent as Socket-Type, checked against the peer's. */
  socketType: SocketTypeName;
  /** Our routing id: sent as Identity by REQ, DEALER and ROUTER; the identity frame for 1.0/2.0 peers. */
  routingId?: Uint8Array;
  /** Extra READY properties, names starting with "X-" (libzmq's ZMQ_METADATA). */
  metadata?: MetadataInput;
  /** Default NULL. */
  mechanism?: MechanismOptions;
  /** Accept ZMTP 1.0 / 2.0 peers (NULL mechanism only, as libzmq). Default true. */
  legacy?: boolean;
  /** Largest accepted frame in bytes; -1 (default) for no limit. */
  maxMessageSize?: number;
  /** The peer's address, for authenticators. */
  peerAddress?: string;
  /** Allocates buffers; Node callers pass `Buffer.allocUnsafe` so frames are Buffers. */
  alloc?: Allocator;
  /** Allocates the encoder's output, which only goes to the wire (for example from `wireBuffers`); `alloc` by default. */
  wireAlloc?: Allocator;
  /** Makes the views of received frames that lie inside one read (FrameDecoderOptions.view). */
  view?: FrameView;
}

/** What the handshake learnt about the peer. */
export interface PeerInfo {
  readonly greeting: PeerGreeting;
  /** "ZMTP/3.1", "ZMTP/3.0", "ZMTP/2.0" or "ZMTP/1.0". */
  readonly protocol: string;
  readonly framing: Framing;
  /** The peer's Socket-Type, when it said. */
  readonly socketType: SocketTypeName | undefined;
  /** The peer's Identity property or identity frame (empty when none). */
  readonly routingId: Uint8Array;
  /** Every property the peer sent (empty for 1.0 / 2.0 peers). */
  readonly properties: Metadata;
  /** The authenticated user id, "" when none. */
  readonly userId: string;
}

export interface ConnectionHandler {
  /** Bytes to write to the peer, in order. */
  send(chunk: Uint8Array): void;
  /** The handshake finished; traffic may flow (our handshake bytes were all handed to send() before this). */
  onReady(peer: PeerInfo): void;
  /** A whole message from the peer. */
  onMessage(frames: Uint8Array[]): void;
  /** A command after the handshake: PING (already answered with PONG), PONG, SUBSCRIBE, CANCEL. */
  onCommand(command: Command): void;
  /** The connection must close: bad bytes, a refused handshake, or an ERROR from the peer. Called once. */
  onError(error: WireError): void;
}

/** Input queued while an authenticator decides, at most this many bytes. */
const MAX_HANDSHAKE_BACKLOG = 1 << 20;

/** Queued chunks up to this many bytes in all are joined into one send (one write). */
const JOIN_LIMIT = 16 * 1024;

const enum Phase {
  Greeting,
  Handshake,
  Identity,
  Traffic,
  Failed,
}

export class ZmtpConnection {
  private readonly options: ConnectionOptions;
  private readonly handler: ConnectionHandler;
  private readonly alloc: Allocator;
  private readonly wireAlloc: Allocator;
  private readonly greeting: GreetingExchange;
  private readonly mechanism: Mechanism;
  private phase = Phase.Greeting;
  private peerGreeting: PeerGreeting | undefined;
  private decoder: FrameDecoder | undefined;
  private encoderInstance: FrameEncoder | undefined;
  private waiting = false;
  private backlog: { command: boolean; frames: Uint8Array[] }[] = [];
  private backlogBytes = 0;
  /** Frames of an encrypted multipart message being reassembled. */
  private unwrapped: Uint8Array[] = [];
  /** Depth of feed() / resume() calls under way; sends wait in the outbox meanwhile. */
  private busy = 0;
  private started = false;
  private outbox: Uint8Array[] = [];
  private flushing = false;
  private inbox: Uint8Array[] = [];
  peer: PeerInfo | undefined;

  constructor(options: ConnectionOptions, handler: ConnectionHandler) {
    this.options = options;
    this.handler = handler;
    this.alloc = options.alloc ?? defaultAlloc;
    this.wireAlloc = options.wireAlloc ?? this.alloc;
    const mechanismOptions = options.mechanism ?? { type: "NULL" };
    this.mechanism = createMechanism(mechanismOptions, ownProperties(options), options.peerAddress);
    this.greeting = new GreetingExchange({
      mechanism: this.mechanism.name,
      socketType: options.socketType,
      asServer: this.mechanism.asServer,
      identity: options.routingId,
      // ZMTP 1.0/2.0 have no handshake to authenticate in: a NULL socket that asks ZAP refuses them, as libzmq's.
      legacy: mechanismOptions.type === "NULL" && mechanismOptions.authenticate ? false : options.legacy,
    });
  }

  /** True once the handshake is complete. */
  get ready(): boolean {
    return this.phase === Phase.Traffic;
  }

  /** The encoder for traffic, once the greeting has fixed the framing. */
  get encoder(): FrameEncoder {
    if (!this.encoderInstance) {
      throw new WireError("EINVAL", "The connection has no encoder before the greeting completes", { field: "phase" });
    }
    return this.encoderInstance;
  }

  /** Call when the stream opens: sends the first greeting bytes. */
  start(): void {
    if (this.started) return;
    this.busy++;
    this.begin();
    this.busy--;
    this.flushOutbox();
  }

  /** Our greeting's first bytes; a whole greeting (legacy peers refused) with our first handshake command. */
  private begin(): void {
    this.started = true;
    this.out(this.greeting.start());
    if (this.greeting.versioned) this.early();
  }

  /** Feeds bytes from the peer. Never throws for bad input: see `onError`. */
  feed(chunk: Uint8Array): void {
    if (this.phase === Phase.Failed) return;
    if (this.busy > 0) {
      // Re-entered from a handler: keep the order, handle it after the chunk in hand.
      this.inbox.push(chunk);
      return;
    }
    this.busy++;
    try {
      if (!this.started) this.begin(); // bytes before start(): our greeting must still go first
      this.process(chunk);
      for (let next = this.inbox.shift(); next !== undefined; next = this.inbox.shift()) {
        if ((this.phase as Phase) === Phase.Failed) break;
        this.process(next);
      }
    } catch (error) {
      this.failWith(error);
    } finally {
      this.inbox.length = 0;
      this.busy--;
      if (this.busy === 0) this.flushOutbox();
    }
  }

  private process(chunk: Uint8Array): void {
    if (this.phase === Phase.Greeting) {
      let step: ReturnType<GreetingExchange["feed"]>;
      try {
        step = this.greeting.feed(chunk);
      } catch (error) {
        const owed = this.greeting.takeOwed();
        if (owed) this.out(owed);
        throw error;
      }
      if (step.send) this.out(step.send);
      // Our first handshake command goes with the rest of our greeting, not a round trip later.
      if (this.encoderInstance === undefined && this.greeting.versioned) this.early();
      if (!step.peer) return;
      this.afterGreeting(step.peer);
      if (step.peer.rest.length > 0) this.decoder!.feed(step.peer.rest);
      return;
    }
    this.decoder!.feed(chunk);
  }

  /**
   * Bytes for the peer; while feed() runs or the outbox flushes they queue (FIFO), so that a peer that answers
   * synchronously never re-enters this connection mid-change nor reorders its bytes.
   */
  private out(chunk: Uint8Array): void {
    if ((this.busy > 0 && this.phase !== Phase.Traffic) || this.flushing) this.outbox.push(chunk);
    else this.handler.send(chunk);
  }

  private flushOutbox(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      // Small chunks queued together (the rest of a greeting and a handshake command, say) go as one write.
      if (this.outbox.length > 1) this.joinOutbox();
      for (let chunk = this.outbox.shift(); chunk !== undefined; chunk = this.outbox.shift()) this.handler.send(chunk);
    } finally {
      this.flushing = false;
    }
  }

  private joinOutbox(): void {
    let size = 0;
    for (const chunk of this.outbox) size += chunk.length;
    if (size <= JOIN_LIMIT) this.outbox = [concatBytes(this.outbox, this.alloc)];
  }

  /** Encodes messages for the peer (wrapped by an encrypting mechanism), after what appendMessage left; write the chunks in order. */
  encodeMessages(messages: readonly (readonly Uint8Array[])[]): Uint8Array[] {
    for (const frames of messages) this.appendMessage(frames);
    return this.encoder.take();
  }

  /** Encodes a message (wrapped by an encrypting mechanism) after what is pending in `encoder` (see FrameEncoder.append); returns its size. */
  appendMessage(frames: readonly Uint8Array[]): number {
    const m = this.mechanism;
    if (!m.wrapFrame) return this.encoder.append(frames);
    let size = 0;
    for (let i = 0; i < frames.length; i++)
      size += this.encoder.append([m.wrapFrame({ body: frames[i]!, flags: i < frames.length - 1 ? FLAG_MORE : 0 })]);
    return size;
  }

  /** Encodes a command for the peer (ZMTP 3.x only). */
  encodeCommand(command: Command): Uint8Array {
    const body = encodeCommand(command);
    const m = this.mechanism;
    if (m.wrapFrame) return this.encoder.encodeFrame(m.wrapFrame({ body, flags: FLAG_COMMAND }), 0);
    return this.encoder.encodeCommand(body);
  }

  /** Stops the connection: no more callbacks. */
  close(): void {
    this.phase = Phase.Failed;
  }

  /**
   * The peer speaks ZMTP 3.x (its revision byte, or we refuse all else): our first handshake commands (NULL's
   * READY, a PLAIN or CURVE client's HELLO) follow our greeting in the same write. Should the rest of the peer's
   * greeting be refused (a mechanism mismatch), it refuses ours too and never reads them.
   */
  private early(): void {
    this.encoderInstance = new FrameEncoder({ framing: "zmtp3", alloc: this.wireAlloc });
    const m = this.mechanism;
    for (let body = m.nextCommand(); body !== undefined; body = m.nextCommand()) this.out(this.encoderInstance.encodeCommand(body));
  }

  private afterGreeting(greeting: PeerGreeting): void {
    this.peerGreeting = greeting;
    const { framing } = greeting;
    this.encoderInstance ??= new FrameEncoder({ framing, alloc: this.wireAlloc });
    this.decoder = new FrameDecoder(
      { onMessage: (frames) => this.onFrames(frames), onCommand: (body) => this.onCommandFrame(body) },
      {
        framing,
        maxMessageSize: this.options.maxMessageSize,
        // Frames that an encrypting mechanism decrypts into buffers of its own never reach the application.
        alloc: this.mechanism.unwrapCopies === true ? this.wireAlloc : this.alloc,
        view: this.options.view,
      },
    );
    if (framing === "zmtp3") {
      this.phase = Phase.Handshake;
      this.pump();
      return;
    }
    this.phase = Phase.Identity;
    // Versioned 1.0 / 2.0 peers (their greeting named a socket type) get our
    // identity as an ordinary first frame; unversioned 1.0 peers already had
    // it with the greeting.
    if (greeting.socketType !== undefined) {
      this.checkSocketType(greeting.socketType);
      for (const c of this.encoderInstance.encodeMessage([this.options.routingId ?? new Uint8Array(0)])) this.out(c);
    }
  }

  private onFrames(frames: Uint8Array[]): void {
    if (this.phase === Phase.Traffic) {
      if (this.mechanism.unwrapFrame) this.unwrap(frames);
      else this.handler.onMessage(frames);
      return;
    }
    if (this.waiting) return this.queue(false, frames);
    if (this.phase === Phase.Identity) {
      const routingId = frames[0]!;
      this.finish(this.peerGreeting!.socketType, routingId, new Map());
      if (frames.length > 1) this.handler.onMessage(frames.slice(1));
      return;
    }
    throw new WireError("ZMTP_UNEXPECTED_COMMAND", "Peer sent a message before the handshake completed", {
      field: "frame",
      value: "message",
      protocolError: ProtocolError.ZMTP_UNEXPECTED_COMMAND,
    });
  }

  private onCommandFrame(body: Uint8Array): void {
    if (this.phase === Phase.Traffic) return this.trafficCommand(body);
    if (this.waiting) return this.queue(true, [body]);
    const result = this.mechanism.processCommand(body);
    if (result !== undefined) return this.waitFor(result);
    this.pump();
  }

  /** Holds the handshake (the peer's frames queue) until `settled`, if given (a wait of the mechanism's own), then goes on. */
  private waitFor(settled: Promise<void> | undefined): void {
    if (settled === undefined) return;
    this.waiting = true;
    settled.then(
      () => this.resume(),
      (error: unknown) => this.failWith(error),
    );
  }

  private queue(command: boolean, frames: Uint8Array[]): void {
    for (const f of frames) this.backlogBytes += f.length;
    if (this.backlogBytes > MAX_HANDSHAKE_BACKLOG) {
      throw new WireError("ZMTP_UNEXPECTED_COMMAND", `Peer sent over ${MAX_HANDSHAKE_BACKLOG} bytes before the handshake completed`, {
        field: "backlog",
        value: this.backlogBytes,
        protocolError: ProtocolError.ZMTP_UNEXPECTED_COMMAND,
      });
    }
    this.backlog.push({ command, frames });
  }

  private resume(): void {
    if (this.phase === Phase.Failed) return;
    this.waiting = false;
    this.busy++;
    try {
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
        const item = backlog[i]!;
        if (item.command) this.onCommandFrame(item.frames[0]!);
        else this.onFrames(item.frames);
      }
    } catch (error) {
      this.failWith(error);
    } finally {
      this.busy--;
      if (this.busy === 0) this.flushOutbox();
    }
  }

  /** Sends what the mechanism has to say, and finishes or fails the handshake. */
  private pump(): void {
    const m = this.mechanism;
    for (let body = m.nextCommand(); body !== undefined; body = m.nextCommand()) {
      this.out(this.encoderInstance!.encodeCommand(body));
    }
    if (m.status === "error") throw m.error!;
    if (m.status !== "ready") return this.waiting ? undefined : this.waitFor(m.pending?.()); // e.g. a NULL socket's ZAP verdict
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
      socketType = name;
      this.checkSocketType(socketType);
    }
    this.finish(socketType, props.get("Identity") ?? new Uint8Array(0), props);
  }

  private checkSocketType(peer: SocketTypeName): void {
    if (!isCompatible(this.options.socketType, peer)) {
      throw new WireError("ZMTP_INCOMPATIBLE_SOCKET_TYPE", `A ${this.options.socketType} socket cannot talk to a ${peer} peer`, {
        field: "Socket-Type",
        value: peer,
        protocolError: ProtocolError.ZMTP_INVALID_METADATA,
      });
    }
  }

  private finish(socketType: SocketTypeName | undefined, routingId: Uint8Array, properties: Metadata): void {
    const greeting = this.peerGreeting!;
    this.phase = Phase.Traffic;
    this.peer = {
      greeting,
      protocol: `ZMTP/${greeting.major}.${greeting.framing === "zmtp3" ? greeting.minor : 0}`,
      framing: greeting.framing,
      socketType,
      routingId,
      properties,
      userId: this.mechanism.userId,
    };
    // Our last handshake bytes go before anything the application sends from onReady.
    this.flushOutbox();
    this.handler.onReady(this.peer);
  }

  private trafficCommand(body: Uint8Array): void {
    if (this.mechanism.unwrapFrame) return this.unwrap([body]);
    this.command(body);
  }

  private command(body: Uint8Array): void {
    const command = trafficCommand(body, (pong) => this.out(this.encodeCommand(pong)));
    if (command) this.handler.onCommand(command);
  }

  private unwrap(frames: Uint8Array[]): void {
    for (const outer of frames) {
      const { body, flags } = this.mechanism.unwrapFrame!(outer);
      // Decrypted into a buffer of its own: the frame's memory may be lent again (if it came from wireBuffers).
      if (this.mechanism.unwrapCopies === true) wireBuffers.recycleOne(outer);
      if ((flags & FLAG_COMMAND) !== 0) {
        this.command(body);
        continue;
      }
      this.unwrapped.push(body);
      if ((flags & FLAG_MORE) === 0) {
        const message = this.unwrapped;
        this.unwrapped = [];
        this.handler.onMessage(message);
      }
    }
  }

  private failWith(error: unknown): void {
    if (this.phase === Phase.Failed) return;
    this.phase = Phase.Failed;
    // What was queued (an ERROR command, say) goes out before the caller closes the stream.
    this.flushOutbox();
    this.handler.onError(connectionFailure(error));
  }
}

/**
 * A command after the handshake, as libzmq takes it: READY, ERROR and
 * commands it does not know are dropped (undefined); a PING is answered
 * through `reply` with a PONG carrying its context (at most 16 bytes), and
 * returned, as every other command is, for the socket to see.
 */
export function trafficCommand(body: Uint8Array, reply: (pong: Command) => void): Command | undefined {
  const command = decodeCommand(parseCommandBody(body));
  if (command === undefined || command.name === "READY" || command.name === "ERROR") return undefined;
  if (command.name === "PING") reply({ name: "PONG", context: command.context.subarray(0, MAX_PING_CONTEXT) });
  return command;
}

/** Why a connection failed, as a WireError: a protocol error as it is, anything else (a handler threw) wrapped. */
export function connectionFailure(error: unknown): WireError {
  return WireError.is(error)
    ? error
    : new WireError("ZMTP_BAD_FRAME", `Connection failed on a non-protocol error (a handler threw?): ${String(error)}`, {
        field: "internal",
        value: String(error),
      });
}
