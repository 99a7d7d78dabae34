// The SOCKS5 client exchange, byte for byte (RFC 1928): greeting, CONNECT
// request for each address type, replies split anywhere, refusals, and the
// target's bytes that follow the reply. (Through a real proxy, against npm
// zeromq too: @zmq/zeromq's compat-socks.test.ts.)
import { describe, expect, it } from "vitest";
import { SocksClient, parseProxy } from "./socks.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const CHOICE = Uint8Array.of(5, 0);
const SUCCESS_V4 = Uint8Array.of(5, 0, 0, 1, 10, 0, 0, 1, 0x1f, 0x90);

function request(host: string, port: number): Uint8Array {
  const client = new SocksClient(host, port);
  expect(hex(client.start())).toBe("050100");
  const step = client.feed(CHOICE);
  if (!step || !("write" in step)) throw new Error(`no request: ${JSON.stringify(step)}`);
  return step.write;
}

describe("SOCKS5 client", () => {
  it("asks for an IPv4 address, an IPv6 address or a name, and the port", () => {
    expect(hex(request("127.0.0.1", 5555))).toBe("05010001" + "7f000001" + "15b3");
    expect(hex(request("::1", 80))).toBe("05010004" + "00".repeat(15) + "01" + "0050");
    expect(hex(request("broker.example", 1))).toBe("05010003" + "0e" + Buffer.from("broker.example").toString("hex") + "0001");
  });

  it("connects on reply 0, whatever the split (the reply even in the same read as the choice), and passes on the bytes that follow", () => {
    const greeting = Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f);
    const stream = Buffer.concat([CHOICE, SUCCESS_V4, greeting]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const client = new SocksClient("10.0.0.1", 8080);
      client.start();
      // As the stream runs it: reads go to the client until it is connected, then straight to ZMTP.
      const written: string[] = [];
      const delivered: Uint8Array[] = [];
      let connected = false;
      for (const read of [stream.subarray(0, cut), stream.subarray(cut)]) {
        if (connected) {
          delivered.push(read);
          continue;
        }
        const step = client.feed(read);
        if (step && "write" in step) written.push(hex(step.write));
        if (step && "connected" in step) {
          connected = true;
          delivered.push(step.connected);
        }
      }
      expect([cut, written]).toEqual([cut, ["050100010a0000011f90"]]);
      expect([cut, hex(Buffer.concat(delivered))]).toEqual([cut, hex(greeting)]);
    }
  });

  it("refuses a host name SOCKS5 cannot carry (over 255 bytes) before any I/O", () => {
    expect(() => new SocksClient("a".repeat(256), 1)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => new SocksClient("a".repeat(255), 1)).not.toThrow();
  });

  it("reads replies naming an IPv6 address or a host", () => {
    for (const reply of [
      Uint8Array.of(5, 0, 0, 4, ...new Array<number>(16).fill(0), 0, 1),
      Uint8Array.of(5, 0, 0, 3, 4, 0x68, 0x6f, 0x73, 0x74, 0, 1),
    ]) {
      const client = new SocksClient("10.0.0.1", 1);
      client.feed(CHOICE);
      expect(client.feed(Uint8Array.of(...reply, 0x42))).toEqual({ connected: Uint8Array.of(0x42) });
    }
  });

  it("fails on a refusal, another method, another version or an unknown address type, saying why", () => {
    const refused = new SocksClient("10.0.0.1", 1);
    refused.feed(CHOICE);
    expect(refused.feed(Uint8Array.of(5, 5, 0, 1, 0, 0, 0, 0, 0, 0))).toEqual({ error: "the proxy refused the connection: connection refused" });
    expect(new SocksClient("h", 1).feed(Uint8Array.of(5, 0xff))).toMatchObject({ error: expect.stringContaining("authentication") });
    expect(new SocksClient("h", 1).feed(Uint8Array.of(4, 0))).toMatchObject({ error: expect.stringContaining("SOCKS5") });
    const odd = new SocksClient("h", 1);
    odd.feed(CHOICE);
    expect(odd.feed(Uint8Array.of(5, 0, 0, 9, 0))).toMatchObject({ error: expect.stringContaining("address type") });
    const reserved = new SocksClient("h", 1);
    reserved.feed(CHOICE);
    expect(reserved.feed(Uint8Array.of(5, 0, 1, 1, 0, 0, 0, 0, 0, 0))).toMatchObject({ error: expect.stringContaining("reserved") });
  });

  it("takes the proxy as host:port or [v6]:port", () => {
    expect(parseProxy("127.0.0.1:1080")).toEqual({ host: "127.0.0.1", port: 1080 });
    expect(parseProxy("proxy.example:1080")).toEqual({ host: "proxy.example", port: 1080 });
    expect(parseProxy("[::1]:1080")).toEqual({ host: "::1", port: 1080 });
    for (const bad of ["", "1080", "host:", "host:0", "host:70000", ":1080", "host:x", "::1", "::1:1080"]) expect(parseProxy(bad)).toBeUndefined();
  });
});
