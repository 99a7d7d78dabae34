// The page's script (server.ts bundles it with esbuild for the browser).
// A Subscriber and a Dealer connect over ws:// to the service that served
// the page: @zmq/transport-ws's "browser" entry, on the browser's own
// WebSocket. The Subscriber shows the clock and the chat; the Dealer sends
// what is typed and shows the Router's replies. Frames are Uint8Arrays.
/* global document, location */
import { Context } from "@zmq/kernel";
import { Subscriber } from "@zmq/pattern-pubsub";
import { Dealer } from "@zmq/pattern-reqrep";
import { ws } from "@zmq/transport-ws";

const context = new Context({ transports: [ws()] });
const text = (frame) => new TextDecoder().decode(frame);
const $ = (id) => document.getElementById(id);

function show(list, line) {
  const item = document.createElement("li");
  item.textContent = line;
  $(list).append(item);
}

const sub = new Subscriber({ context });
sub.subscribe("tick");
sub.subscribe("chat");
sub.connect(`ws://${location.host}/feed`);

const dealer = new Dealer({ context });
dealer.connect(`ws://${location.host}/rpc`);

// Connection state, from the sockets' monitor events.
const state = { feed: "connecting", rpc: "connecting" };
for (const [name, socket] of [
  ["feed", sub],
  ["rpc", dealer],
]) {
  void (async () => {
    for await (const event of socket.events) {
      state[name] = event.error ? `${event.type}: ${event.error.message}` : event.type;
      $("status").textContent = `feed ${state.feed}, rpc ${state.rpc}`;
    }
  })();
}
$("say").addEventListener("submit", (event) => {
  event.preventDefault();
  const line = $("line").value;
  $("line").value = "";
  if (line) dealer.send(line).catch((error) => show("replies", `error: ${error.message}`));
});

let ticks = 0;
void (async () => {
  for await (const [topic, body] of sub) {
    if (text(topic) === "tick") {
      $("tick").textContent = text(body);
      $("ticks").textContent = String(++ticks);
    } else show("chat", text(body));
  }
})();

void (async () => {
  for await (const [reply] of dealer) show("replies", text(reply));
})();
