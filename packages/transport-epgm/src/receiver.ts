/**
 * An epgm:// endpoint of a SUB or XSUB socket, as libzmq's pgm_receiver:
 * PGM from every source sending to the group and port, repaired by NAKs,
 * each source's APDUs decoded as a ZMTP/1.0 stream joined at the first
 * message start, and the messages queued for the socket, which filters them
 * by its subscriptions (PGM carries none upstream: what the socket sends
 * down the pipe is dropped). A loss that cannot be repaired drops the
 * message it cut and the stream rejoins at the next message start.
 */
import type { RemoteInfo } from "node:dgram";
import type { Msg, Pipe, PipeOwner, SessionHost } from "@zmq/kernel";
import { PgmError, PgmReceiver, decodePacket } from "@zmq/pgm";
import { type EpgmAddress, windowSqns } from "./address.js";
import { ApduReader } from "./apdu.js";
import { type Opened, attachEndpointPipe, openSocket, opened } from "./net.js";

/** Sources read from at once, at most (OpenPGM keeps a peer per TSI too). */
const MAX_SOURCES = 256;

export class EpgmReceiver implements PipeOwner {
  private pipe: Pipe | undefined;
  private net: Opened | undefined;
  private pgm: PgmReceiver | undefined;
  private readonly readers = new Map<string, ApduReader>();
  /** Messages decoded while the socket's queue was full, waiting for room; bounded. */
  private backlog: Msg[] = [];
  private backlogLimit = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private closing = false;
  /** Packets dropped because they did not parse (a bad checksum, truncated ...). */
  malformed = 0;

  constructor(
    private readonly host: SessionHost,
    private readonly address: EpgmAddress,
    readonly endpoint: string,
  ) {}

  start(): Promise<void> {
    attachEndpointPipe(this.host, this, this.endpoint, (pipe) => (this.pipe = pipe));
    this.drainSubscriptions();
    return opened(this.host, this.endpoint, this.open(), () => this.close());
  }

  private async open(): Promise<void> {
    const options = this.host.options;
    const net = await openSocket(this.address, this.endpoint, "receiver", options.multicastHops);
    if (this.closing) {
      net.socket.close();
      net.nakSocket?.close();
      return;
    }
    this.net = net;
    const window = windowSqns(options.rate, options.recoveryInterval, options.multicastMaxTransportDataUnit);
    // Hold at most about a window's worth of messages beyond the socket's own queue.
    this.backlogLimit = Math.max(window, 1000);
    const port = this.address.port;
    this.pgm = new PgmReceiver(
      { dport: port, group: net.group, windowSqns: window, maxPeers: MAX_SOURCES },
      {
        data: (tsi, apdu) => this.apdu(tsi, apdu),
        loss: (tsi) => this.readers.get(tsi)?.reset(),
        send: (nla, packet) => net.nakSocket?.send(packet, port, nla),
      },
    );
    net.socket.on("message", (datagram: Buffer, from: RemoteInfo) => this.received(datagram, from));
  }

  private received(datagram: Buffer, from: RemoteInfo): void {
    const pgm = this.pgm;
    if (pgm === undefined || this.closing) return;
    let packet;
    try {
      packet = decodePacket(datagram);
    } catch (error) {
      if (!(error instanceof PgmError)) throw error;
      this.malformed++;
      return;
    }
    pgm.receive(packet, from.address, performance.now());
    this.schedule();
  }

  private apdu(tsi: string, apdu: Uint8Array): void {
    let reader = this.readers.get(tsi);
    if (reader === undefined) {
      if (this.readers.size >= MAX_SOURCES) this.readers.delete(this.readers.keys().next().value!);
      const frames = this.host.context.frames;
      // Frames are views of the datagrams (Buffers in Node) or, when they span APDUs, made by the Context's allocator.
      reader = new ApduReader(
        (msg) => this.deliver(msg),
        this.host.options.maxMessageSize,
        (size) => frames.alloc(size),
      );
      this.readers.set(tsi, reader);
    }
    reader.push(apdu);
  }

  private deliver(msg: Msg): void {
    const pipe = this.pipe;
    if (pipe === undefined) return;
    if (this.backlog.length === 0 && pipe.write(msg)) return;
    // The socket's queue is full: wait for room, as libzmq stops reading; past the limit, drop as PGM would lose it.
    if (this.backlog.length < this.backlogLimit) this.backlog.push(msg);
  }

  writeActivated(): void {
    const pipe = this.pipe;
    if (pipe === undefined) return;
    let i = 0;
    while (i < this.backlog.length && pipe.write(this.backlog[i]!)) i++;
    this.backlog = i === this.backlog.length ? [] : this.backlog.slice(i);
  }

  /** Wakes the PGM receiver for its next NAK or expiry. */
  private schedule(): void {
    const pgm = this.pgm;
    if (pgm === undefined || this.closing) return;
    const at = pgm.nextTimeout();
    if (at === undefined || at >= this.timerAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.pgm?.timeout(performance.now());
        this.schedule();
      },
      Math.max(0, at - performance.now()),
    );
    // NAK and expiry timers do not keep the process alive: a waiting receive() does, through the kernel.
    this.timer.unref?.();
  }

  /** Subscriptions the socket sends down: PGM cannot carry them. */
  private drainSubscriptions(): void {
    const pipe = this.pipe;
    if (pipe !== undefined) while (pipe.read() !== undefined);
  }

  readActivated(): void {
    this.drainSubscriptions();
  }

  pipeTerminated(): void {
    this.pipe = undefined;
    this.close();
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.backlog = [];
    const net = this.net;
    this.net = undefined;
    this.pgm = undefined;
    net?.socket.close();
    net?.nakSocket?.close();
  }
}
