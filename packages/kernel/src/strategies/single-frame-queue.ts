import { ZmqError } from "../errors.js";
import type { Pipe } from "../pipe.js";
import { FairQueue } from "./fair-queue.js";

/**
 * Fair queueing for the single-frame draft sockets: a multipart message from
 * a peer is dropped whole, as libzmq's single-frame draft sockets (CLIENT, SERVER, SCATTER, GATHER, PEER, CHANNEL) drop it. One frame
 * may be read ahead of the application, so that hasIn() is exact (libzmq's
 * says yes to a queue holding only multipart messages).
 */
export class SingleFrameQueue {
  private readonly fq = new FairQueue();
  private held: Uint8Array | undefined = undefined;
  private heldFrom: Pipe | undefined = undefined;
  /** The pipe the frame recv() returned last came from. */
  lastIn: Pipe | undefined = undefined;

  attach(pipe: Pipe): void {
    this.fq.attach(pipe);
  }

  activated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }

  /** A frame read ahead from a pipe that has gone is still delivered: it arrived. */
  terminated(pipe: Pipe): void {
    this.fq.terminated(pipe);
  }

  /** The next single-frame message in fair order, or undefined. */
  recv(): Uint8Array | undefined {
    // With conflate, a newer message that came in behind the one read ahead replaces it.
    if (this.held !== undefined && this.heldFrom?.conflate && this.heldFrom.pending > 0) this.held = this.heldFrom = undefined;
    if (this.held !== undefined) {
      const frame = this.held;
      this.lastIn = this.heldFrom;
      this.held = this.heldFrom = undefined;
      return frame;
    }
    for (;;) {
      const msg = this.fq.recv();
      if (msg === undefined) return undefined;
      if (msg.length === 1) {
        this.lastIn = this.fq.lastIn;
        return msg[0];
      }
    }
  }

  hasIn(): boolean {
    if (this.held !== undefined) return true;
    const frame = this.recv();
    if (frame === undefined) return false;
    this.held = frame;
    this.heldFrom = this.lastIn;
    return true;
  }
}

/**
 * EINVAL for a message of more than one frame, as libzmq refuses ZMQ_SNDMORE
 * on the single-frame sockets; undefined for one frame.
 */
export function multipartRefused(message: unknown, socketType: string): ZmqError | undefined {
  if (!Array.isArray(message) || message.length <= 1) return undefined;
  return new ZmqError("EINVAL", `A ${socketType} socket sends single-frame messages only; got ${message.length} frames`);
}
