/**
 * One udp:// endpoint of a socket: a node:dgram socket and the pipe that
 * joins it to the socket, pumped both ways as libzmq's udp_engine_t does.
 * RADIO connects (sends only: every message to the destination), DISH binds
 * (receives only; its JOIN / LEAVE messages are dropped, it filters itself),
 * DGRAM binds and does both, with the peer's address as the first frame.
 * Datagrams that do not parse, or larger than 8192 bytes, are dropped; so are
 * received ones while the socket's queue is at its receive high-water mark.
 */
import type { Socket as DgramSocket, RemoteInfo } from "node:dgram";
import { Errno, type Msg, type Pipe, type PipeOwner, type SessionHost, pipePair } from "@zmq/kernel";
import { type UdpAddress, boundEndpoint } from "./address.js";
import { MAX_DATAGRAM, decodeGroupDatagram, encodeGroupDatagram, formatPeerAddress, parsePeerAddress } from "./datagram.js";
import { asZmqError, interfaceAddress, nodeApi, resolveHost } from "./node-api.js";

export type UdpRole = "RADIO" | "DISH" | "DGRAM";

/** Sends handed to node:dgram and not yet done, at most: beyond, the pipe is left to fill up to its HWM. */
const MAX_IN_FLIGHT = 256;

export class UdpEndpoint implements PipeOwner {
  private socket: DgramSocket | undefined;
  /** The session's end of the pipe. */
  private pipe: Pipe | undefined;
  private target: { host: string; port: number } | undefined;
  private closing = false;
  private inFlight = 0;
  private readonly sent = (): void => {
    this.inFlight--;
    if (this.closing) {
      this.pump();
      this.finish();
    } else if (this.inFlight === MAX_IN_FLIGHT - 1) this.pump();
  };

  private constructor(
    private readonly host: SessionHost,
    private readonly role: UdpRole,
    private readonly address: UdpAddress,
    readonly endpoint: string,
  ) {}

  /** RADIO: the pipe exists at once (sends queue until the socket is open), the socket opens in the background. */
  static connect(host: SessionHost, address: UdpAddress, url: string): UdpEndpoint {
    const ep = new UdpEndpoint(host, "RADIO", address, url);
    ep.attach(url);
    ep.open().catch((error: unknown) => {
      // No destination (a name that does not resolve, say): drop what is sent, as a socket that cannot send.
      const e = asZmqError(error, url);
      host.emit({ type: "close:error", address: url, error: { code: e.code, errno: e.errno, message: e.message } });
      ep.closing = true;
      ep.pump();
    });
    return ep;
  }

  /** DISH, DGRAM: binds, then attaches a pipe for the endpoint as bound. Rejects with ZmqError. */
  static async bind(host: SessionHost, role: "DISH" | "DGRAM", address: UdpAddress, url: string): Promise<UdpEndpoint> {
    const ep = new UdpEndpoint(host, role, address, url);
    let port: number;
    try {
      port = await ep.listen();
    } catch (error) {
      ep.closeSocket();
      const e = asZmqError(error, url);
      host.emit({ type: "bind:error", address: url, error: { code: e.code, errno: Errno[e.code], message: e.message } });
      throw e;
    }
    const endpoint = boundEndpoint(url, port);
    (ep as { endpoint: string }).endpoint = endpoint;
    host.emit({ type: "bind", address: endpoint });
    if (!host.closed) ep.attach(endpoint);
    return ep;
  }

  private attach(endpoint: string): void {
    const [mine, theirs] = pipePair(this.host.sendHighWaterMark, this.host.receiveHighWaterMark);
    theirs.owner = this;
    this.pipe = theirs;
    this.host.attachPipe(mine, endpoint);
    // A pipe end reports readActivated only after a read found it empty: read now.
    this.pump();
  }

  private async open(): Promise<void> {
    const api = await nodeApi();
    const a = this.address;
    const target = await resolveHost(api, a.host, a.family, false);
    const iface = a.multicast ? interfaceAddress(api, a, this.endpoint) : undefined;
    if (this.closing) return;
    const socket = api.dgram.createSocket({ type: a.family });
    this.socket = socket;
    socket.on("error", () => {});
    await new Promise<void>((resolve) => socket.bind(0, resolve));
    if (a.multicast) {
      const options = this.host.options as unknown as Record<string, unknown>;
      socket.setMulticastLoopback(options.multicastLoop !== false);
      const hops = typeof options.multicastHops === "number" ? options.multicastHops : 1;
      if (hops > 0) socket.setMulticastTTL(hops);
      if (iface !== undefined) socket.setMulticastInterface(iface);
    }
    this.target = { host: target, port: a.port };
    if (this.closing) this.finish();
    else this.pump();
  }

