/**
 * The receiving side of PGM, sans I/O: decoded packets in (with the address
 * they came from), APDUs, gaps and packets to send out through a sink, with
 * a clock passed in and a next-timeout to wake it.
 *
 * One receive window per source (TSI). A source is joined at the first data
 * packet or SPM heard: data before that is not asked for (a late joiner
 * starts mid-stream). A gap in the sequence numbers, or an SPM or NCF naming
 * a lead past what arrived, starts loss recovery for each missing packet:
 * after a random back-off (up to nakBackoff) a NAK goes to the source's NLA
 * (from its SPM, else the address its packets came from); with no NCF in
 * nakRepeat the NAK is repeated, after an NCF the RDATA is awaited for
 * nakRdata; past the retry counts, or once the source's trail passes it,
 * the packet is lost: the sink hears of the gap, the APDU it belonged to is
 * dropped and the stream goes on. APDUs sent in fragments (OPT_FRAGMENT) are
 * put back together. Memory is bounded by the window and the peer count.
 */
import { type DataPacket, type Fragment, MAX_NAK_LIST, type PgmPacket, encodeNak, tsiKey } from "./packet.js";
import { MAX_APDU } from "./source.js";
import { sqnAdd, sqnDiff, sqnLt } from "./sqn.js";

export interface ReceiverOptions {
  /** The data-destination port: packets for another port are ignored. */
  readonly dport: number;
  /** The multicast group, named in NAKs. */
  readonly group: string;
  /** Sequence numbers held per source, at most. */
  readonly windowSqns: number;
  readonly nakBackoff?: number;
  readonly nakRepeat?: number;
  readonly nakRdata?: number;
  readonly nakDataRetries?: number;
  readonly nakNcfRetries?: number;
  /** A source not heard from for this long is forgotten (ms). */
  readonly peerExpiry?: number;
  /** Sources tracked at once, at most; packets of more are ignored. */
  readonly maxPeers?: number;
  /** The largest APDU put together from fragments. */
  readonly maxApdu?: number;
  /** A number in [0, 1): the NAK back-off's randomness. */
  readonly random?: () => number;
}

export interface ReceiverSink {
  /** An APDU from a source, in order. */
  data(tsi: string, apdu: Uint8Array): void;
  /** Data from a source was lost for good: what follows does not continue what came before. */
  loss(tsi: string): void;
  /** A packet for a source (a NAK), to send to `nla` at the data-destination port. */
  send(nla: string, packet: Uint8Array): void;
}

const HAVE = 0;
const BACKOFF = 1;
const WAIT_NCF = 2;
const WAIT_DATA = 3;
const LOST = 4;

interface Entry {
  state: number;
  deadline: number;
  ncfRetries: number;
  dataRetries: number;
  payload: Uint8Array | undefined;
  fragment: Fragment | undefined;
}

interface Peer {
  readonly key: string;
  readonly gsi: Uint8Array;
  readonly sport: number;
  nla: string;
  /** The next sequence number to deliver. */
  commit: number;
  /** The newest sequence number known to exist. */
  lead: number;
  readonly entries: Map<number, Entry>;
  /** Sequence numbers being recovered. */
  readonly missing: Set<number>;
  heard: number;
}

export class PgmReceiver {
  private readonly peers = new Map<string, Peer>();
  private readonly backoff: number;
  private readonly repeat: number;
  private readonly rdata: number;
  private readonly dataRetries: number;
  private readonly ncfRetries: number;
  private readonly expiry: number;
  private readonly maxPeers: number;
  private readonly maxApdu: number;
  private readonly random: () => number;

  constructor(
    private readonly options: ReceiverOptions,
    private readonly sink: ReceiverSink,
  ) {
    this.backoff = options.nakBackoff ?? 50;
    this.repeat = options.nakRepeat ?? 200;
    this.rdata = options.nakRdata ?? 200;
    this.dataRetries = options.nakDataRetries ?? 50;
    this.ncfRetries = options.nakNcfRetries ?? 50;
    this.expiry = options.peerExpiry ?? 300_000;
    this.maxPeers = options.maxPeers ?? 256;
    this.maxApdu = options.maxApdu ?? MAX_APDU;
    this.random = options.random ?? Math.random;
  }

  /** Sources being received from. */
  get peerCount(): number {
    return this.peers.size;
  }

