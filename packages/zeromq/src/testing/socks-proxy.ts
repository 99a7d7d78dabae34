// A SOCKS5 proxy (RFC 1928, no authentication, CONNECT only) on 127.0.0.1
// for the socksProxy tests: it records what each client asked for, and
// relays to the target, or refuses with a reply code. Test support only.
import { type AddressInfo, type Server, type Socket, connect, createServer } from "node:net";

export interface SocksRequest {
  /** The methods the client offered in its greeting. */
  methods: number[];
  /** 1 (IPv4), 3 (name) or 4 (IPv6). */
  addressType: number;
  host: string;
  port: number;
}

export interface SocksProxy {
  /** `127.0.0.1:port`, for socksProxy. */
  readonly address: string;
  readonly requests: SocksRequest[];
  /** Resolves the next request (or the one already made that no call has taken yet). */
  nextRequest(): Promise<SocksRequest>;
  close(): Promise<void>;
}

/** Starts the proxy; `refuse` makes it answer every CONNECT with that reply code instead of relaying. */
export async function startSocksProxy(options: { refuse?: number } = {}): Promise<SocksProxy> {
  const requests: SocksRequest[] = [];
  let taken = 0;
  const waiters: ((r: SocksRequest) => void)[] = [];
  const sockets = new Set<Socket>();
  const record = (request: SocksRequest) => {
    requests.push(request);
    const waiter = waiters.shift();
    if (waiter) {
      taken++;
      waiter(request);
    }
  };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    let buffered = Buffer.alloc(0);
    let methods: number[] | undefined;
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (methods === undefined) {
        if (buffered.length < 2 || buffered.length < 2 + buffered[1]!) return;
        methods = [...buffered.subarray(2, 2 + buffered[1]!)];
        buffered = buffered.subarray(2 + buffered[1]!);
        client.write(Buffer.of(5, 0));
      }
      if (buffered.length < 5) return;
      const addressType = buffered[3]!;
      const length = addressType === 1 ? 10 : addressType === 4 ? 22 : 7 + buffered[4]!;
      if (buffered.length < length) return;
      const host =
        addressType === 1
          ? [...buffered.subarray(4, 8)].join(".")
          : addressType === 4
            ? [...Array(8).keys()].map((i) => buffered.readUInt16BE(4 + 2 * i).toString(16)).join(":")
            : buffered.subarray(5, 5 + buffered[4]!).toString();
      const port = buffered.readUInt16BE(length - 2);
      const rest = buffered.subarray(length);
      client.off("data", onData);
      record({ methods, addressType, host, port });
      if (options.refuse !== undefined) {
        client.end(Buffer.of(5, options.refuse, 0, 1, 0, 0, 0, 0, 0, 0));
        return;
      }
      const target = connect({ host, port });
      sockets.add(target);
      target.on("close", () => sockets.delete(target));
      target.on("error", () => client.destroy());
      target.on("connect", () => {
        // The reply and the target's first bytes may reach the client in one read.
        client.write(Buffer.of(5, 0, 0, 1, 127, 0, 0, 1, 0, 0));
        if (rest.length > 0) target.write(rest);
        client.pipe(target);
        target.pipe(client);
      });
      client.on("close", () => target.destroy());
    };
    client.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    nextRequest: () => (taken < requests.length ? Promise.resolve(requests[taken++]!) : new Promise((resolve) => waiters.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
