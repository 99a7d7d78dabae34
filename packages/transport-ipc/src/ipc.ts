/**
 * ipc:// for zmq-ts: unix domain sockets (`ipc:///tmp/feed.sock`, relative
 * paths too) and the Linux abstract namespace (`ipc://@name`). As libzmq:
 * binding over a leftover socket file replaces it, `ipc://*` binds a fresh
 * path in a new temporary directory, the file is removed on unbind, and a
 * path longer than a unix socket address holds is EINVAL.
 */
import type * as Fs from "node:fs";
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import type * as Os from "node:os";
import type * as Path from "node:path";
import {
  type ByteStream,
  type ConnectOptions,
  type Endpoint,
  type ListenOptions,
  type Listener,
  type StreamTransport,
  TRANSPORT_API_VERSION,
  ZmqError,
} from "@zmq/kernel";
import { zmtpEngine } from "@zmq/engine";
import { fromDenoDenial, listenOn, nodeByteStream, nodeNet } from "@zmq/transport-tcp";

// Required on first use: an ES import of node:fs would build Node's file streams at import.
let required: NodeJS.Require | undefined;
/** Node's require, made on first use (createRequire costs at import). */
const nodeRequire = (id: string): unknown => (required ??= createRequire(import.meta.url))(id);
const fs = () => nodeRequire("node:fs") as typeof Fs;
const join = (...parts: string[]) => (nodeRequire("node:path") as typeof Path).join(...parts);
const tmpdir = () => (nodeRequire("node:os") as typeof Os).tmpdir();

/** sun_path holds 108 bytes including the terminating NUL. */
const MAX_PATH_BYTES = 107;

export interface IpcTransport extends StreamTransport {
  readonly scheme: "ipc";
}

interface IpcPath {
  /** What node:net takes: a file path, or "\0name" for the abstract namespace. */
  readonly socketPath: string;
  readonly abstract: boolean;
}

function parseIpcPath(endpoint: Endpoint): IpcPath {
  const { address, url } = endpoint;
  if (address.length === 0) throw new ZmqError("EINVAL", `ipc endpoint needs a path: ${url}`, url);
  const abstract = address.startsWith("@");
  const socketPath = abstract ? `\0${address.slice(1)}` : address;
  if (Buffer.byteLength(socketPath) > MAX_PATH_BYTES) {
    throw new ZmqError(
      "EINVAL",
      `ipc path of ${Buffer.byteLength(socketPath)} bytes is longer than a unix socket address holds (${MAX_PATH_BYTES}): ${url}`,
      url,
    );
  }
  return { socketPath, abstract };
}

function isSocketFile(path: string): boolean {
  try {
    return fs().lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

/** The ipc transport, to pass to a Context. */
export function ipc(): IpcTransport {
  return {
    apiVersion: TRANSPORT_API_VERSION,
    kind: "stream",
    engine: zmtpEngine,
    scheme: "ipc",

    validate(endpoint: Endpoint): void {
      if (endpoint.address === "*") throw new ZmqError("EINVAL", `cannot connect to ipc://*`, endpoint.url);
      parseIpcPath(endpoint);
    },

    async listen(endpoint: Endpoint, options: ListenOptions, onConnection: (stream: ByteStream) => void): Promise<Listener> {
      let tempDir: string | undefined;
      let target = endpoint;
      if (endpoint.address === "*") {
        try {
          tempDir = fs().mkdtempSync(join(tmpdir(), "zmq-ts-"));
        } catch (error) {
          // Deno without --allow-write: a clear EACCES, not its NotCapable.
          throw fromDenoDenial(error, endpoint.url);
        }
        const path = join(tempDir, "socket");
        target = { scheme: "ipc", address: path, url: `ipc://${path}` };
      }
      const { socketPath, abstract } = parseIpcPath(target);
      const server = nodeNet().createServer({ noDelay: true });
      try {
        await listenOn(server, { path: socketPath, backlog: options.backlog }, target.url);
      } catch (error) {
        // A socket file left behind by an earlier process: replace it, as libzmq does.
        if (abstract || (error as ZmqError).code !== "EADDRINUSE" || !isSocketFile(socketPath)) throw error;
        fs().unlinkSync(socketPath);
        await listenOn(server, { path: socketPath, backlog: options.backlog }, target.url);
      }
      // A listening socket nobody waits on does not keep a process alive (as zeromq.js).
      server.unref();
      server.on("connection", (socket: Socket) => onConnection(nodeByteStream(socket, { endpoint: target.url, remoteAddress: "" })));
      server.on("error", () => {});
      return {
        endpoint: target.url,
        close: () => {
          server.close();
          // node removes the file when the server closes; a temporary directory is ours to remove.
          if (tempDir) {
            try {
              fs().rmdirSync(tempDir);
            } catch {
              // already gone, or something else was put there: leave it
            }
          }
        },
      };
    },

    connect(endpoint: Endpoint, options: ConnectOptions): ByteStream {
      const { socketPath } = parseIpcPath(endpoint);
      const socket = nodeNet().connect({ path: socketPath });
      return nodeByteStream(socket, { endpoint: endpoint.url, remoteAddress: "", connectTimeout: options.connectTimeout });
    },

    defer: (fn: () => void) => {
      setImmediate(fn);
    },
  };
}
