// One end of a throughput run, started by throughput.ts with fork() (the
// IPC channel to the parent is a unix socketpair; it carries only control
// messages). The same code runs zmq-ts and zeromq.js: only the import
// differs.
//
//   node dist/throughput-peer.js recv <zmq-ts|zeromq.js> <bind-address> <warmup-ms> <window-ms>
//   node dist/throughput-peer.js send <zmq-ts|zeromq.js> <endpoint> <size> <max-ms>
//
// recv: binds, reports { type: "ready", endpoint }, counts messages. At
//   <warmup-ms> after its first message it notes the count and the time;
//   <window-ms> later it reports { type: "result", count, elapsedMs } for
//   the messages between the two (each count read together with the clock).
//   It then drains until the zero-length end marker and reports
//   { type: "drained", total }. The window is the receiver's, so a sender
//   far ahead of its receiver (queues in the kernel) does not stretch it.
//   (child-common's countWindow, which reqrep-peer's router shares.)
// send: connects and runs `for (;;) await push.send(msg)` until the parent
//   says "stop" (or <max-ms> pass, a safety net), then sends the end marker,
//   reports { type: "sent", sent, byDeadline } and waits for "exit".
//   (child-common's sendFlatOut, which reqrep-peer's dealer shares.)
//
// Both exit when the parent goes away, and on a lifetime limit.
import { type Sock, bindReady, countWindow, exitOnCommand, fail, guard, load, sendFlatOut } from "./child-common.js";

interface PushLike extends Sock {
  connect(endpoint: string): void;
  send(message: Buffer): Promise<void>;
}
interface PullLike extends Sock, AsyncIterable<Buffer[]> {
  readonly lastEndpoint: string | null;
  bind(address: string): Promise<void>;
}
interface Library {
  Push: new () => PushLike;
  Pull: new () => PullLike;
}

const [role, impl, target, arg4, arg5] = process.argv.slice(2);
guard("throughput-peer", 120_000, "throughput.js");

async function receiver(lib: Library, address: string, warmupMs: number, windowMs: number): Promise<void> {
  const pull = new lib.Pull();
  await bindReady(pull, address);
  // Looking at the clock costs about as much as a small message: from 1 KiB up, at every message.
  await countWindow(pull, 0, warmupMs, windowMs, 1024);
}

const sender = async (lib: Library, endpoint: string, size: number, maxMs: number) => await sendFlatOut(new lib.Push(), endpoint, size, maxMs);

const lib: Library = await load(impl).catch(fail);
if (role === "recv") {
  // After its result the parent may not wait for the drain.
  exitOnCommand();
  await receiver(lib, target!, Number(arg4), Number(arg5)).catch(fail);
  process.exit(0);
} else if (role === "send") {
  await sender(lib, target!, Number(arg4), Number(arg5)).catch(fail);
} else {
  await fail(new Error(`unknown role ${role}`));
}
