/**
 * What the ZMTP and ZWS engines share: moving whole messages between a
 * stream and the session's pipe with backpressure both ways (a full pipe
 * pauses the stream; a blocked stream stops the flushes), the handshake and
 * heartbeat timers (PING with a TTL from the peer, a timeout for our own
 * PINGs), and one `stopped` for every way a connection ends. A subclass
 * runs its protocol over the stream, encodes and writes its batches, and
 * says how it pings.
 */
import type { ByteStream, Engine, EngineFailure, EngineOptions, EngineSession, Msg, Pipe } from "@zmq/kernel";
import { Queue } from "@zmq/kernel";
import { type Command, type PeerInfo, WireError } from "@zmq/wire";
import { unref } from "./unref.js";

/** Stop pulling from the pipe once a batch holds this many bytes; the rest goes in the next one. */
export const BATCH_BYTES = 256 * 1024;

export abstract class EngineBase<S extends ByteStream> implements Engine {
  protected pipe: Pipe | undefined;
  protected stopped = false;
  protected ready = false;
  protected writeBlocked = false;
  private flushScheduled = false;
  /** Messages decoded while the pipe to the socket was full, held until it has room (a 64 KiB read can hold 20,000). */
  private readonly inbound = new Queue<Msg>();
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private timeoutTimer: ReturnType<typeof setTimeout> | undefined;
  private ttlTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly flushBound = () => {
    this.flushScheduled = false;
    if (this.stopped || !this.ready || this.writeBlocked) return;
    this.flush();
  };

  constructor(
    protected readonly stream: S,
    protected readonly options: EngineOptions,
    protected readonly session: EngineSession,
  ) {}

  abstract start(): void;

  /** The peer, once the handshake is done. */
  abstract get peer(): PeerInfo | undefined;

  /** Moves a batch of queued messages from the pipe to the stream (ready, not stopped, not blocked). */
  protected abstract flush(): void;

  /** Sends a heartbeat (a ZMTP PING, or a WebSocket ping where the stream has one). */
  protected abstract sendPing(): void;

  /** Tells the protocol state machine that the connection is over (no more callbacks). */
  protected abstract closeProtocol(): void;

  /** The pipe has messages for the peer (its readActivated): they are taken now (see `take`), written soon. */
  restartOutput(): void {
    if (this.stopped || !this.ready || this.writeBlocked) return;
    // Taken now when that spares the socket a copy (Pipe.takeNow); a conflating pipe keeps only its newest
    // message, read when the batch is written.
    const pipe = this.pipe;
    if (pipe !== undefined && pipe.takeNow && !pipe.conflate) this.take();
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.options.defer(this.flushBound);
  }

  /**
   * Where the engine can, encodes what the pipe holds now, copying the
   * bytes, so the messages leave the pipe before the send() that queued
   * them returns and need no copy of their own (Pipe.takesAtOnce, asked for
   * by Pipe.takeNow); `flush` writes them. An engine that cannot leaves them
   * queued.
   */
  protected take(): void {}

  /**
   * The socket closes at once (linger 0): one batch of what its pipe holds
   * goes to the stream now, if the stream takes it, the way libzmq's I/O
   * thread has written a message by the time its zmq_send returned and the
   * socket closed; what does not fit is dropped with the pipe.
   */
  flushNow(): void {
    if (this.stopped || !this.ready || this.writeBlocked) return;
    this.flush();
  }

  /** The pipe to the socket has room again (its writeActivated). */
  restartInput(): void {
    if (this.stopped || this.inbound.length === 0) return;
    const pipe = this.pipe!;
    const inbound = this.inbound;
    while (inbound.length > 0) {
      if (!pipe.write(inbound.peek()!)) return;
      inbound.shift();
    }
    this.stream.resume();
  }

  /** Closes the connection: gracefully (what is written gets out) or at once; at once also cuts a graceful close short. */
  close(graceful: boolean): void {
    if (this.stopped) {
      if (!graceful) this.stream.destroy();
      return;
    }
    // (A write-blocked engine has taken nothing: it takes only while the stream takes writes.)
    if (graceful && this.ready && !this.writeBlocked) this.flush();
    this.stopped = true;
    this.clearTimers();
    this.closeProtocol();
    if (graceful) this.stream.end();
    else this.stream.destroy();
  }

