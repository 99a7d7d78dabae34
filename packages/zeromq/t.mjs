import * as zmq from "zeromq";
const d = new zmq.Dealer();
for (const [k, v] of [
  ["zapDomain", 5],
  ["linger", "x"],
  ["linger", 1.5],
  ["linger", -2],
  ["immediate", 1],
  ["routingId", 5],
  ["routingId", ""],
  ["sendHighWaterMark", null],
  ["linger", undefined],
  ["bogusOption", 1],
]) {
  try {
    d[k] = v;
    console.log(k, JSON.stringify(v), "->", JSON.stringify(d[k]));
  } catch (e) {
    console.log(k, JSON.stringify(v), e.constructor.name, e.code, e.errno, JSON.stringify(e.message));
  }
}
try {
  new zmq.Dealer({ bogus: 1 });
} catch (e) {
  console.log("ctor bogus", e.constructor.name, e.message);
}
try {
  new zmq.Dealer({ linger: "x" });
} catch (e) {
  console.log("ctor linger x", e.constructor.name, e.message);
}
d.close();
try {
  d.linger = 5;
  console.log("closed set ok", d.linger);
} catch (e) {
  console.log("closed set", e.constructor.name, e.code, e.message);
}
try {
  console.log("closed get", d.linger);
} catch (e) {
  console.log("closed get", e.constructor.name, e.code, e.message);
}
try {
  d.bind(5);
} catch (e) {
  console.log("bind(5)", e.constructor.name, e.message);
}
try {
  d.connect();
} catch (e) {
  console.log("connect()", e.constructor.name, e.message);
}
const e2 = new zmq.Dealer();
try {
  e2.connect("bogus://x");
} catch (e) {
  console.log("connect bogus", e.constructor.name, e.code, e.errno, e.message, e.address);
}
try {
  e2.connect("tcp://");
} catch (e) {
  console.log("connect tcp://", e.constructor.name, e.code, e.errno, e.message, e.address);
}
try {
  await e2.bind("tcp://256.0.0.1:5");
} catch (e) {
  console.log("bind bad ip", e.constructor.name, e.code, e.errno, e.message, e.address);
}
try {
  await e2.send(5.5);
  console.log("sent 5.5");
} catch (e) {
  console.log("send num", e.constructor.name, e.message);
}
try {
  await e2.send({});
} catch (e) {
  console.log("send obj", e.constructor.name, e.message);
}
try {
  e2.receive();
  e2.receive().catch((e) => console.log("2nd receive", e.constructor.name, e.code, e.message));
} catch (e) {
  console.log("recv", e.message);
}
await new Promise((r) => setTimeout(r, 50));
e2.close();
