// @zmq/pgm on its own over real UDP multicast, for epgm-driver.mjs (inside
// its network namespace): APDUs of up to 60,000 bytes, each sent as up to
// 43 fragments with OPT_FRAGMENT, from a PgmSource to a PgmReceiver through
// node:dgram, with repairs. (The epgm:// transport itself never fragments:
// libzmq's receiver aborts on an APDU that spans packets, so libzmq and
// zmq-ts cut messages into packet-sized APDUs instead.)
import { createSocket } from "node:dgram";
import { PgmReceiver, PgmSource, decodePacket } from "@zmq/pgm";

/** APDU i: its size, then bytes that depend on i and the position. */
function apdu(i, size) {
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, i);
  for (let k = 4; k < size; k++) out[k] = (k * 7 + i) & 0xff;
  return out;
}

function sameAs(got) {
  if (got.length < 4) return -1;
  const i = new DataView(got.buffer, got.byteOffset).getUint32(0);
  const want = apdu(i, got.length);
  for (let k = 0; k < got.length; k++) if (got[k] !== want[k]) return -1;
  return i;
}

const bound = (socket, port, address) => new Promise((r) => socket.bind({ port, address }, () => r()));

export async function fragments(s, { port, group, closers }) {
  const sourceSocket = createSocket({ type: "udp4", reuseAddr: true });
  const groupSocket = createSocket({ type: "udp4", reuseAddr: true });
  const nakSocket = createSocket({ type: "udp4" });
  closers.push(
    () => sourceSocket.close(),
    () => groupSocket.close(),
    () => nakSocket.close(),
  );
  await bound(sourceSocket, port, "127.0.0.1");
  sourceSocket.setMulticastInterface("127.0.0.1");
  await bound(groupSocket, port, group);
  groupSocket.addMembership(group, "127.0.0.1");
  await bound(nakSocket, 0, "127.0.0.1");

  const now = () => performance.now();
  const toGroup = (packet) => new Promise((r) => sourceSocket.send(packet, port, group, () => r()));
  const gsi = crypto.getRandomValues(new Uint8Array(6));
  const source = new PgmSource({ gsi, sport: 4321, dport: port, nla: "127.0.0.1", group, maxTsdu: 1448, windowSqns: 100_000 });
  sourceSocket.on("message", (datagram) => {
    try {
      for (const p of source.handle(decodePacket(datagram), now())) void toGroup(p);
    } catch {
      // Not PGM: ignored.
    }
  });

  const seen = [];
  let corrupt = 0;
  let gaps = 0;
  let finished;
  const done = new Promise((r) => (finished = r));
  const receiver = new PgmReceiver(
    { dport: port, group, windowSqns: 100_000 },
    {
      data: (_tsi, bytes) => {
        const i = sameAs(bytes);
        if (i < 0) corrupt++;
        else seen.push(i);
        if (seen.length + corrupt === s.count) finished();
      },
      loss: () => gaps++,
      send: (nla, packet) => nakSocket.send(packet, port, nla),
    },
  );
  let timer;
  const wake = () => {
    clearTimeout(timer);
    const at = receiver.nextTimeout();
    if (at !== undefined) timer = setTimeout(() => (receiver.timeout(now()), wake()), Math.max(0, at - now()));
  };
  closers.push(() => clearTimeout(timer));
  groupSocket.on("message", (datagram, from) => {
    try {
      receiver.receive(decodePacket(datagram), from.address, now());
    } catch {
      return;
    }
    wake();
  });

  for (const p of [source.spm(now()), source.spm(now())]) await toGroup(p);
  let packets = 0;
  for (let i = 0; i < s.count; i++) {
    const size = 4 + ((i * 7919) % 60_000);
    for (const p of source.send(apdu(i, size), now())) {
      await toGroup(p);
      // Paced, so that the receiving socket's buffer is not flooded (libzmq's rate does the same).
      if (++packets % 32 === 0) await new Promise((r) => setTimeout(r, 1));
    }
  }
  // Tail losses show up through heartbeat SPMs, as PGM finds them.
  const heartbeats = setInterval(() => void Promise.all(source.timeout(now()).map(toGroup)), 20);
  closers.push(() => clearInterval(heartbeats));
  await Promise.race([done, new Promise((r) => setTimeout(r, s.idleMs ?? 20_000))]);
  clearInterval(heartbeats);
  const inOrder = seen.every((v, k) => k === 0 || v === seen[k - 1] + 1);
  return { count: seen.length, first: seen[0], last: seen.at(-1), inOrder, contiguous: inOrder, corrupt, gaps, packets, parts: [1] };
}
