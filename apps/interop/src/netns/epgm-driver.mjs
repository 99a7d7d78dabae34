// One epgm:// scenario, run INSIDE a private network namespace that
// epgm.test.ts made for it (`unshare -n node epgm-driver.mjs SCENARIO-JSON`):
// nothing here touches the host's network. Prints JSON lines; the last is
// {"event":"result", ...}.
//
// "lo" scenarios: our Publisher and Subscriber in this namespace, on its
// loopback with a multicast route.
// "veth" scenarios: pyzmq (pgm_peer.py) in a second namespace of its own
// (`unshare -n`, a child of this one), joined to this one by a veth pair
// (10.77.0.1 here, 10.77.0.2 there, a multicast route on each end): OpenPGM
// binds its port with SO_REUSEPORT, which node:dgram on Node 20 cannot
// share, so the two ends cannot sit on one host's port.
//
// Loss is injected with nftables in this namespace: `drop` percent of the
// ODATA packets (PGM type 4 at byte 4 of the UDP payload) leaving (lo) or
// arriving (veth) are dropped, so repairs (RDATA) get through.
import { execFileSync, spawn } from "node:child_process";
import { readlinkSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createSocket } from "node:dgram";
import { decodePacket, encodeData, encodeNak } from "@zmq/pgm";
import { Publisher, Subscriber } from "@zmq/zeromq";
import { fragments } from "./pgm-fragments.mjs";
import { relay } from "./pgm-relay.mjs";

const scenario = JSON.parse(process.argv[2]);
const out = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const sh = (command) => execFileSync("sh", ["-c", command], { stdio: ["ignore", "ignore", "inherit"] });
const PORT = 5555;
const GROUP = "239.192.1.1";
const closers = [];
const hardTimeout = setTimeout(() => {
  out({ event: "result", error: "driver timeout" });
  process.exit(3);
}, scenario.timeoutMs ?? 60_000);

/** An nftables rule dropping `percent` % of ODATA on `hook`. */
function dropOdata(percent, hook) {
  if (!percent) return;
  sh(
    `nft add table ip loss && nft add chain ip loss c '{ type filter hook ${hook} priority 0; }' && nft add rule ip loss c udp dport ${PORT} @th,96,8 4 numgen random mod 1000 lt ${Math.round(percent * 10)} counter drop`,
  );
}

/** Message i: frame 0 is topic + i (8 bytes, big-endian) padded to size with i & 0xff; frame k: k (4 bytes) + i (8 bytes). */
function message(i, topic, size, parts) {
  const head = Buffer.alloc(Math.max(size, topic.length + 8), i & 0xff);
  head.write(topic, 0);
  head.writeBigUInt64BE(BigInt(i), topic.length);
  const frames = [head];
  for (let k = 1; k < parts; k++) {
    const f = Buffer.alloc(12);
    f.writeUInt32BE(k, 0);
    f.writeBigUInt64BE(BigInt(i), 4);
    frames.push(f);
  }
  return frames;
}

/** i of a message, or -1 when any frame is not what message() makes of it. */
function check(frames, topicLength) {
  const head = frames[0];
  if (head.length < topicLength + 8) return -1;
  const i = Number(head.readBigUInt64BE(topicLength));
  const topic = head.subarray(0, topicLength).toString();
  const want = message(i, topic, head.length, frames.length);
  return frames.every((f, k) => f.equals(want[k])) ? i : -1;
}

/** The one-frame probe a pyzmq peer sends or takes (pgm_peer.py's PROBE): never counted as a message. */
const isProbe = (frames) => frames.length === 1 && frames[0].length === 5 && frames[0].toString() === "probe";

/**
 * Probes from the pyzmq Publisher until our Subscriber has one. A PGM
 * receiver joins a source at the first packet it hears (OpenPGM's too): an
 * ODATA lost before that is before the join and never asked for, so the
 * counted messages must come after it. OpenPGM's SYN SPMs went out when the
 * publisher connected, before our Subscriber was there to hear them.
 */
async function joined(sub, py) {
  const timer = setInterval(() => py.say("probe"), 20);
  try {
    while (!isProbe(await sub.receive()));
  } finally {
    clearInterval(timer);
  }
}

