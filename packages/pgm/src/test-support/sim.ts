// Test support: a seeded PRNG, APDU makers, and a simulated network that
// drives a PgmSource and a PgmReceiver with an explicit fake clock (no real
// time anywhere): packets in flight sit in a queue with an arrival time, a
// drop function decides what is lost, a latency function what is reordered,
// and the clock jumps from one event (arrival or timer) to the next.
import { type NakPacket, type PgmPacket, decodePacket } from "../packet.js";
import { type ReceiverOptions, PgmReceiver } from "../receiver.js";
import { type SourceOptions, PgmSource } from "../source.js";

/** mulberry32: a small seeded PRNG returning numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An APDU of `size` bytes that names `id` in its first 4 bytes and fills the rest from it. */
export function apdu(id: number, size = 8): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (id * 31 + i * 7 + (i >> 8)) & 0xff;
  const head = [id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff];
  for (let i = 0; i < Math.min(4, size); i++) out[i] = head[i]!;
  return out;
}

export const GSI = Uint8Array.of(1, 2, 3, 4, 5, 6);
export const SOURCE_NLA = "10.0.0.1";
export const GROUP = "239.192.1.1";
export const SPORT = 4000;
export const DPORT = 5555;

export function sourceOptions(over: Partial<SourceOptions> = {}): SourceOptions {
  return { gsi: GSI, sport: SPORT, dport: DPORT, nla: SOURCE_NLA, group: GROUP, maxTsdu: 1400, windowSqns: 1000, ...over };
}

export type Direction = "down" | "up";

export type LogEntry = { readonly kind: "data"; readonly apdu: Uint8Array; readonly at: number } | { readonly kind: "loss"; readonly at: number };

export interface Transmission {
  readonly at: number;
  readonly dir: Direction;
  readonly packet: PgmPacket;
  readonly dropped: boolean;
}

interface InFlight {
  readonly at: number;
  readonly seq: number;
  readonly dir: Direction;
  readonly bytes: Uint8Array;
}

export interface SimConfig {
  readonly source?: Partial<SourceOptions>;
  readonly receiver?: Partial<ReceiverOptions>;
  /** Seeds the receiver's NAK back-off (unless receiver.random is given). */
  readonly seed?: number;
}

/**
 * One source, one receiver, a network between them. `drop` and `latency`
 * may be replaced at any time; `log` is what the receiver handed over,
 * `naks` the NAKs it sent, `wire` every packet put on the network.
 */
export class Sim {
  now = 0;
  readonly source: PgmSource;
  readonly receiver: PgmReceiver;
  readonly log: LogEntry[] = [];
  readonly naks: { readonly at: number; readonly nla: string; readonly packet: NakPacket }[] = [];
  readonly wire: Transmission[] = [];
  drop: (dir: Direction, packet: PgmPacket) => boolean = () => false;
  latency: (dir: Direction, packet: PgmPacket) => number = () => 1;
  /** Safety net: a run that takes more steps than this has a loop somewhere. */
  maxSteps = 5_000_000;
  maxLosses = 100_000;
  /** ODATA that reached the receiver after a higher sqn had (the network reordered it). */
  reordered = 0;
  private lossCount = 0;
  private highest = -1;
  private readonly queue: InFlight[] = [];
  private seq = 0;

  constructor(config: SimConfig = {}) {
    this.source = new PgmSource(sourceOptions(config.source));
    const random = prng(config.seed ?? 1);
    this.receiver = new PgmReceiver(
      { dport: DPORT, group: GROUP, windowSqns: 1000, random, ...config.receiver },
      {
        data: (_tsi, data) => this.log.push({ kind: "data", apdu: data, at: this.now }),
        loss: () => {
          // A receiver stuck reporting the same gap forever would never return: fail instead.
          if (++this.lossCount > this.maxLosses) throw new Error(`more than ${this.maxLosses} losses reported`);
          this.log.push({ kind: "loss", at: this.now });
        },
        send: (nla, bytes) => {
          const packet = decodePacket(bytes);
          if (packet.type === "NAK") this.naks.push({ at: this.now, nla, packet });
          this.transmit("up", bytes);
        },
      },
    );
  }

  /** The APDUs delivered so far. */
  get delivered(): Uint8Array[] {
    return this.log.flatMap((e) => (e.kind === "data" ? [e.apdu] : []));
  }

  get losses(): number {
    return this.log.filter((e) => e.kind === "loss").length;
  }

  /** Packets put on the wire (dropped or not) that match `pred`. */
  sent(pred: (t: Transmission) => boolean): Transmission[] {
    return this.wire.filter(pred);
  }

  /** The source sends an APDU now. */
  send(data: Uint8Array): void {
    for (const bytes of this.source.send(data, this.now)) this.transmit("down", bytes);
  }

  /** The source sends an SPM now (as a transport does at start). */
  spm(): void {
    this.transmit("down", this.source.spm(this.now));
  }

  transmit(dir: Direction, bytes: Uint8Array): void {
    const packet = decodePacket(bytes);
    const dropped = this.drop(dir, packet);
    this.wire.push({ at: this.now, dir, packet, dropped });
    if (dropped) return;
    this.queue.push({ at: this.now + this.latency(dir, packet), seq: this.seq++, dir, bytes });
  }

  /** Runs every arrival and timer up to `until`, then sets the clock to it. */
  run(until: number): void {
    for (let steps = 0; ; steps++) {
      if (steps > this.maxSteps) throw new Error(`simulation did not settle by ${until} (now ${this.now})`);
      let first: InFlight | undefined;
      for (const f of this.queue) if (first === undefined || f.at < first.at || (f.at === first.at && f.seq < first.seq)) first = f;
      const tq = first?.at ?? Infinity;
      const ts = this.source.nextTimeout();
      const tr = this.receiver.nextTimeout() ?? Infinity;
      const t = Math.min(tq, ts, tr);
      if (t > until) break;
      this.now = Math.max(this.now, t);
      if (first !== undefined && tq === t) {
        this.queue.splice(this.queue.indexOf(first), 1);
        const packet = decodePacket(first.bytes);
        if (first.dir === "down") {
          if (packet.type === "ODATA") {
            if (packet.sqn < this.highest) this.reordered++;
            this.highest = Math.max(this.highest, packet.sqn);
          }
          this.receiver.receive(packet, SOURCE_NLA, this.now);
        } else for (const reply of this.source.handle(packet, this.now)) this.transmit("down", reply);
      } else if (ts === t) {
        for (const bytes of this.source.timeout(this.now)) this.transmit("down", bytes);
      } else {
        this.receiver.timeout(this.now);
      }
    }
    this.now = Math.max(this.now, until);
  }

  /** Packets still in flight. */
  get inFlight(): number {
    return this.queue.length;
  }
}

/** The sequence number of a data packet (or undefined). */
export function dataSqn(packet: PgmPacket): number | undefined {
  return packet.type === "ODATA" || packet.type === "RDATA" ? packet.sqn : undefined;
}
