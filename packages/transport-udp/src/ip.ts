/** IP literal checks without node:net, so that the address code loads in any runtime. */

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

/** True for an IPv4 224.0.0.0/4 or IPv6 ff00::/8 address. */
export function isMulticast(host: string): boolean {
  const v = ipVersion(host);
  if (v === 4) {
    const first = Number(host.split(".")[0]);
    return first >= 224 && first <= 239;
  }
  return v === 6 && /^ff/i.test(host);
}
