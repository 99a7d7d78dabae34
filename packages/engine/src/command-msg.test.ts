// Command messages (kernel commandMsg: a DISH's JOIN and LEAVE) leave the
// ZMTP engine as ZMTP commands, in order with the data messages around them;
// subscription messages still leave as SUBSCRIBE / CANCEL. The far side is a
// hand-driven ZmtpConnection, so the commands are read off the wire.
import { type Command, ZmtpConnection, utf8 } from "@zmq/wire";
import {
  type ByteStream,
  Context,
  type Msg,
  type Pipe,
  SocketBase,
  type SocketOptions,
  type SocketTypeName,
  commandMsg,
  subscriptionMsg,
} from "@zmq/kernel";
import { createCleanup, memoryTransport } from "@zmq/kernel/testing";
import { afterEach, describe, expect, it } from "vitest";
import { zmtpEngine } from "./index.js";

/** A socket that writes whatever the test gives it to every pipe, as is. */
class Writer extends SocketBase {
  readonly attached: Pipe[] = [];
  constructor(type: SocketTypeName, options: SocketOptions) {
    super(type, options);
  }
  protected xattachPipe(pipe: Pipe): void {
    this.attached.push(pipe);
  }
  protected xpipeTerminated(): void {}
  write(msg: Msg): void {
    for (const p of this.attached) p.write(msg);
  }
}

const open = createCleanup<SocketBase>();
afterEach(open.closeAll);

/** Accepts one connection on `address` and runs a ZmtpConnection of `type` on it; resolves once it is ready. */
async function rawPeer(transport: ReturnType<typeof memoryTransport>, address: string, type: SocketTypeName) {
  const commands: Command[] = [];
  const messages: Uint8Array[][] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  let seen!: () => void;
  let want = 0;
  let done = new Promise<void>((r) => (seen = r));
  const check = () => {
    if (commands.length + messages.length >= want) seen();
  };
  const listener = await transport.listen({ scheme: "mem", address, url: `mem://${address}` }, { backlog: 1, ipv6: false }, (stream: ByteStream) => {
    const conn = new ZmtpConnection(
      { socketType: type },
      {
        send: (c) => stream.write(c),
        onReady: () => ready(),
        onMessage: (m) => {
          messages.push(m);
          check();
        },
        onCommand: (c) => {
          commands.push(c);
          check();
        },
        onError: () => stream.destroy(),
      },
    );
    stream.setHandlers({ onData: (c) => conn.feed(c), onDrain: () => {}, onClose: () => {} });
    conn.start();
  });
  return {
    commands,
    messages,
    isReady,
    close: () => listener.close(),
    /** Resolves once `n` commands and messages in all have arrived. */
    until(n: number): Promise<void> {
      want = n;
      done = new Promise<void>((r) => (seen = r));
      check();
      return done;
    },
  };
}

function setup() {
  const transport = memoryTransport({ engine: zmtpEngine });
  const context = new Context({ transports: [transport] });
  return { transport, context };
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("command messages through the ZMTP engine", () => {
  it("a DISH's JOIN and LEAVE reach a RADIO peer as commands, in order with data", async () => {
    const { transport, context } = setup();
    const peer = await rawPeer(transport, "radio", "RADIO");
    const dish = open.track(new Writer("DISH", { context }));
    dish.connect("mem://radio");
    dish.write(commandMsg({ name: "JOIN", group: utf8("a") }, utf8("a")));
    dish.write([utf8("between")]);
    dish.write(commandMsg({ name: "LEAVE", group: utf8("a") }, utf8("a")));
    dish.write(commandMsg({ name: "JOIN", group: new Uint8Array(255).fill(0x62) }, new Uint8Array(255).fill(0x62)));
    await peer.isReady;
    await peer.until(4);
    expect(peer.commands.map((c) => c.name)).toEqual(["JOIN", "LEAVE", "JOIN"]);
    expect(text((peer.commands[0] as { group: Uint8Array }).group)).toBe("a");
    expect((peer.commands[2] as { group: Uint8Array }).group.length).toBe(255);
    expect(peer.messages.map((m) => m.map(text))).toEqual([["between"]]);
    peer.close();
  });

  it("subscription messages still go as SUBSCRIBE and CANCEL", async () => {
    const { transport, context } = setup();
    const peer = await rawPeer(transport, "pub", "PUB");
    const sub = open.track(new Writer("SUB", { context }));
    sub.connect("mem://pub");
    sub.write(subscriptionMsg(Uint8Array.of(1, 0x74)));
    sub.write(subscriptionMsg(Uint8Array.of(0, 0x74)));
    await peer.until(2);
    expect(peer.commands.map((c) => c.name)).toEqual(["SUBSCRIBE", "CANCEL"]);
    expect(Array.from((peer.commands[0] as { topic: Uint8Array }).topic)).toEqual([0x74]);
    peer.close();
  });
});
