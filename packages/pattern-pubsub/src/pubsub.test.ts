// Publisher, Subscriber, XPublisher, XSubscriber over inproc and tcp:
// prefix matching, counted subscriptions, XPUB notifications, verbosity,
// manual mode, welcome messages, noDrop, inverted matching, conflate, and
// re-subscription after a reconnect.
import { Context, type SocketBase, SubscriptionTrie, CountedTrie, pipePair } from "@zmq/kernel";
import { createCleanup, endpointNames, errorCode as code, hex as hexes, text } from "@zmq/kernel/testing";
import { inproc } from "@zmq/transport-inproc";
import { tcp } from "@zmq/transport-tcp";
import { afterEach, describe, expect, it } from "vitest";
import { Publisher, Subscriber, XPublisher, XSubscriber } from "./index.js";

const context = new Context({ transports: [inproc(), tcp()] });
const open = createCleanup<SocketBase>();
afterEach(open.closeAll);
const make = open.track;
const ep = endpointNames("inproc://pubsub");
const bytes = (s: string) => new TextEncoder().encode(s);

describe("tries", () => {
  it("SubscriptionTrie: set per pipe, first and last notifications, prefix matching", () => {
    const trie = new SubscriptionTrie();
    const [a] = pipePair(0);
    const [b] = pipePair(0);
    expect(trie.add(bytes("ab"), a)).toBe(true);
    expect(trie.add(bytes("ab"), a)).toBe(false);
    expect(trie.add(bytes("ab"), b)).toBe(false);
    expect(trie.add(bytes(""), b)).toBe(true);
    const hits: string[] = [];
    trie.match(bytes("abc"), (p) => hits.push(p === a ? "a" : "b"));
    expect(hits.sort()).toEqual(["a", "b", "b"]);
    const none: string[] = [];
    trie.match(bytes("x"), (p) => none.push(p === a ? "a" : "b"));
    expect(none).toEqual(["b"]);
    expect(trie.remove(bytes("ab"), a)).toBe(false);
    const gone: string[] = [];
    trie.removePipe(b, (prefix) => gone.push(new TextDecoder().decode(prefix)));
    expect(gone.sort()).toEqual(["", "ab"]);
  });

  it("matching cost does not depend on unrelated subscriptions", () => {
    const trie = new SubscriptionTrie();
    const [p] = pipePair(0);
    for (let i = 0; i < 10_000; i++) trie.add(bytes(`topic-${i}/`), p);
    let hits = 0;
    trie.match(bytes("zzz-not-a-topic"), () => hits++);
    expect(hits).toBe(0);
    trie.match(bytes("topic-9999/x"), () => hits++);
    expect(hits).toBe(1);
  });

  it("CountedTrie counts and lists each prefix once in trie order", () => {
    const t = new CountedTrie();
    expect(t.add(bytes("b"))).toBe(true);
    expect(t.add(bytes("b"))).toBe(false);
    expect(t.add(bytes(""))).toBe(true);
    expect(t.matches(bytes("anything"))).toBe(true);
    const all: string[] = [];
    t.each((p) => all.push(new TextDecoder().decode(p)));
    expect(all).toEqual(["", "b"]);
    expect(t.remove(bytes("b"))).toBe(false);
    expect(t.remove(bytes("b"))).toBe(true);
    expect(t.remove(bytes("b"))).toBe(false);
  });
});

