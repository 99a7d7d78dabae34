// A ZMTP peer made of @zmq/wire's ZmtpConnection over a node:net socket:
// the smallest thing that speaks real ZMTP to libzmq. The kernel's engine
// (a later package) does this with backpressure, reconnects and heartbeats;
// this is for the demo and for showing the codec on its own.
import { connect, type Socket } from "node:net";
import { type ConnectionOptions, type PeerInfo, ZmtpConnection } from "@zmq/wire";

export interface WirePeer {
  readonly peer: PeerInfo;
  send(frames: Uint8Array[]): void;
  receive(): Promise<Buffer[]>;
  close(): void;
}

/** Connects to 127.0.0.1:port and runs the ZMTP handshake; resolves once it is done. */
export function connectWirePeer(port: number, options: ConnectionOptions, trace: (line: string) => void = () => {}): Promise<WirePeer> {
  return startWirePeer(connect({ host: "127.0.0.1", port }), options, trace);
}

/** Runs ZMTP over a socket that is connecting or already connected (accepted by a server). */
export function startWirePeer(socket: Socket, options: ConnectionOptions, trace: (line: string) => void = () => {}): Promise<WirePeer> {
  return new Promise((resolve, reject) => {
    socket.setNoDelay(true);
    const inbox: Buffer[][] = [];
    const waiting: ((m: Buffer[]) => void)[] = [];
    const conn: ZmtpConnection = new ZmtpConnection(
      { ...options, alloc: (n) => Buffer.allocUnsafe(n) },
      {
        send: (chunk) => {
          trace(`  -> ${chunk.length} bytes ${Buffer.from(chunk).toString("hex").slice(0, 48)}${chunk.length > 24 ? "…" : ""}`);
          socket.write(chunk);
        },
        onReady: (peer) =>
          resolve({
            peer,
            send: (frames) => {
              for (const c of conn.encodeMessages([frames])) socket.write(c);
            },
            receive: () => {
              const m = inbox.shift();
              return m ? Promise.resolve(m) : new Promise((r) => waiting.push(r));
            },
            close: () => {
              conn.close();
              socket.destroy();
            },
          }),
        onMessage: (frames) => {
          const m = frames as Buffer[];
          const w = waiting.shift();
          if (w) w(m);
          else inbox.push(m);
        },
        onCommand: () => {},
        onError: (error) => {
          socket.destroy();
          reject(error);
        },
      },
    );
    if (socket.connecting) socket.once("connect", () => conn.start());
    else conn.start();
    socket.on("data", (chunk) => {
      trace(`  <- ${chunk.length} bytes`);
      conn.feed(chunk);
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error("connection closed before the handshake completed")));
  });
}
