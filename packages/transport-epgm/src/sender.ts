/**
 * An epgm:// endpoint of a PUB or XPUB socket, as libzmq's pgm_sender: the
 * socket's messages, packed into APDUs in ZMTP/1.0 framing, go out as PGM
 * ODATA to the group, paced to the `rate` option; NAKs from receivers are
 * answered with NCF and RDATA from a transmit window sized from `rate` and
 * `recoveryInterval`; SPMs tell receivers where to NAK. PGM carries no
 * subscriptions, so the pipe subscribes to everything (receivers filter).
 */
import type { RemoteInfo } from "node:dgram";
import type { Pipe, PipeOwner, SessionHost } from "@zmq/kernel";
import { FRAGMENT_OPTIONS_SIZE, PgmError, PgmSource, decodePacket } from "@zmq/pgm";
import { type EpgmAddress, DATA_HEADERS, encapsulationOverhead, windowSqns } from "./address.js";
import { ApduWriter } from "./apdu.js";
import { type Opened, attachEndpointPipe, openSocket, opened, randomTsi } from "./net.js";

/** Datagrams handed to node:dgram and not yet sent, at most. */
const MAX_IN_FLIGHT = 64;
/** RDATA waiting for the rate, at most. */
const MAX_QUEUED_REPAIRS = 1024;

export class EpgmSender implements PipeOwner {
  private pipe: Pipe | undefined;
  private net: Opened | undefined;
  private source: PgmSource | undefined;
  private writer: ApduWriter | undefined;
  /** Data packets made and not yet sent (the rate allowed no more): RDATA first, then ODATA. */
  private queued: Uint8Array[] = [];
  private inFlight = 0;
  private closing = false;
  private spmTimer: ReturnType<typeof setTimeout> | undefined;
  private rateTimer: ReturnType<typeof setTimeout> | undefined;
  /** The rate's token bucket: bytes that may go out now. */
  private tokens = 0;
  private tokensAt = 0;
  private bytesPerMs = 0;
  private burst = 0;
  private overhead = 0;
  private readonly sent = (): void => {
    this.inFlight--;
    if (this.inFlight === MAX_IN_FLIGHT - 1) this.pump();
    this.finish();
  };

  constructor(
    private readonly host: SessionHost,
    private readonly address: EpgmAddress,
    readonly endpoint: string,
  ) {}

  /** Attaches the pipe now (messages queue up to the HWM) and opens the socket in the background. */
  start(): Promise<void> {
    attachEndpointPipe(this.host, this, this.endpoint, (pipe) => (this.pipe = pipe));
    return opened(this.host, this.endpoint, this.open(), () => this.close());
  }

  private async open(): Promise<void> {
    const options = this.host.options;
    // The source binds the data port on its interface: receivers' unicast NAKs come to it.
    const net = await openSocket(this.address, this.endpoint, "source", options.multicastHops);
    if (this.closing) {
      net.socket.close();
      return;
    }
    this.net = net;
    const maxTpdu = options.multicastMaxTransportDataUnit;
    const overhead = encapsulationOverhead(this.address.family);
    // libzmq fills APDUs to OpenPGM's PGM_MSS: a packet's payload less the room of a fragment option.
    const maxTsdu = maxTpdu - overhead - DATA_HEADERS;
    const apduSize = maxTsdu - FRAGMENT_OPTIONS_SIZE;
    if (apduSize < 3) throw new PgmError("EINVAL", `multicastMaxTransportDataUnit ${maxTpdu} leaves no room for data`);
    const { gsi, sport } = randomTsi(this.address.port);
    this.source = new PgmSource({
      gsi,
      sport,
      dport: this.address.port,
      nla: net.nla,
      group: net.group,
      maxTsdu,
      windowSqns: windowSqns(options.rate, options.recoveryInterval, maxTpdu),
    });
    this.writer = new ApduWriter(apduSize);
    this.overhead = overhead;
    // libzmq's ODATA_MAX_RTE: rate kbit/s as bytes/s; bursts of at most 2 ms (and at least two packets), so
    // that a receiver's socket buffer is not flooded between its reads.
    this.bytesPerMs = (options.rate * 1000) / 8 / 1000;
    this.burst = Math.max(2 * maxTpdu, 2 * this.bytesPerMs);
    this.tokens = this.burst;
    this.tokensAt = performance.now();
    net.socket.on("message", (datagram: Buffer, from: RemoteInfo) => this.received(datagram, from));
    // Three SPMs at start, as OpenPGM sends them: receivers learn where to NAK before the first data.
    const now = performance.now();
    this.transmit([this.source.spm(now), this.source.spm(now), this.source.spm(now)]);
    this.scheduleSpm();
    this.pump();
  }

