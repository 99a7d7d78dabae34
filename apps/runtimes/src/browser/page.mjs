// The page script of the Chromium test, bundled by esbuild for the browser:
// @zmq/kernel with inproc and the browser entry of @zmq/transport-ws, no
// @zmq/zeromq (it carries Node's transports). It puts its scenarios on
// `window.zmq` for the test to call.
import { Context } from "@zmq/kernel";
import { inproc } from "@zmq/transport-inproc";
import { ws, wss } from "@zmq/transport-ws";
import { Pull, Push } from "@zmq/pattern-pipeline";
import { Subscriber } from "@zmq/pattern-pubsub";
import { Dealer, Request } from "@zmq/pattern-reqrep";

const context = new Context({ transports: [inproc(), ws(), wss()] });
const text = (frame) => new TextDecoder().decode(frame);

/** Push→Pull over inproc in the page: `count` messages of 16 bytes; returns the rate. */
async function inprocPushPull(count) {
  const pull = new Pull({ context, receiveHighWaterMark: 0 });
  const push = new Push({ context, sendHighWaterMark: 0 });
  const name = `inproc://page-${Math.random().toString(36).slice(2)}`;
  await pull.bind(name);
  push.connect(name);
  const payload = new Uint8Array(16);
  const started = performance.now();
  const sending = (async () => {
    for (let i = 0; i < count; i++) await push.send(payload);
  })();
  let received = 0;
  let bytes = 0;
  for (; received < count; received++) bytes += (await pull.receive())[0].length;
  await sending;
  const ms = performance.now() - started;
  push.close();
  pull.close();
  return { received, bytes, ms, msgsPerSec: Math.round((count * 1000) / ms) };
}

/**
 * Talks to the test's Node Router and Publisher over ws: a hello answered by
 * the Router, then every message the Publisher sends after the page said it
 * was ready (ticks before that only say the subscription is in place).
 */
async function wsSession(routerEndpoint, publisherEndpoint) {
  const dealer = new Dealer({ context, linger: 0 });
  const sub = new Subscriber({ context, linger: 0, receiveHighWaterMark: 0 });
  try {
    dealer.connect(routerEndpoint);
    await dealer.send(["hello", navigator.userAgent.includes("Chrome") ? "chromium" : "browser"]);
    const [welcome] = await dealer.receive();
    sub.subscribe("tick", "msg", "end");
    sub.connect(publisherEndpoint);
    for (;;) if (text((await sub.receive())[0]) === "tick") break;
    await dealer.send("ready");
    let count = 0;
    let first = "";
    let last = "";
    let started = 0;
    for (;;) {
      const [topic, body] = await sub.receive();
      const t = text(topic);
      if (t === "tick") continue;
      if (t === "end") break;
      if (count === 0) {
        started = performance.now();
        first = text(body);
      }
      last = text(body);
      count++;
    }
    const ms = performance.now() - started;
    await dealer.send(["got", `${count}`, first, last]);
    const [bye] = await dealer.receive();
    return { welcome: text(welcome), bye: text(bye), count, first, last, msgsPerSec: Math.round((count * 1000) / ms) };
  } finally {
    dealer.close();
    sub.close();
  }
}

/** One request and its reply over `endpoint` (wss:// with a certificate the browser was told to trust). */
async function request(endpoint, message) {
  const req = new Request({ context, linger: 0 });
  try {
    req.connect(endpoint);
    await req.send(message);
    return (await req.receive()).map(text);
  } finally {
    req.close();
  }
}

/** A bind in the page: browsers have no WebSocket server, so this must reject. */
async function wsBind() {
  const pull = new Pull({ context });
  try {
    await pull.bind("ws://127.0.0.1:*/x");
    return "bound";
  } catch (error) {
    return `${error.name} ${error.code}`;
  } finally {
    pull.close();
  }
}

globalThis.zmq = { inprocPushPull, wsSession, wsBind, request };
globalThis.zmqReady = true;
