// ZMQ_TCP_ACCEPT_FILTER parsing and matching (the socket behaviour is tested
// against npm zeromq in @zmq/zeromq's compat-accept-filter.test.ts).
import { describe, expect, it } from "vitest";
import { acceptFilter, acceptFilterProblem, addAcceptFilter } from "./accept-filter.js";

const admits = (filters: string[], peer: string) => acceptFilter(filters.reduce<string | null>(addAcceptFilter, null))!(peer);

describe("tcpAcceptFilter", () => {
  it("parses as libzmq: a numeric address, an optional prefix length, IPv6 only with ipv6", () => {
    for (const ok of ["0.0.0.0/0", "192.168.1.0/24", "8.8.8.8", "10.0.0.0/8junk", null]) expect(acceptFilterProblem(ok, false)).toBeUndefined();
    for (const bad of ["", "1.2.3.4/", "1.2.3.4/33", "1.2.3.4/-1", "1.2.3.4/x", "256.1.1.1", "host.example", "::1", 7]) {
      expect(acceptFilterProblem(bad, false)).toEqual(expect.any(String));
    }
    for (const ok of ["::1", "::/0", "2001:db8::/32", "::ffff:10.0.0.1/120", "1:2:3:4:5:6:7:8"])
      expect(acceptFilterProblem(ok, true)).toBeUndefined();
    for (const ok of ["[::1]", "fe80::1%eth0", "[fe80::1%eth0]/64"]) expect(acceptFilterProblem(ok, true)).toBeUndefined();
    for (const bad of ["::1/129", "1::2::3", "[::1", "%eth0"]) expect(acceptFilterProblem(bad, true)).toEqual(expect.any(String));
  });

  it("matches leading bits, in whole and partial bytes", () => {
    expect(admits(["10.0.0.0/8"], "10.200.3.4")).toBe(true);
    expect(admits(["10.0.0.0/8"], "11.0.0.1")).toBe(false);
    expect(admits(["192.168.0.0/23"], "192.168.1.255")).toBe(true);
    expect(admits(["192.168.0.0/23"], "192.168.2.0")).toBe(false);
    expect(admits(["127.0.0.1"], "127.0.0.1")).toBe(true);
    expect(admits(["127.0.0.1"], "127.0.0.2")).toBe(false);
    expect(admits(["2001:db8::/33"], "2001:db8:7fff::1")).toBe(true);
    expect(admits(["2001:db8::/33"], "2001:db8:8000::1")).toBe(false);
    expect(admits(["::1"], "::1")).toBe(true);
  });

  it("any filter admits; /0 admits its whole family; IPv4 matches its IPv4-mapped IPv6 form both ways", () => {
    expect(admits(["10.0.0.0/8", "127.0.0.0/8"], "127.0.0.1")).toBe(true);
    expect(admits(["0.0.0.0/0"], "203.0.113.9")).toBe(true);
    expect(admits(["0.0.0.0/0"], "::1")).toBe(false);
    expect(admits(["::/0"], "203.0.113.9")).toBe(true);
    expect(admits(["127.0.0.1"], "::ffff:127.0.0.1")).toBe(true);
    expect(admits(["::ffff:127.0.0.1"], "127.0.0.1")).toBe(true);
    expect(admits(["127.0.0.1"], "[::ffff:127.0.0.1]")).toBe(true);
  });

  it("stores each filter as address/bits: what strtol would stop at (a comma) adds no second filter", () => {
    expect(["10.0.0.0/8,127.0.0.1", "[::1]"].reduce<string | null>(addAcceptFilter, null)).toBe("10.0.0.0/8,::1/128");
    expect(admits(["10.0.0.0/8,127.0.0.1"], "127.0.0.1")).toBe(false);
  });

  it("ignores zone ids: a link-local peer with one matches its filter", () => {
    expect(admits(["fe80::/10"], "fe80::1%eth0")).toBe(true);
    expect(admits(["fe80::1%lo"], "fe80::1")).toBe(true);
  });

  it("no filters admit everyone; an address that is not IP (a unix socket's) matches none", () => {
    expect(acceptFilter(null)).toBeUndefined();
    expect(admits(["127.0.0.1"], "")).toBe(false);
    expect(admits(["127.0.0.1"], "/tmp/sock")).toBe(false);
  });
});