describe("Publisher -> Subscriber", () => {
  it("delivers by prefix of the first frame, multipart intact", async () => {
    const pub = make(new Publisher({ context }));
    const e = ep();
    await pub.bind(e);
    const sub = make(new Subscriber({ context }));
    sub.subscribe("news");
    sub.connect(e);
    await pub.send(["sports", "x"]);
    await pub.send(["newsflash", "a", "b"]);
    await pub.send(["news", ""]);
    expect(text(await sub.receive())).toEqual(["newsflash", "a", "b"]);
    expect(text(await sub.receive())).toEqual(["news", ""]);
  });

  it("subscribe() with no topic takes everything; unsubscribe undoes counted subscriptions", async () => {
    const pub = make(new Publisher({ context }));
    const e = ep();
    await pub.bind(e);
    const sub = make(new Subscriber({ context, receiveTimeout: 30 }));
    sub.connect(e);
    sub.subscribe();
    await pub.send("one");
    expect(text(await sub.receive())).toEqual(["one"]);
    sub.subscribe("a");
    sub.subscribe("a");
    sub.unsubscribe();
    sub.unsubscribe("a");
    await pub.send("a: still subscribed once");
    expect(text(await sub.receive())).toEqual(["a: still subscribed once"]);
    sub.unsubscribe("a");
    await pub.send("a: gone");
    expect(code(await sub.receive().catch((x: unknown) => x))).toBe("EAGAIN");
  });

  it("drops per subscriber at the HWM instead of blocking", async () => {
    const pub = make(new Publisher({ context, sendHighWaterMark: 2 }));
    const e = ep();
    await pub.bind(e);
    const slow = make(new Subscriber({ context, receiveHighWaterMark: 2 }));
    slow.subscribe();
    slow.connect(e);
    for (let i = 0; i < 10; i++) await pub.send(String(i));
    const got: string[] = [];
    slow.receiveTimeout = 20;
    for (;;) {
      try {
        got.push(text(await slow.receive())[0]!);
      } catch {
        break;
      }
    }
    expect(got).toEqual(["0", "1", "2", "3"]);
  });

  it("noDrop waits at a full subscriber instead (EAGAIN on timeout)", async () => {
    const pub = make(new Publisher({ context, sendHighWaterMark: 1, noDrop: true, sendTimeout: 20 }));
    const e = ep();
    await pub.bind(e);
    const sub = make(new Subscriber({ context, receiveHighWaterMark: 1 }));
    sub.subscribe();
    sub.connect(e);
    await pub.send("1");
    await pub.send("2");
    expect(code(await pub.send("3").catch((x: unknown) => x))).toBe("EAGAIN");
    expect(text(await sub.receive())).toEqual(["1"]);
  });

  it("invertMatching on both ends", async () => {
    const pub = make(new Publisher({ context, invertMatching: true }));
    const e = ep();
    await pub.bind(e);
    const sub = make(new Subscriber({ context, invertMatching: true }));
    sub.subscribe("skip");
    sub.connect(e);
    await pub.send("skip me");
    await pub.send("keep me");
    expect(text(await sub.receive())).toEqual(["keep me"]);
  });

  it("conflate keeps only the newest message", async () => {
    const pub = make(new Publisher({ context }));
    const e = ep();
    await pub.bind(e);
    const sub = make(new Subscriber({ context, conflate: true }));
    sub.subscribe();
    sub.connect(e);
    for (let i = 0; i < 5; i++) await pub.send(String(i));
    expect(text(await sub.receive())).toEqual(["4"]);
  });

  it("sends nothing and receives nothing in the wrong direction", async () => {
    const pub = make(new Publisher({ context }));
    const sub = make(new Subscriber({ context }));
    expect(code(await pub.receive().catch((x: unknown) => x))).toBe("ENOTSUP");
    expect(code(await sub.send("x").catch((x: unknown) => x))).toBe("ENOTSUP");
    expect(sub.linger).toBe(0);
    expect(pub.linger).toBe(-1);
  });
});

