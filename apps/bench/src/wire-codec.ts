// Microbenchmark of @zmq/wire's frame encoder and decoder: single-frame
// 64-byte messages and 10-frame messages (10 x 64 bytes), encoded in
// batches as an engine flushes them and decoded from 64 KiB chunks as a
// socket delivers them. Prints messages/s and MB/s of wire bytes.
//
//   pnpm --filter @zmq/bench bench:wire        (after pnpm build)
//
// Options: --seconds N (per case, default 2), --json (one JSON line per case).
import { FrameDecoder, FrameEncoder } from "@zmq/wire";

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf("--seconds") + 1] ?? 2) || 2;
const asJson = args.includes("--json");

interface Result {
  name: string;
  messages: number;
  seconds: number;
  msgsPerSec: number;
  mbPerSec: number;
}

function measure(name: string, messagesPerRound: number, bytesPerRound: number, round: () => void): Result {
  for (let i = 0; i < 50; i++) round(); // warm up the JIT
  let rounds = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 20; i++) round();
    rounds += 20;
    elapsed = process.hrtime.bigint() - start;
  }
  const secs = Number(elapsed) / 1e9;
  const messages = rounds * messagesPerRound;
  return {
    name,
    messages,
    seconds: secs,
    msgsPerSec: messages / secs,
    mbPerSec: (rounds * bytesPerRound) / secs / 1e6,
  };
}

function encodeCase(name: string, framesPerMessage: number, batch: number): Result {
  const encoder = new FrameEncoder({ alloc: (n) => Buffer.allocUnsafe(n) });
  const message = Array.from({ length: framesPerMessage }, (_, i) => Buffer.alloc(64, i));
  const messages = Array.from({ length: batch }, () => message);
  const wireBytes = encoder.encodeMessages(messages).reduce((n, c) => n + c.length, 0);
  let chunkCount = 0;
  const result = measure(name, batch, wireBytes, () => {
    // Counting the output keeps the encoder's work observable to the JIT.
    chunkCount += (batch === 1 ? encoder.encodeMessage(message) : encoder.encodeMessages(messages)).length;
  });
  if (chunkCount === 0) throw new Error("the encoder produced nothing");
  return result;
}

function decodeCase(name: string, framesPerMessage: number): Result {
  const encoder = new FrameEncoder();
  const message = Array.from({ length: framesPerMessage }, (_, i) => Buffer.alloc(64, i));
  // About 1 MiB of wire bytes, cut into 64 KiB chunks at arbitrary points.
  const perMessage = framesPerMessage * 66;
  const count = Math.floor((1 << 20) / perMessage);
  const wire = Buffer.concat(encoder.encodeMessages(Array.from({ length: count }, () => message)));
  const chunks: Buffer[] = [];
  for (let o = 0; o < wire.length; o += 65536) chunks.push(wire.subarray(o, o + 65536));
  let received = 0;
  const decoder = new FrameDecoder({ onMessage: () => void received++, onCommand: () => {} }, { alloc: (n) => Buffer.allocUnsafe(n) });
  const result = measure(name, count, wire.length, () => {
    for (const c of chunks) decoder.feed(c);
  });
  if (received % count !== 0) throw new Error(`decoder lost messages: ${received} is not a multiple of ${count}`);
  return result;
}

const results = [
  encodeCase("encode 64 B x 1 frame, batches of 1", 1, 1),
  encodeCase("encode 64 B x 1 frame, batches of 256", 1, 256),
  encodeCase("encode 64 B x 10 frames, batches of 1", 10, 1),
  encodeCase("encode 64 B x 10 frames, batches of 64", 10, 64),
  decodeCase("decode 64 B x 1 frame, 64 KiB chunks", 1),
  decodeCase("decode 64 B x 10 frames, 64 KiB chunks", 10),
];

if (asJson) {
  for (const r of results) console.log(JSON.stringify(r));
} else {
  console.log(`@zmq/wire codec, Node ${process.version}, ${seconds} s per case\n`);
  console.log("| case | messages/s | MB/s (wire bytes) |");
  console.log("|---|---:|---:|");
  for (const r of results) {
    console.log(`| ${r.name} | ${Math.round(r.msgsPerSec).toLocaleString("en-US")} | ${r.mbPerSec.toFixed(0)} |`);
  }
}