async function send(pub, s, from, count) {
  const topics = s.topics ?? [""];
  for (let i = from; i < from + count; i++) await pub.send(message(i, topics[i % topics.length], s.size ?? 8, s.parts ?? 1));
}

/** Receives until `count` messages, `lastIndex` seen, or `idleMs` without one. */
async function receive(sub, s, count) {
  const seen = [];
  let corrupt = 0;
  let parts = new Set();
  for (;;) {
    let frames;
    try {
      frames = await sub.receive();
    } catch (error) {
      if (error.code === "EAGAIN") break;
      throw error;
    }
    if (isProbe(frames)) continue;
    const i = check(frames, s.topicLength ?? 0);
    if (i < 0) corrupt++;
    else seen.push(i);
    parts.add(frames.length);
    if (seen.length >= count || (s.lastIndex !== undefined && i === s.lastIndex)) break;
  }
  const inOrder = seen.every((v, k) => k === 0 || v > seen[k - 1]);
  const contiguous = seen.every((v, k) => k === 0 || v === seen[k - 1] + 1);
  return {
    count: seen.length,
    first: seen[0],
    last: seen.at(-1),
    inOrder,
    contiguous,
    corrupt,
    parts: [...parts],
    seen: s.keepSeen ? seen : undefined,
  };
}