  /** Binds the dgram socket; resolves the port bound. */
  private async listen(): Promise<number> {
    const api = await nodeApi();
    const a = this.address;
    const any = a.family === "udp6" ? "::" : "0.0.0.0";
    // Multicast binds to any address and joins the group on the interface; unicast binds where it says.
    const bindHost = a.multicast ? any : await resolveHost(api, a.host, a.family, true);
    const iface = a.multicast ? interfaceAddress(api, a, this.endpoint) : undefined;
    const socket = api.dgram.createSocket({ type: a.family, reuseAddr: true });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind({ port: a.port, address: bindHost, exclusive: true }, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    socket.on("error", () => {});
    if (a.multicast) {
      socket.addMembership(a.host, iface);
    }
    socket.on("message", (datagram: Buffer, peer: RemoteInfo) => this.received(datagram, peer));
    return socket.address().port;
  }

  private received(datagram: Buffer, peer: RemoteInfo): void {
    const pipe = this.pipe;
    if (pipe === undefined || this.closing) return;
    const frames = this.host.context.frames;
    const view = (bytes: Uint8Array) => frames.fromBytes(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let msg: Msg;
    if (this.role === "DGRAM") {
      if (datagram.length > MAX_DATAGRAM) return;
      msg = [frames.fromString(formatPeerAddress(peer.address, peer.port)), view(datagram)];
    } else {
      const parts = decodeGroupDatagram(datagram);
      if (parts === undefined) return;
      msg = [view(parts[0]), view(parts[1])];
    }
    // At the receive high-water mark the datagram is dropped, as the kernel would drop it.
    pipe.write(msg);
  }

  /** Moves what the socket queued to the network (or drops it: DISH sends nothing, a closing RADIO nothing more). */
  private pump(): void {
    const pipe = this.pipe;
    if (pipe === undefined) return;
    const socket = this.socket;
    const sending = this.role !== "DISH" && socket !== undefined && (this.role === "DGRAM" || this.target !== undefined);
    if (!sending) {
      // Nothing can go out: a DISH's JOIN / LEAVE messages, or a RADIO that failed to open. Still unopened: wait.
      if (this.role === "DISH" || this.closing) while (pipe.read() !== undefined);
      return;
    }
    while (this.inFlight < MAX_IN_FLIGHT) {
      const msg = pipe.read();
      if (msg === undefined) return;
      if (msg.length !== 2) continue;
      let datagram: Uint8Array | undefined;
      let host: string;
      let port: number;
      if (this.role === "DGRAM") {
        const to = parsePeerAddress(msg[0]!);
        datagram = msg[1]!;
        if (to === undefined || datagram.length > MAX_DATAGRAM) continue;
        ({ host, port } = to);
      } else {
        datagram = encodeGroupDatagram(msg[0]!, msg[1]!);
        if (datagram === undefined) continue;
        ({ host, port } = this.target!);
      }
      this.inFlight++;
      socket.send(datagram, port, host, this.sent);
    }
  }

  readActivated(): void {
    this.pump();
  }

  writeActivated(): void {}

  /** The socket let go of its end (close, unbind, disconnect): close once what is in flight has gone. */
  pipeTerminated(): void {
    this.pipe = undefined;
    this.close();
  }

  /** Stops receiving; what the socket already queued still goes out, then the dgram socket closes. */
  close(): void {
    if (this.closing) return;
    this.pump();
    this.closing = true;
    if (this.role !== "RADIO") this.host.emit({ type: "close", address: this.endpoint });
    this.finish();
  }

  private finish(): void {
    if (this.inFlight === 0) this.closeSocket();
  }

  private closeSocket(): void {
    const socket = this.socket;
    this.socket = undefined;
    try {
      socket?.close();
    } catch {
      // Already closed by node:dgram after a failed bind.
    }
  }
}