  /** A packet from `from` (the sender's address). Packets that are not for this receiver are ignored. */
  receive(packet: PgmPacket, from: string, now: number): void {
    if (packet.type === "OTHER" || packet.type === "NAK" || packet.type === "NNAK" || packet.type === "SPMR") return;
    if (packet.dport !== this.options.dport) return;
    const key = tsiKey(packet.gsi, packet.sport);
    let peer = this.peers.get(key);
    if (peer === undefined) {
      if (packet.type === "NCF" || this.peers.size >= this.maxPeers) return;
      peer = { key, gsi: packet.gsi, sport: packet.sport, nla: from, commit: 0, lead: 0, entries: new Map(), missing: new Set(), heard: now };
      // Joined here: a data packet is the first to deliver, an SPM's lead the last not to.
      const start = packet.type === "SPM" ? sqnAdd(packet.lead, 1) : (packet as DataPacket).sqn;
      peer.commit = start;
      peer.lead = sqnAdd(start, -1);
      this.peers.set(key, peer);
    }
    peer.heard = now;
    switch (packet.type) {
      case "SPM":
        peer.nla = packet.nla;
        this.extend(peer, packet.lead, now, BACKOFF);
        this.lose(peer, packet.trail);
        break;
      case "NCF":
        for (const sqn of packet.sqns) this.confirmed(peer, sqn, now);
        break;
      default:
        this.data(peer, packet as DataPacket, now);
    }
    this.deliver(peer);
  }

  private data(peer: Peer, packet: DataPacket, now: number): void {
    const sqn = packet.sqn;
    if (sqnLt(sqn, peer.commit)) return;
    if (packet.fragment && (packet.fragment.length > this.maxApdu || sqnLt(sqn, packet.fragment.first))) return;
    this.extend(peer, sqn, now, BACKOFF);
    const entry = peer.entries.get(sqn);
    // Not there: the window moved past it. Here already, or given up: a duplicate, or too late.
    if (entry === undefined || entry.state === HAVE || entry.state === LOST) return;
    entry.state = HAVE;
    entry.payload = packet.payload;
    entry.fragment = packet.fragment;
    peer.missing.delete(sqn);
    this.lose(peer, packet.trail);
  }

  /** `sqn` exists: it and everything between the lead and it are missing. The window bounds how far it reaches. */
  private extend(peer: Peer, sqn: number, now: number, state: number): void {
    if (sqnDiff(sqn, peer.lead) <= 0) return;
    const window = this.options.windowSqns;
    // Further than the window holds: what is not here is lost; keep the newest window's worth.
    if (sqnDiff(sqn, peer.commit) >= window) this.lose(peer, sqnAdd(sqn, 1 - window), true);
    for (let s = sqnAdd(peer.lead, 1); sqnDiff(s, sqn) <= 0; s = sqnAdd(s, 1)) this.want(peer, s, now, state);
    peer.lead = sqn;
  }

  private want(peer: Peer, sqn: number, now: number, state: number): void {
    const deadline = state === BACKOFF ? now + this.random() * this.backoff : now + this.rdata;
    peer.entries.set(sqn, { state, deadline, ncfRetries: 0, dataRetries: 0, payload: undefined, fragment: undefined });
    peer.missing.add(sqn);
  }

  /**
   * Nothing before `before` can come any more (the source's trail passed it,
   * or the window had to move): what is here is delivered, the rest is a gap.
   * Bounded by what the window holds, however far `before` is. Unless the
   * window has to move (`force`), an APDU whose fragments before `before` are
   * all here waits for the rest, which the source can still repair.
   */
  private lose(peer: Peer, before: number, force = false): void {
    if (!sqnLt(peer.commit, before)) return;
    for (const [s, entry] of peer.entries) {
      if (sqnLt(s, before) && entry.state !== HAVE) {
        entry.state = LOST;
        peer.missing.delete(s);
      }
    }
    this.deliver(peer);
    if (!sqnLt(peer.commit, before)) return;
    if (!force && peer.entries.get(peer.commit)?.state === HAVE && !sqnLt(sqnAdd(peer.lead, 1), before)) return;
    // Held back by an APDU that cannot be whole, or nothing held at all: jump.
    for (const s of peer.entries.keys()) {
      if (sqnLt(s, before)) {
        peer.entries.delete(s);
        peer.missing.delete(s);
      }
    }
    peer.commit = before;
    if (sqnLt(peer.lead, before)) peer.lead = sqnAdd(before, -1);
    this.sink.loss(peer.key);
    this.deliver(peer);
  }

  private confirmed(peer: Peer, sqn: number, now: number): void {
    if (sqnLt(sqn, peer.commit)) return;
    if (sqnDiff(sqn, peer.lead) > 0) this.extend(peer, sqn, now, WAIT_DATA);
    const entry = peer.entries.get(sqn);
    if (entry !== undefined && (entry.state === BACKOFF || entry.state === WAIT_NCF)) {
      entry.state = WAIT_DATA;
      entry.deadline = now + this.rdata;
    }
  }