/** pgm_peer.py in a namespace of its own, joined to this one by a veth pair. */
async function pyzmqPeer(args) {
  const peer = fileURLToPath(new URL("./pgm_peer.py", import.meta.url));
  // The shell waits for the network before starting Python: OpenPGM needs its interface address at connect.
  const child = spawn("unshare", ["-n", "sh", "-c", 'read ready; exec /usr/bin/python3 "$@"', "sh", peer, ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  closers.push(() => child.kill());
  const lines = createInterface({ input: child.stdout });
  const events = [];
  const waiters = [];
  lines.on("line", (line) => {
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    events.push(event);
    for (const w of waiters.splice(0)) w();
  });
  const next = async (name) => {
    for (;;) {
      const found = events.find((e) => e.event === name || (name === "received" && e.event === "timeout"));
      if (found) return found;
      await new Promise((r) => waiters.push(r));
    }
  };
  // The veth end can move once unshare has made the child's namespace.
  const mine = readlinkSync("/proc/self/ns/net");
  while (readlinkSync(`/proc/${child.pid}/ns/net`) === mine) await new Promise((r) => setImmediate(r));
  sh(
    `ip link add va type veth peer name vb netns ${child.pid} && ip addr add 10.77.0.1/24 dev va && ip link set va up && ip route add 224.0.0.0/4 dev va`,
  );
  sh(
    `nsenter -t ${child.pid} -n sh -c 'ip link set lo up && ip addr add 10.77.0.2/24 dev vb && ip link set vb up && ip route add 224.0.0.0/4 dev vb'`,
  );
  child.stdin.write("ready\n");
  return { child, next, say: (line) => child.stdin.write(`${line}\n`) };
}

/**
 * A hostile host on the group: garbage, truncated and corrupted copies of
 * real packets, ODATA from 1,000 forged sources with sequence numbers all
 * over the 32-bit space, and a NAK storm at the real source (5,000 NAKs for
 * the same 63 packets). Runs until `done` resolves; counts the RDATA the
 * storm drew out of the source.
 */
async function hostile(done) {
  const sniffer = createSocket({ type: "udp4", reuseAddr: true });
  const raw = createSocket({ type: "udp4" });
  closers.push(
    () => sniffer.close(),
    () => raw.close(),
  );
  await new Promise((r) => sniffer.bind({ port: PORT, address: GROUP }, r));
  sniffer.addMembership(GROUP, "127.0.0.1");
  await new Promise((r) => raw.bind(0, "127.0.0.1", r));
  raw.setMulticastInterface("127.0.0.1");
  const stats = { sent: 0, naks: 0, rdata: 0, real: [] };
  let source;
  sniffer.on("message", (datagram) => {
    let packet;
    try {
      packet = decodePacket(datagram);
    } catch {
      return;
    }
    if (packet.type === "RDATA") stats.rdata++;
    if (packet.type === "SPM" && source === undefined) source = packet;
    if ((packet.type === "ODATA" || packet.type === "SPM") && stats.real.length < 50) stats.real.push(datagram);
  });
  const put = (bytes, host = GROUP) => new Promise((r) => raw.send(bytes, PORT, host, () => r()));
  const random = (n) => crypto.getRandomValues(new Uint8Array(n));
  let stop = false;
  void done.then(() => (stop = true));
  for (let round = 0; !stop && round < 200; round++) {
    for (let k = 0; k < 50; k++) {
      await put(random(Math.floor(Math.random() * 1500)));
      const real = stats.real[Math.floor(Math.random() * stats.real.length)];
      if (real) {
        await put(real.subarray(0, Math.floor(Math.random() * real.length)));
        const flipped = Buffer.from(real);
        flipped[Math.floor(Math.random() * flipped.length)] ^= 1 << Math.floor(Math.random() * 8);
        await put(flipped);
      }
      const gsi = random(6);
      const sqn = [0, 0x7fffffff, 0x80000000, 0xffffffff, Math.floor(Math.random() * 2 ** 32)][k % 5];
      await put(
        encodeData({ type: "ODATA", sport: 1000 + (round % 1000), dport: PORT, gsi, sqn, trail: sqn, fragment: undefined, payload: random(40) }),
      );
      stats.sent += 4;
    }
    if (source !== undefined) {
      // The storm: every NAK asks again for the same first 63 packets of the real source.
      const sqns = Array.from({ length: 63 }, (_, i) => i);
      const nak = encodeNak({ type: "NAK", sport: PORT, dport: source.sport, gsi: source.gsi, sqns, sourceNla: source.nla, groupNla: GROUP });
      for (let k = 0; k < 25; k++) await put(nak, source.nla);
      stats.naks += 25;
    }
    await new Promise((r) => setImmediate(r));
  }
  return stats;
}

/** A Subscriber joined to the group: bind() resolves once its socket has joined. */
async function subscriber(s, options, endpoint, topics) {
  const sub = new Subscriber({ ...options, receiveTimeout: s.idleMs ?? 5000, receiveHighWaterMark: 0 });
  closers.push(() => sub.close());
  for (const t of topics) sub.subscribe(t);
  await sub.bind(endpoint);
  return sub;
}

/** Waits until `witness` has received message `last` (so it is on the wire), then joins a late subscriber. */
async function lateSubscriber(s, options, endpoint, witness, last) {
  while (check(await witness.receive(), s.topicLength ?? 0) !== last);
  return subscriber(s, options, endpoint, s.subscribe ?? [""]);
}

async function run(s) {
  const rate = s.rate ?? 100_000;
  const options = { rate, ...(s.recoveryInterval !== undefined ? { recoveryInterval: s.recoveryInterval } : {}) };
  const late = s.lateAfter ?? 0;
  if (s.net === "pgm") {
    sh(`ip link set lo up && ip route add 224.0.0.0/4 dev lo`);
    dropOdata(s.drop, "output");
    return fragments(s, { port: PORT, group: GROUP, closers });
  }
  if (s.net === "relay") {
    // Our Publisher on group A, a lossy reordering relay (10.99.0.1), our Subscriber on group B.
    sh(`ip link set lo up && ip route add 224.0.0.0/4 dev lo && ip addr add 10.99.0.1/32 dev lo`);
    const [groupB, portB] = ["239.192.1.2", PORT + 1];
    const stats = await relay(
      {
        from: { group: GROUP, port: PORT, source: "127.0.0.1" },
        to: { group: groupB, port: portB },
        address: "10.99.0.1",
        drop: s.drop,
        reorder: s.reorder,
      },
      closers,
    );
    const sub = await subscriber(s, options, `epgm://127.0.0.1;${groupB}:${portB}`, s.subscribe ?? [""]);
    const pub = new Publisher({ ...options, sendHighWaterMark: 0 });
    closers.push(() => pub.close());
    pub.connect(`epgm://127.0.0.1;${GROUP}:${PORT}`);
    const receiving = receive(sub, s, s.expect ?? s.count);
    await send(pub, s, 0, s.count);
    return { ...(await receiving), relay: stats, dropped: stats.dropped };
  }
  if (s.net === "lo") {
    sh(`ip link set lo up && ip route add 224.0.0.0/4 dev lo`);
    dropOdata(s.drop, "output");
    const endpoint = `epgm://127.0.0.1;${GROUP}:${PORT}`;
    const pub = new Publisher({ ...options, sendHighWaterMark: 0 });
    closers.push(() => pub.close());
    let sub;
    if (late > 0) {
      // The subscriber joins mid-stream, once a witness has seen the first `late` messages go by.
      const witness = await subscriber(s, options, endpoint, [""]);
      pub.connect(endpoint);
      await send(pub, s, 0, late);
      sub = await lateSubscriber(s, options, endpoint, witness, late - 1);
    } else {
      sub = await subscriber(s, options, endpoint, s.subscribe ?? [""]);
      pub.connect(endpoint);
    }
    const heapBefore = heap();
    const receiving = receive(sub, s, s.expect ?? s.count);
    const attack = s.hostile ? hostile(receiving) : undefined;
    await send(pub, s, late, s.count - late);
    const result = await receiving;
    if (attack === undefined) return result;
    const { real: _, ...stats } = await attack;
    return { ...result, hostile: stats, heapGrowth: heap() - heapBefore };
  }
  // veth: pyzmq in the other namespace.
  sh("ip link set lo up");
  const ours = `epgm://10.77.0.1;${GROUP}:${PORT}`;
  const theirs = `epgm://10.77.0.2;${GROUP}:${PORT}`;
  if (s.peer === "pyzmq-pub") {
    const args = ["pub", theirs, String(s.count), String(s.size ?? 8), "--multipart", String(s.parts ?? 1), "--rate", String(rate)];
    const py = await pyzmqPeer([...args, ...(s.topics ? ["--topics", s.topics.join(",")] : [])]);
    await py.next("ready");
    dropOdata(s.drop, "input");
    let sub;
    if (late > 0) {
      const witness = await subscriber(s, options, ours, [""]);
      py.say(`go ${late}`);
      sub = await lateSubscriber(s, options, ours, witness, late - 1);
    } else {
      sub = await subscriber(s, options, ours, [...(s.subscribe ?? [""]), "probe"]);
      await joined(sub, py);
    }
    const receiving = receive(sub, s, s.expect ?? s.count);
    py.say(`go ${s.count - late}`);
    const result = await receiving;
    py.say("close");
    return result;
  }
  // Our Publisher, their Subscriber. libzmq's connect gives no sign of the PGM socket being up: probe until it says.
  const subArgs = [
    "sub",
    theirs,
    String(s.expect ?? s.count),
    "--probe",
    "--rate",
    String(rate),
    "--timeout",
    String((s.idleMs ?? 5000) / 1000 + 20),
  ];
  for (const t of s.subscribe ?? [""]) subArgs.push("--subscribe", t);
  if (s.topicLength) subArgs.push("--offset", String(s.topicLength));
  const py = await pyzmqPeer(subArgs);
  await py.next("ready");
  dropOdata(s.drop, "output");
  const pub = new Publisher({ ...options, sendHighWaterMark: 0 });
  closers.push(() => pub.close());
  pub.connect(ours);
  const probed = py.next("probed");
  let probing = true;
  void probed.then(() => (probing = false));
  while (probing) {
    await pub.send("probe");
    await Promise.race([probed, new Promise((r) => setTimeout(r, 20))]);
  }
  await send(pub, s, 0, s.count);
  const result = await py.next("received");
  return { ...result, peerEvent: result.event };
}

/** Heap in use after a collection (node --expose-gc), in bytes. */
function heap() {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

/** ODATA packets the loss rule dropped (none without the rule). */
function dropped() {
  if (!scenario.drop || scenario.net === "relay") return 0;
  const listing = execFileSync("nft", ["list", "table", "ip", "loss"]).toString();
  return Number(/counter packets (\d+)/.exec(listing)?.[1] ?? 0);
}

try {
  const result = await run(scenario);
  out({ event: "result", dropped: dropped(), ...result });
} catch (error) {
  out({ event: "result", error: String(error?.stack ?? error) });
} finally {
  clearTimeout(hardTimeout);
  for (const close of closers) close();
  setTimeout(() => process.exit(0), 100).unref();
}
