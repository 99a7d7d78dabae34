/**
 * Killed and restarted peers. A Pull in a child process (bound, or
 * connecting: `childSide`) is killed with SIGKILL mid-stream and started
 * again, `restarts` times, while a Push in this process sends numbered
 * three-frame messages ["seq", n, body(n)]. Every message that arrives must
 * be whole (three frames, the body that belongs to n), and the numbers
 * strictly increasing across all incarnations: no duplicate, no reordering.
 * Messages in a killed process's buffers are lost, as in libzmq: counted.
 */
import { Push } from "@zmq/zeromq";
import { type Child, bounded, report, runNode } from "./util.js";

export interface RestartOptions {
  /** Where the child's Pull is: "bind" (the Push connects to it) or "connect" (the Push is bound). */
  readonly childSide: "bind" | "connect";
  readonly restarts: number;
  /** Messages each incarnation gets before it is killed. */
  readonly perIncarnation: number;
}

export interface RestartFigures {
  readonly sent: number;
  readonly received: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly reordered: number;
  readonly partial: number;
  readonly ms: number;
}

/** A body whose length and bytes follow from n, so that a mixed-up or cut message shows. */
export const bodyFor = (n: number): Buffer => Buffer.alloc((n % 97) + 1, n % 251);

function pullProgram(side: "bind" | "connect", endpoint: string): string {
  return `
    import { Pull } from "@zmq/zeromq";
    const pull = new Pull({ linger: 0 });
    ${side === "bind" ? `await pull.bind(${JSON.stringify(endpoint)});` : `pull.connect(${JSON.stringify(endpoint)});`}
    console.log("ready " + pull.lastEndpoint);
    let got = [];
    setInterval(() => { if (got.length > 0) { process.stdout.write("got " + got.join(",") + "\\n"); got = []; } }, 5);
    for await (const msg of pull) {
      const n = msg.length === 3 && msg[0].toString() === "seq" ? Number(msg[1].toString()) : NaN;
      const body = msg[2];
      if (!Number.isInteger(n) || body.length !== (n % 97) + 1 || body.some((b) => b !== n % 251)) {
        console.log("partial " + msg.length);
        continue;
      }
      got.push(n);
    }
  `;
}

export async function restartScenario(options: RestartOptions): Promise<RestartFigures> {
  const started = Date.now();
  const push = new Push({ linger: 0, reconnectInterval: 20 });
  let endpoint: string;
  if (options.childSide === "connect") {
    await push.bind("tcp://127.0.0.1:*");
    endpoint = push.lastEndpoint!;
  } else {
    // A fixed port for every incarnation, below Linux's ephemeral range (32768-60999), so that no
    // outgoing connection of another process takes it while the child is down.
    endpoint = `tcp://127.0.0.1:${20000 + Math.floor(Math.random() * 12000)}`;
  }
  let sent = 0;
  let received = 0;
  let last = -1;
  let duplicates = 0;
  let reordered = 0;
  let partial = 0;
  let sending = true;
  const sender = (async () => {
    while (sending) {
      await push.send(["seq", String(sent), bodyFor(sent)]);
      sent++;
    }
  })().catch(() => {});

  let child: Child | undefined;
  try {
    for (let i = 0; i <= options.restarts; i++) {
      child = runNode(pullProgram(options.childSide, endpoint));
      let mine = 0;
      let enough: () => void = () => {};
      const gotEnough = new Promise<void>((resolve) => (enough = resolve));
      child.onLine((line) => {
        if (line.startsWith("partial")) partial++;
        if (!line.startsWith("got ")) return;
        for (const s of line.slice(4).split(",")) {
          const n = Number(s);
          if (n === last) duplicates++;
          else if (n < last) reordered++;
          last = Math.max(last, n);
          received++;
          mine++;
        }
        if (mine >= options.perIncarnation) enough();
      });
      try {
        await bounded(
          child.line((l) => l.startsWith("ready ")),
          20_000,
          "child start",
        );
      } catch (error) {
        // The first port tried may be taken: try another (later incarnations keep the one that worked).
        if (i === 0 && options.childSide === "bind" && child.output().includes("EADDRINUSE")) {
          endpoint = `tcp://127.0.0.1:${20000 + Math.floor(Math.random() * 12000)}`;
          i--;
          continue;
        }
        throw error;
      }
      if (i === 0 && options.childSide === "bind") push.connect(endpoint);
      await bounded(gotEnough, 20_000, `incarnation ${i} receiving`);
      if (i < options.restarts) await child.kill();
    }
    // The last incarnation lives: stop sending and let it take what is queued.
    sending = false;
    await sender;
    const target = sent - 1;
    await bounded(
      new Promise<void>((resolve) => {
        const check = () => (last >= target ? resolve() : setTimeout(check, 5));
        check();
      }),
      20_000,
      "draining to the last incarnation",
    );
  } finally {
    sending = false;
    push.close();
    await child?.kill();
  }
  const figures: RestartFigures = { sent, received, lost: sent - received, duplicates, reordered, partial, ms: Date.now() - started };
  report(`restart (child ${options.childSide}s, ${options.restarts} SIGKILLs)`, { ...figures });
  return figures;
}
