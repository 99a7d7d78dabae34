// epgm:// (PGM over UDP multicast) in one process, run INSIDE a network
// namespace the test made (lo up, a multicast route on it): a Publisher and a
// Subscriber on one group, 1,000 multipart messages in order, a topic
// filtered out. Prints `ok epgm <runtime>`.
import { Publisher, Subscriber } from "@zmq/zeromq";
import { deadline, runtime, text } from "./common.mjs";

const done = deadline(20_000, "epgm");
const endpoint = "epgm://127.0.0.1;239.192.1.1:5555";
const sub = new Subscriber({ rate: 100_000, linger: 0 });
sub.subscribe("keep", "probe");
await sub.bind(endpoint);
const pub = new Publisher({ rate: 100_000, linger: 0, sendHighWaterMark: 0 });
pub.connect(endpoint);
// A runtime may join the group a little after bind() resolves (Deno does): probe until the subscriber hears one,
// then the stream starts (a PGM receiver that misses a stream's start joins it late, by design).
const heard = sub.receive();
let listening = false;
void heard.then(() => (listening = true));
while (!listening) {
  await pub.send("probe");
  await Promise.race([heard, new Promise((r) => setTimeout(r, 10))]);
}
sub.unsubscribe("probe");
for (let i = 0; i < 1000; i++) {
  await pub.send(["drop", `${i}`]);
  await pub.send(["keep", `${i}`, new Uint8Array(i % 3000).fill(i & 0xff)]);
}
for (let i = 0; i < 1000; i++) {
  let [topic, n, body] = await sub.receive();
  // Probes sent before the unsubscribe may still be on their way.
  while (text(topic) === "probe") [topic, n, body] = await sub.receive();
  if (text(topic) !== "keep" || text(n) !== `${i}` || body.length !== i % 3000 || (body.length > 0 && body[0] !== (i & 0xff))) {
    throw new Error(`epgm: message ${i} came as ${text(topic)} ${text(n)} (${body.length} bytes)`);
  }
}
console.log(`ok epgm ${runtime}`);
pub.close();
sub.close();
done();