  /** Hands over every complete APDU at the commit point, and skips lost packets. */
  private deliver(peer: Peer): void {
    for (;;) {
      const entry = peer.entries.get(peer.commit);
      if (entry === undefined) return;
      if (entry.state === LOST) {
        peer.entries.delete(peer.commit);
        peer.commit = sqnAdd(peer.commit, 1);
        this.sink.loss(peer.key);
        continue;
      }
      if (entry.state !== HAVE) return;
      const fragment = entry.fragment;
      if (fragment === undefined) {
        peer.entries.delete(peer.commit);
        peer.commit = sqnAdd(peer.commit, 1);
        this.sink.data(peer.key, entry.payload!);
        continue;
      }
      if (!this.reassemble(peer, fragment)) return;
    }
  }

  /**
   * The APDU whose first fragment is at the commit point: delivered when all
   * of it is here, dropped when it cannot be whole. False to wait for more.
   */
  private reassemble(peer: Peer, fragment: Fragment): boolean {
    const drop = (count: number, lost: boolean) => {
      for (let i = 0; i < count; i++) {
        peer.entries.delete(peer.commit);
        peer.missing.delete(peer.commit);
        peer.commit = sqnAdd(peer.commit, 1);
      }
      if (lost) this.sink.loss(peer.key);
      return true;
    };
    // A fragment of an APDU that began before the commit point (joined mid-APDU): skip it.
    if (fragment.first !== peer.commit) return drop(1, false);
    const pieces: Uint8Array[] = [];
    let size = 0;
    for (let s = peer.commit; ; s = sqnAdd(s, 1)) {
      const entry = peer.entries.get(s);
      if (entry === undefined || entry.state === BACKOFF || entry.state === WAIT_NCF || entry.state === WAIT_DATA) return false;
      const count = sqnDiff(s, peer.commit) + 1;
      const f = entry.fragment;
      if (entry.state === LOST || f === undefined || f.first !== fragment.first || f.length !== fragment.length || f.offset !== size) {
        // A hole or a fragment that does not fit: the APDU cannot be whole. (The first
        // fragment itself not fitting, an offset other than 0, goes too: dropping nothing would loop.)
        return drop(entry.state === LOST ? count : Math.max(count - 1, 1), true);
      }
      pieces.push(entry.payload!);
      size += entry.payload!.length;
      if (size === fragment.length) {
        const apdu = new Uint8Array(size);
        let at = 0;
        for (const piece of pieces) {
          apdu.set(piece, at);
          at += piece.length;
        }
        drop(count, false);
        this.sink.data(peer.key, apdu);
        return true;
      }
    }
  }

  /** When timeout() has work next, or undefined. */
  nextTimeout(): number | undefined {
    let next: number | undefined;
    for (const peer of this.peers.values()) {
      let at = peer.heard + this.expiry;
      for (const sqn of peer.missing) at = Math.min(at, peer.entries.get(sqn)!.deadline);
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** Sends the NAKs due, gives up what has run out of retries, forgets silent sources. */
  timeout(now: number): void {
    for (const peer of this.peers.values()) {
      if (now - peer.heard >= this.expiry) {
        this.peers.delete(peer.key);
        continue;
      }
      const nak: number[] = [];
      for (const sqn of peer.missing) {
        const entry = peer.entries.get(sqn)!;
        if (entry.deadline > now) continue;
        if (entry.state === BACKOFF) {
          nak.push(sqn);
          entry.state = WAIT_NCF;
          entry.deadline = now + this.repeat;
        } else if (entry.state === WAIT_NCF ? ++entry.ncfRetries > this.ncfRetries : ++entry.dataRetries > this.dataRetries) {
          entry.state = LOST;
          peer.missing.delete(sqn);
        } else {
          entry.state = BACKOFF;
          entry.deadline = now + this.random() * this.backoff;
        }
      }
      nak.sort((a, b) => sqnDiff(a, b));
      for (let i = 0; i < nak.length; i += MAX_NAK_LIST + 1) {
        const sqns = nak.slice(i, i + MAX_NAK_LIST + 1);
        const o = this.options;
        this.sink.send(
          peer.nla,
          encodeNak({ type: "NAK", sport: o.dport, dport: peer.sport, gsi: peer.gsi, sqns, sourceNla: peer.nla, groupNla: o.group }),
        );
      }
      this.deliver(peer);
    }
  }
}
