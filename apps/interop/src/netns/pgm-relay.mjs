// A lossy, reordering PGM relay for epgm-driver.mjs (inside its network
// namespace): it stands between a source on group A and receivers on group
// B, as a router on a bad path would. Downstream packets (SPM, ODATA, NCF,
// RDATA) heard on A go out on B with the data-destination port rewritten
// and SPMs naming the relay as the path, so NAKs come to it; it drops
// `drop` percent of ODATA and holds back `reorder` percent for a few packets
// (it never drops RDATA, so every loss can be repaired). NAKs heard on its
// own address go to the source with the ports rewritten back.
import { createSocket } from "node:dgram";
import { decodePacket, encodeData, encodeNak, encodeSpm } from "@zmq/pgm";

const bound = (socket, port, address) => new Promise((r) => socket.bind({ port, address }, () => r()));

/**
 * from: { group, port, source } (the source's address), to: { group, port },
 * relay: the relay's own address (NAKs come to it at to.port).
 */
export async function relay({ from, to, address, drop = 0, reorder = 0, random = Math.random }, closers) {
  const upstream = createSocket({ type: "udp4", reuseAddr: true });
  const downstream = createSocket({ type: "udp4", reuseAddr: true });
  closers.push(
    () => upstream.close(),
    () => downstream.close(),
  );
  await bound(upstream, from.port, from.group);
  upstream.addMembership(from.group, from.source);
  await bound(downstream, to.port, address);
  downstream.setMulticastInterface(address);
  const stats = { forwarded: 0, dropped: 0, reordered: 0, naks: 0 };
  const held = [];
  const emit = (bytes) => downstream.send(bytes, to.port, to.group);

  upstream.on("message", (datagram) => {
    let p;
    try {
      p = decodePacket(datagram);
    } catch {
      return;
    }
    if (p.dport !== from.port) return;
    const header = { sport: p.sport, dport: to.port, gsi: p.gsi };
    let out;
    switch (p.type) {
      case "SPM":
        out = encodeSpm({ ...header, sqn: p.sqn, trail: p.trail, lead: p.lead, nla: address });
        break;
      case "ODATA":
      case "RDATA":
        if (p.type === "ODATA" && random() * 100 < drop) {
          stats.dropped++;
          return;
        }
        out = encodeData({ ...header, type: p.type, sqn: p.sqn, trail: p.trail, fragment: p.fragment, payload: p.payload });
        break;
      case "NCF":
        out = encodeNak({ ...header, type: "NCF", sqns: p.sqns, sourceNla: address, groupNla: to.group });
        break;
      default:
        return;
    }
    stats.forwarded++;
    if (p.type === "ODATA" && random() * 100 < reorder) {
      // Held back until a few later packets have gone ahead of it.
      stats.reordered++;
      held.push({ bytes: out, after: 1 + Math.floor(random() * 4) });
      return;
    }
    emit(out);
    for (let i = held.length - 1; i >= 0; i--) {
      if (--held[i].after > 0) continue;
      emit(held[i].bytes);
      held.splice(i, 1);
    }
  });

  downstream.on("message", (datagram) => {
    let p;
    try {
      p = decodePacket(datagram);
    } catch {
      return;
    }
    if (p.type !== "NAK" || p.sport !== to.port) return;
    stats.naks++;
    const nak = encodeNak({ type: "NAK", sport: from.port, dport: p.dport, gsi: p.gsi, sqns: p.sqns, sourceNla: from.source, groupNla: from.group });
    // From the relay's own address: the upstream socket is bound to the group.
    downstream.send(nak, from.port, from.source);
  });
  return stats;
}
