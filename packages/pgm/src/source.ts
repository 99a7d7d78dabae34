/**
 * The sending side of a PGM session, sans I/O: APDUs in, packets out (all of
 * them for the multicast group), with a clock passed in and a next-timeout to
 * wake it. It keeps a transmit window of the last `windowSqns` data packets
 * to repair from, answers a NAK with an NCF at once and then RDATA, and sends
 * SPMs: one at start, heartbeats after data on libzmq's schedule (100 ms four
 * times, then 1.3 s, 7 s, 16 s, 25 s, 30 s) and an ambient one every 30 s.
 * An APDU larger than one packet's payload goes out in fragments, each with
 * OPT_FRAGMENT (RFC 3208 9.3).
 */
import { PgmError } from "./errors.js";
import { type Fragment, type PgmPacket, encodeData, encodeNak, encodeSpm } from "./packet.js";
import { sqnAdd, sqnDiff } from "./sqn.js";

/** libzmq's heartbeat SPM intervals after data, in ms (pgm_socket.cpp). */
export const HEARTBEAT_SPM: readonly number[] = [100, 100, 100, 100, 1300, 7000, 16000, 25000, 30000];
/** libzmq's ambient SPM interval, ms. */
export const AMBIENT_SPM = 30_000;
/** The bytes OPT_LENGTH and OPT_FRAGMENT take in a fragment. */
export const FRAGMENT_OPTIONS_SIZE = 20;
/** OpenPGM's largest APDU (PGM_MAX_APDU). */
export const MAX_APDU = 0xffff;

export interface SourceOptions {
  /** The 6-byte global source id. */
  readonly gsi: Uint8Array;
  /** The source port of the TSI. */
  readonly sport: number;
  /** The data-destination port (the endpoint's port). */
  readonly dport: number;
  /** This source's address, sent in SPMs for receivers to NAK to. */
  readonly nla: string;
  /** The multicast group, named in NCFs. */
  readonly group: string;
  /** Payload bytes in one data packet without options. */
  readonly maxTsdu: number;
  /** Data packets kept for repairs. */
  readonly windowSqns: number;
  /** The first data sequence number (default 0). */
  readonly initialSqn?: number;
  readonly ambientSpm?: number;
  readonly heartbeatSpm?: readonly number[];
  /** The largest APDU send() takes (default MAX_APDU). */
  readonly maxApdu?: number;
  /** At most this many RDATA per second, across all NAKs (default 10,000): a NAK storm gets no more. */
  readonly repairRate?: number;
}

interface Sent {
  readonly payload: Uint8Array;
  readonly fragment: Fragment | undefined;
  /** When an RDATA of it was last sent (-Infinity: never). */
  repairedAt: number;
}

export class PgmSource {
  private readonly window: (Sent | undefined)[];
  /** The next sequence number to send. */
  private next: number;
  /** The oldest sequence number in the window. */
  private trail: number;
  /** Packets kept so far: sqn `next - k` is in slot `(kept - k) % windowSqns` (2^32 need not be a multiple of the window). */
  private kept = 0;
  private spmSqn = 0;
  private nextSpm = 0;
  /** The next heartbeat interval to use; past the end (as at start): ambient SPMs only. */
  private heartbeat: number;
  private repairTokens: number;
  private repairClock = 0;
  private readonly repairRate: number;
  private readonly ambient: number;
  private readonly heartbeats: readonly number[];
  readonly maxApdu: number;

  constructor(private readonly options: SourceOptions) {
    if (options.gsi.length !== 6) throw new PgmError("EINVAL", "A GSI is 6 bytes");
    if (options.maxTsdu <= FRAGMENT_OPTIONS_SIZE) throw new PgmError("EINVAL", `maxTsdu must exceed ${FRAGMENT_OPTIONS_SIZE}`);
    if (!(options.windowSqns >= 1)) throw new PgmError("EINVAL", "windowSqns must be at least 1");
    this.window = new Array<Sent | undefined>(options.windowSqns);
    this.next = (options.initialSqn ?? 0) >>> 0;
    this.trail = this.next;
    this.ambient = options.ambientSpm ?? AMBIENT_SPM;
    this.heartbeats = options.heartbeatSpm ?? HEARTBEAT_SPM;
    this.heartbeat = this.heartbeats.length;
    this.maxApdu = options.maxApdu ?? MAX_APDU;
    this.repairRate = options.repairRate ?? 10_000;
    this.repairTokens = this.repairRate;
  }

  /** The newest sequence number sent (trail - 1 when none). */
  get lead(): number {
    return sqnAdd(this.next, -1);
  }

