import { XPublisher } from "@zmq/zeromq";
import * as zmq from "zeromq";
const first = process.argv[2];
const mk = (k) => k === "ours" ? new XPublisher({ linger: 0, receiveTimeout: 2000 }) : new zmq.XPublisher({ linger: 0, receiveTimeout: 2000 });
const xpub = mk(first);
await xpub.bind("tcp://127.0.0.1:*");
const ep = xpub.lastEndpoint;
const sub = new zmq.Subscriber({ linger: 0 });
const ev = sub.events; (async () => { for await (const e of ev) console.log("  sub event", e.type, e.error?.message ?? ""); })().catch(()=>{});
sub.subscribe("A");
sub.connect(ep);
console.log("first", first, await xpub.receive());
if (process.argv[4] === "wait") await new Promise(r => setTimeout(r, 300));
xpub.close();
const x2 = mk(process.argv[3]);
for (;;) { try { await x2.bind(ep); break; } catch (e) { await new Promise(r => setTimeout(r, 20)); } }
try { console.log("second", process.argv[3], await x2.receive()); } catch (e) { console.log("second failed", e.code); }
x2.close(); sub.close();