  private received(datagram: Buffer, _from: RemoteInfo): void {
    const source = this.source;
    if (source === undefined || this.closing) return;
    let packet;
    try {
      packet = decodePacket(datagram);
    } catch (error) {
      if (error instanceof PgmError) return;
      throw error;
    }
    // The NCF goes at once; RDATA goes ahead of new data, paced with it (a burst of repairs would overflow receivers).
    const [confirm, ...repairs] = source.handle(packet, performance.now());
    if (confirm === undefined) return;
    this.transmit([confirm]);
    // Repairs wait at most MAX_QUEUED_REPAIRS deep: past that a NAK storm gets only its NCF (receivers NAK again).
    if (repairs.length === 0 || this.queued.length >= MAX_QUEUED_REPAIRS) return;
    this.queued = [...repairs.slice(0, MAX_QUEUED_REPAIRS - this.queued.length), ...this.queued];
    this.pump();
  }

  private scheduleSpm(): void {
    const source = this.source;
    if (source === undefined || this.closing) return;
    if (this.spmTimer !== undefined) clearTimeout(this.spmTimer);
    const wait = Math.max(0, source.nextTimeout() - performance.now());
    this.spmTimer = setTimeout(() => {
      this.spmTimer = undefined;
      this.transmit(source.timeout(performance.now()));
      this.scheduleSpm();
    }, wait);
    // SPMs alone do not keep the process alive (the kernel holds it for queued messages and waiting calls).
    this.spmTimer.unref?.();
  }

  private transmit(packets: Uint8Array[]): void {
    const net = this.net;
    if (net === undefined) return;
    for (const packet of packets) {
      this.inFlight++;
      net.socket.send(packet, this.address.port, net.group, this.sent);
    }
  }

  /** Moves messages from the pipe to the network as fast as the rate allows. */
  private pump(): void {
    const source = this.source;
    const writer = this.writer;
    const pipe = this.pipe;
    if (source === undefined || writer === undefined || this.rateTimer !== undefined) return;
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.tokensAt) * this.bytesPerMs);
    this.tokensAt = now;
    let sentData = false;
    while (this.inFlight < MAX_IN_FLIGHT) {
      if (this.queued.length === 0) {
        // Once the socket let go of the pipe, the rest of a message already begun still goes out.
        const apdu = writer.pack(pipe === undefined ? () => undefined : () => pipe.read());
        if (apdu === undefined) break;
        this.queued = source.send(apdu, now);
        sentData = true;
      }
      const packet = this.queued[0]!;
      const cost = packet.length + this.overhead;
      if (this.tokens < cost) {
        this.rateTimer = setTimeout(
          () => {
            this.rateTimer = undefined;
            this.pump();
          },
          Math.ceil((cost - this.tokens) / this.bytesPerMs),
        );
        break;
      }
      this.tokens -= cost;
      this.queued.shift();
      this.transmit([packet]);
    }
    if (sentData) this.scheduleSpm();
  }

  readActivated(): void {
    this.pump();
  }

  writeActivated(): void {}

  pipeTerminated(): void {
    this.pipe = undefined;
    this.close();
  }

  /** What the socket queued still goes out (at the rate), then the socket closes. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.pump();
    this.finish();
  }

  /** Closes the socket once closing and nothing is left to send. */
  private finish(): void {
    if (!this.closing) return;
    if (this.net !== undefined && (this.inFlight > 0 || this.queued.length > 0 || this.writer?.partial === true)) return;
    if (this.spmTimer !== undefined) clearTimeout(this.spmTimer);
    if (this.rateTimer !== undefined) clearTimeout(this.rateTimer);
    this.spmTimer = this.rateTimer = undefined;
    const net = this.net;
    this.net = undefined;
    this.source = undefined;
    net?.socket.close();
  }
}
