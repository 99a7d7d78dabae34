/**
 * IP literals without node:net, so that address code loads in any runtime.
 */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** 4 for an IPv4 literal, 6 for an IPv6 literal, 0 otherwise (as node:net's isIP). */
export function ipVersion(host: string): 0 | 4 | 6 {
  if (IPV4.test(host)) return 4;
  if (!host.includes(":") || !/^[0-9a-fA-F:.]+$/.test(host)) return 0;
  try {
    new URL(`http://[${host}]/`);
    return 6;
  } catch {
    return 0;
  }
}

/** An IPv4 or IPv6 literal as its 16 IPv6 bytes (IPv4 as ::ffff:a.b.c.d), or undefined for anything else. */
export function ipBytes(text: string): Uint8Array | undefined {
  const version = ipVersion(text);
  if (version === 0) return undefined;
  const bytes = new Uint8Array(16);
  if (version === 4) {
    bytes[10] = bytes[11] = 0xff;
    text.split(".").forEach((part, i) => (bytes[12 + i] = Number(part)));
    return bytes;
  }
  // Groups on either side of "::"; a dotted IPv4 tail is two groups.
  const groups = (part: string | undefined): number[] =>
    !part
      ? []
      : part.split(":").flatMap((g) => {
          if (!g.includes(".")) return [parseInt(g, 16)];
          const [a, b, c, d] = g.split(".").map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const front = groups(head);
  const back = groups(tail);
  [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back].forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/** True for an IPv4 224.0.0.0/4 or IPv6 ff00::/8 address. */
export function isMulticast(host: string): boolean {
  const v = ipVersion(host);
  if (v === 4) {
    const first = Number(host.split(".")[0]);
    return first >= 224 && first <= 239;
  }
  return v === 6 && /^ff/i.test(host);
}
