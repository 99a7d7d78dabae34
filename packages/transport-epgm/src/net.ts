/**
 * The UDP sockets of epgm://, on node:dgram, as OpenPGM arranges its own
 * for UDP encapsulation: every packet goes to the data-destination port,
 * multicast to the group, NAKs unicast to the source's address.
 *
 *  - A source binds the port on its interface's address (so that unicast
 *    NAKs reach it and not a receiver sharing the port) and sends from it to
 *    the group, with the hop limit, the interface and, as libzmq sets it, no
 *    multicast loop (on a loopback interface packets still arrive).
 *  - A receiver binds the group's address and port (multicast only: a NAK
 *    for a source on this host is never taken by it), joins the group on its
 *    interface, and sends NAKs from a second, unbound socket.
 */
import type { Socket as DgramSocket } from "node:dgram";
import { Errno, type Pipe, type PipeOwner, type SessionHost, pipePair } from "@zmq/kernel";
import { type NodeApi, asZmqError, interfaceAddress, nodeApi } from "@zmq/transport-udp";
import type { EpgmAddress } from "./address.js";

export interface Opened {
  /** Source: the one socket. Receiver: the socket bound to the group. */
  readonly socket: DgramSocket;
  /** Receiver: the socket NAKs go out from. */
  readonly nakSocket: DgramSocket | undefined;
  /** The interface address: a source's NLA in its SPMs. */
  readonly nla: string;
  readonly group: string;
}

/** The address of the interface to use when the endpoint names none: the first external one, else loopback. */
function defaultInterface(api: NodeApi, family: "udp4" | "udp6"): string {
  const want = family === "udp6" ? "IPv6" : "IPv4";
  for (const addresses of Object.values(api.os.networkInterfaces())) {
    for (const a of addresses ?? []) if (!a.internal && a.family === want) return a.address;
  }
  return family === "udp6" ? "::1" : "127.0.0.1";
}

function bind(socket: DgramSocket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off("error", reject);
      socket.on("error", () => {});
      resolve();
    });
  });
}

export async function openSocket(address: EpgmAddress, url: string, role: "source" | "receiver", hops: number): Promise<Opened> {
  const api = await nodeApi("epgm");
  const family = address.family;
  const named = interfaceAddress(api, address, url);
  const nla = named ?? defaultInterface(api, family);
  const group = address.host;
  const socket = api.dgram.createSocket({ type: family, reuseAddr: true });
  try {
    if (role === "source") {
      await bind(socket, address.port, named ?? (family === "udp6" ? "::" : "0.0.0.0"));
      socket.setMulticastInterface(nla);
      socket.setMulticastTTL(hops);
      socket.setMulticastLoopback(false);
      socket.unref();
      return { socket, nakSocket: undefined, nla, group };
    }
    await bind(socket, address.port, group);
    socket.addMembership(group, named);
    const nakSocket = api.dgram.createSocket({ type: family });
    try {
      await bind(nakSocket, 0, named ?? (family === "udp6" ? "::" : "0.0.0.0"));
    } catch (error) {
      nakSocket.close();
      throw error;
    }
    // As the other transports: open sockets do not keep the process alive; waiting calls and queued messages do.
    socket.unref();
    nakSocket.unref();
    return { socket, nakSocket, nla, group };
  } catch (error) {
    socket.close();
    throw error;
  }
}

/** A random GSI and source port: OpenPGM takes 6 bytes of an MD5 of random data, and a random port other than the data port. */
export function randomTsi(dport: number): { gsi: Uint8Array; sport: number } {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let sport = (bytes[6]! << 8) | bytes[7]!;
  if (sport === dport || sport === 0) sport = (sport + 1) & 0xffff || 1;
  return { gsi: bytes.subarray(0, 6), sport };
}

/**
 * The peer a PGM pipe stands for. PGM carries ZMTP/1.0 framing and no
 * subscriptions: an XPUB sends such a peer everything, as libzmq subscribes
 * a PGM pipe to all.
 */
export const everythingPeer: Parameters<SessionHost["peerReady"]>[1] = {
  greeting: { major: 1, minor: 0, framing: "zmtp1", mechanism: "NULL", asServer: false, socketType: undefined, rest: new Uint8Array(0) },
  protocol: "ZMTP/1.0",
  framing: "zmtp1",
  socketType: undefined,
  routingId: new Uint8Array(0),
  properties: new Map(),
  userId: "",
};

/**
 * Gives the socket one end of a new pipe, whose peer takes every message;
 * `owner` (a source or a receiver) adopts the other end first.
 */
export function attachEndpointPipe(host: SessionHost, owner: PipeOwner, endpoint: string, adopt: (pipe: Pipe) => void): void {
  const [mine, theirs] = pipePair(host.sendHighWaterMark, host.receiveHighWaterMark);
  theirs.owner = owner;
  adopt(theirs);
  host.attachPipe(mine, endpoint);
  host.peerReady(mine, everythingPeer);
}

/** Waits for an endpoint's socket to open; a failure is reported as libzmq does (a close:error event), closes it, and rejects. */
export function opened(host: SessionHost, endpoint: string, opening: Promise<void>, close: () => void): Promise<void> {
  return opening.catch((error: unknown) => {
    const e = asZmqError(error, endpoint);
    host.emit({ type: "close:error", address: endpoint, error: { code: e.code, errno: Errno[e.code], message: e.message } });
    close();
    throw e;
  });
}