describe("XPublisher", () => {
  it("passes on first subscriptions and last unsubscriptions, including on disconnect", async () => {
    const xpub = make(new XPublisher({ context }));
    const e = ep();
    await xpub.bind(e);
    const a = make(new Subscriber({ context }));
    const b = make(new Subscriber({ context }));
    a.connect(e);
    b.connect(e);
    a.subscribe("t");
    expect(hexes(await xpub.receive())).toEqual(["0174"]);
    b.subscribe("t");
    a.unsubscribe("t");
    b.subscribe("u");
    expect(hexes(await xpub.receive())).toEqual(["0175"]);
    b.close();
    const left = [hexes(await xpub.receive())[0], hexes(await xpub.receive())[0]].sort();
    expect(left).toEqual(["0074", "0075"]);
  });

  it("verbosity allSubs and allSubsUnsubs pass on every (un)subscription", async () => {
    const xpub = make(new XPublisher({ context, verbosity: "allSubsUnsubs" }));
    const e = ep();
    await xpub.bind(e);
    const a = make(new Subscriber({ context }));
    const b = make(new Subscriber({ context }));
    a.connect(e);
    b.connect(e);
    a.subscribe("t");
    b.subscribe("t");
    b.unsubscribe("t");
    const got = [];
    for (let i = 0; i < 3; i++) got.push(hexes(await xpub.receive())[0]);
    expect(got).toEqual(["0174", "0174", "0074"]);
    expect(() => (xpub.verbosity = "loud" as never)).toThrow(expect.objectContaining({ detail: expect.stringMatching(/verbosity/) }));
  });

  it("manual: the application applies each subscription itself", async () => {
    const xpub = make(new XPublisher({ context, manual: true }));
    const e = ep();
    await xpub.bind(e);
    const sub = make(new Subscriber({ context }));
    sub.subscribe();
    sub.connect(e);
    // The subscription reaches the application, and is not applied by itself.
    expect(hexes(await xpub.receive())).toEqual(["01"]);
    xpub.subscribe("mapped");
    await xpub.send("not applied");
    await xpub.send("mapped-topic");
    expect(text(await sub.receive())).toEqual(["mapped-topic"]);
  });

  it("queues a welcome message for each new subscriber", async () => {
    const xpub = make(new XPublisher({ context, welcomeMessage: "WELCOME" }));
    const e = ep();
    await xpub.bind(e);
    const sub = make(new Subscriber({ context }));
    sub.subscribe("WEL");
    sub.connect(e);
    expect(text(await sub.receive())).toEqual(["WELCOME"]);
  });

  it("XSUB sends raw subscription frames and other messages upstream", async () => {
    const xpub = make(new XPublisher({ context }));
    const e = ep();
    await xpub.bind(e);
    const xsub = make(new XSubscriber({ context }));
    xsub.connect(e);
    await xsub.send(Buffer.from("01626f6f", "hex"));
    expect(hexes(await xpub.receive())).toEqual(["01626f6f"]);
    await xsub.send(["hello", "upstream"]);
    expect(text(await xpub.receive())).toEqual(["hello", "upstream"]);
    await xpub.send(["boo!"]);
    expect(text(await xsub.receive())).toEqual(["boo!"]);
  });
});

describe("over tcp", () => {
  it("re-sends every subscription after a reconnect", async () => {
    const pub = make(new Publisher({ context }));
    await pub.bind("tcp://127.0.0.1:*");
    const address = pub.lastEndpoint!;
    const sub = make(new Subscriber({ context, reconnectInterval: 10 }));
    sub.subscribe("x");
    sub.subscribe("y");
    const handshakes: unknown[] = [];
    let onHandshake: () => void = () => {};
    sub.events.on("handshake", (e) => {
      handshakes.push(e);
      onHandshake();
    });
    sub.connect(address);
    const xpub = make(new XPublisher({ context }));
    // Drop the publisher and bring up an XPUB on the same port: the subscriber reconnects and re-subscribes.
    await new Promise<void>((r) => (handshakes.length > 0 ? r() : (onHandshake = r)));
    pub.close();
    await xpub.bind(address);
    const subs = [hexes(await xpub.receive())[0], hexes(await xpub.receive())[0]].sort();
    expect(subs).toEqual(["0178", "0179"]);
    await xpub.send("x marks");
    expect(text(await sub.receive())).toEqual(["x marks"]);
  });
});

describe("event-loop fairness", () => {
  it("a publish loop that never waits still lets the network run (no starvation)", async () => {
    const pub = make(new Publisher({ context }));
    await pub.bind("tcp://127.0.0.1:*");
    const sub = make(new Subscriber({ context }));
    sub.subscribe();
    sub.connect(pub.lastEndpoint!);
    let got = 0;
    void (async () => {
      for await (const _ of sub) got++;
    })();
    // Every send completes at once (PUB never waits). If those completions never
    // gave the event loop a turn, nothing would reach the subscriber before the deadline.
    const deadline = Date.now() + 5000;
    while (got < 100 && Date.now() < deadline) await pub.send("tick");
    expect(got).toBeGreaterThanOrEqual(100);
  });
});