  /** Packets of one APDU, as ODATA. Throws PgmError EMSGSIZE past maxApdu, EINVAL for an empty one. */
  send(apdu: Uint8Array, now: number): Uint8Array[] {
    if (apdu.length === 0) throw new PgmError("EINVAL", "An APDU has at least one byte");
    if (apdu.length > this.maxApdu) throw new PgmError("EMSGSIZE", `An APDU is at most ${this.maxApdu} bytes; got ${apdu.length}`);
    const out: Uint8Array[] = [];
    if (apdu.length <= this.options.maxTsdu) {
      out.push(this.data("ODATA", this.keep(apdu, undefined)));
    } else {
      const piece = this.options.maxTsdu - FRAGMENT_OPTIONS_SIZE;
      const first = this.next;
      for (let offset = 0; offset < apdu.length; offset += piece) {
        const payload = apdu.subarray(offset, Math.min(offset + piece, apdu.length));
        out.push(this.data("ODATA", this.keep(payload, { first, offset, length: apdu.length })));
      }
    }
    this.heartbeat = 0;
    this.nextSpm = now + this.heartbeats[0]!;
    return out;
  }

  private keep(payload: Uint8Array, fragment: Fragment | undefined): number {
    const sqn = this.next;
    const size = this.window.length;
    if (sqnDiff(sqn, this.trail) >= size) this.trail = sqnAdd(this.trail, 1);
    this.window[this.kept++ % size] = { payload, fragment, repairedAt: -Infinity };
    this.next = sqnAdd(sqn, 1);
    return sqn;
  }

  /** Where a sequence number in the window is kept. */
  private slot(sqn: number): number {
    return (this.kept - sqnDiff(this.next, sqn)) % this.window.length;
  }

  private data(type: "ODATA" | "RDATA", sqn: number): Uint8Array {
    const sent = this.window[this.slot(sqn)]!;
    const o = this.options;
    return encodeData({ type, sport: o.sport, dport: o.dport, gsi: o.gsi, sqn, trail: this.trail, fragment: sent.fragment, payload: sent.payload });
  }

  /** An SPM now (the first one goes out at start; the transport sends it). */
  spm(now: number): Uint8Array {
    const o = this.options;
    const packet = encodeSpm({ sport: o.sport, dport: o.dport, gsi: o.gsi, sqn: this.spmSqn, trail: this.trail, lead: this.lead, nla: o.nla });
    this.spmSqn = sqnAdd(this.spmSqn, 1);
    if (this.nextSpm <= now) this.nextSpm = now + this.ambient;
    return packet;
  }

  /** When timeout() has work: the next SPM. */
  nextTimeout(): number {
    return this.nextSpm;
  }

  /** The SPMs due by now. */
  timeout(now: number): Uint8Array[] {
    if (now < this.nextSpm) return [];
    const packet = this.spm(now);
    const beats = this.heartbeats;
    this.heartbeat++;
    this.nextSpm = now + (this.heartbeat < beats.length ? beats[this.heartbeat]! : this.ambient);
    return [packet];
  }

  /** True when a packet is addressed to this source's session (a NAK or SPMR from its receivers). */
  private ours(packet: PgmPacket): boolean {
    const o = this.options;
    if (packet.dport !== o.sport || packet.sport !== o.dport) return false;
    for (let i = 0; i < 6; i++) if (packet.gsi[i] !== o.gsi[i]) return false;
    return true;
  }

  /**
   * A packet from a receiver: a NAK gets an NCF (to the group) and RDATA for
   * the sequence numbers still in the window; an SPMR gets an SPM. Others,
   * and packets for another session, get nothing.
   */
  handle(packet: PgmPacket, now: number): Uint8Array[] {
    if (!this.ours(packet)) return [];
    if (packet.type === "SPMR") return [this.spm(now)];
    if (packet.type !== "NAK") return [];
    const inWindow = packet.sqns.filter((sqn) => sqnDiff(sqn, this.trail) >= 0 && sqnDiff(sqn, this.next) < 0);
    if (inWindow.length === 0) return [];
    const o = this.options;
    const out = [encodeNak({ type: "NCF", sport: o.sport, dport: o.dport, gsi: o.gsi, sqns: inWindow, sourceNla: o.nla, groupNla: o.group })];
    this.repairTokens = Math.min(this.repairRate, this.repairTokens + ((now - this.repairClock) * this.repairRate) / 1000);
    this.repairClock = now;
    for (const sqn of inWindow) {
      const sent = this.window[this.slot(sqn)]!;
      // One repair per sequence number per 50 ms: repeats of a NAK already answered wait for that RDATA.
      if (now - sent.repairedAt < 50 || this.repairTokens < 1) continue;
      this.repairTokens--;
      sent.repairedAt = now;
      out.push(this.data("RDATA", sqn));
    }
    return out;
  }
}
