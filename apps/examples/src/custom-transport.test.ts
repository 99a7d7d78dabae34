// The README's custom transport example really works: ZMTP over duplex://.
import { Context } from "@zmq/zeromq";
import { Pull, Push } from "@zmq/zeromq";
import { expect, it } from "vitest";
import { duplex } from "./custom-transport.js";

it("runs Push/Pull over a transport written in a few lines", async () => {
  const context = new Context({ transports: [duplex()] });
  const pull = new Pull({ context });
  await pull.bind("duplex://work");
  const push = new Push({ context });
  const handshakes: string[] = [];
  push.events.on("handshake", (e) => handshakes.push(e.address));
  push.connect("duplex://work");
  await push.send(["over", "a custom transport"]);
  expect((await pull.receive()).map(String)).toEqual(["over", "a custom transport"]);
  expect(handshakes).toEqual(["duplex://work"]);
  push.close();
  pull.close();
});