  /** Starts the handshake timer, when the options set one. */
  protected startHandshakeTimer(): void {
    if (this.options.handshakeInterval <= 0) return;
    this.handshakeTimer = unref(
      setTimeout(() => this.stop({ reason: "timeout", what: "handshake", handshaking: true }), this.options.handshakeInterval),
    );
  }

  /** The stream can take more: flush again. */
  protected drained(): void {
    this.writeBlocked = false;
    this.restartOutput();
  }

  /** Writes a batch's chunks; `bytes` is what the batch held (a full batch schedules the next one). */
  protected writeChunks(chunks: readonly Uint8Array[], bytes: number): void {
    const stream = this.stream;
    let ok: boolean;
    if (chunks.length === 1) ok = stream.write(chunks[0]!);
    else if (stream.writev) ok = stream.writev(chunks);
    else {
      ok = true;
      for (const c of chunks) ok = stream.write(c) && ok;
    }
    this.wrote(ok, bytes);
  }

  /** After a write of a batch of `bytes`: wait for the drain, or go on with the next batch if this one was full. */
  protected wrote(ok: boolean, bytes: number): void {
    if (!ok) this.writeBlocked = true;
    else if (bytes >= BATCH_BYTES) this.restartOutput();
  }

  protected onReady(peer: PeerInfo): void {
    if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.ready = true;
    this.pipe = this.session.ready(peer);
    if (this.stopped) return;
    const ivl = this.options.heartbeatInterval;
    if (ivl > 0) this.heartbeatTimer = unref(setInterval(() => this.ping(), ivl));
    this.restartOutput();
  }

  protected onMessage(frames: Msg): void {
    const validate = this.options.validate;
    if (validate && !validate(frames)) {
      this.stop({
        reason: "protocol",
        error: new WireError(
          "ZMTP_UNEXPECTED_COMMAND",
          `A ${this.options.socketType} socket got a message it cannot accept (${frames.length} frames)`,
          {
            field: "message",
            value: frames.length,
          },
        ),
        handshaking: false,
      });
      return;
    }
    if (this.inbound.length > 0) {
      this.inbound.push(frames);
      return;
    }
    if (!this.pipe!.write(frames)) {
      // The socket's queue is at its HWM: stop reading this connection until it drains.
      this.inbound.push(frames);
      this.stream.pause();
    }
  }

  protected onCommand(command: Command): void {
    if (command.name === "PING" && command.ttl > 0) {
      // The peer wants to hear from us within ttl; anything we receive meanwhile resets it.
      if (this.ttlTimer !== undefined) clearTimeout(this.ttlTimer);
      this.ttlTimer = unref(setTimeout(() => this.stop({ reason: "timeout", what: "heartbeat", handshaking: false }), command.ttl * 100));
    }
    this.session.command(command);
  }

  /** Traffic from the peer: the heartbeat timeouts start over. */
  protected sawTraffic(): void {
    if (this.timeoutTimer !== undefined) {
      clearTimeout(this.timeoutTimer);
      this.timeoutTimer = undefined;
    }
    if (this.ttlTimer !== undefined) {
      clearTimeout(this.ttlTimer);
      this.ttlTimer = undefined;
    }
  }

  protected stop(failure: EngineFailure, streamClosed = false): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimers();
    this.closeProtocol();
    if (!streamClosed) {
      if (failure.reason === "protocol") {
        // An ERROR command may be on its way out: end, then close for good
        // shortly after even if the peer keeps its half open.
        const stream = this.stream;
        stream.end();
        const timer = setTimeout(() => stream.destroy(), 100);
        unref(timer);
      } else {
        this.stream.destroy();
      }
    }
    this.session.stopped(failure);
  }

  private ping(): void {
    if (this.stopped) return;
    this.sendPing();
    if (this.timeoutTimer === undefined) {
      const timeout = this.options.heartbeatTimeout >= 0 ? this.options.heartbeatTimeout : this.options.heartbeatInterval;
      this.timeoutTimer = unref(setTimeout(() => this.stop({ reason: "timeout", what: "heartbeat", handshaking: false }), timeout));
    }
  }

  private clearTimers(): void {
    if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    if (this.timeoutTimer !== undefined) clearTimeout(this.timeoutTimer);
    if (this.ttlTimer !== undefined) clearTimeout(this.ttlTimer);
    this.handshakeTimer = this.heartbeatTimer = this.timeoutTimer = this.ttlTimer = undefined;
  }
}
