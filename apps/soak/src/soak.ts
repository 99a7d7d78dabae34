/**
 * Soak mode: `pnpm soak --minutes N` (default 5). Runs the fault scenarios
 * of the tests in rounds, larger, until N minutes have passed, and prints
 * this process's RSS and heap after each scenario, so that growth over time
 * shows. Exits 1 at the first broken guarantee (a duplicate, a reordering,
 * a partial message, a lost message where none may be lost, a wrong
 * fan-out delivery).
 */
import { hostileScenario } from "./hostile.js";
import { publisherMemory } from "./pub-memory.js";
import { restartScenario } from "./restart.js";
import { memory, mib } from "./util.js";
import { dealerWaves, topicFanout } from "./waves.js";

function minutesArg(argv: readonly string[]): number {
  const i = argv.indexOf("--minutes");
  const raw = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith("--minutes="))?.slice(10);
  const minutes = raw === undefined ? 5 : Number(raw);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`--minutes takes a positive number, not ${raw}`);
  return minutes;
}

const minutes = minutesArg(process.argv.slice(2));
const started = Date.now();
const deadline = started + minutes * 60_000;
const failures: string[] = [];

function check(what: string, ok: boolean): void {
  if (!ok) failures.push(what);
}

function sample(after: string): void {
  const m = memory();
  const t = ((Date.now() - started) / 1000).toFixed(0);
  console.log(
    `[soak] t=${t}s after ${after}: rss=${mib(m.rss)} heapUsed=${mib(m.heapUsed)} external=${mib(m.external)} arrayBuffers=${mib(m.arrayBuffers)}`,
  );
}

const scenarios: [string, () => Promise<void>][] = [
  [
    "restart (child binds)",
    async () => {
      const f = await restartScenario({ childSide: "bind", restarts: 20, perIncarnation: 1000 });
      check("restart (child binds): no duplicate, reordering or partial", f.duplicates + f.reordered + f.partial === 0);
    },
  ],
  [
    "restart (child connects)",
    async () => {
      const f = await restartScenario({ childSide: "connect", restarts: 20, perIncarnation: 1000 });
      check("restart (child connects): no duplicate, reordering or partial", f.duplicates + f.reordered + f.partial === 0);
    },
  ],
  [
    "dealer waves",
    async () => {
      await dealerWaves({ waves: 4, dealers: 1000 });
    },
  ],
  [
    "topic fan-out",
    async () => {
      const f = await topicFanout({ subscribers: 1000 });
      check("topic fan-out: every Subscriber got exactly its own message", f.wrong + f.missing === 0);
    },
  ],
  ...(["Pull", "Router", "Sub"] as const).map((target): [string, () => Promise<void>] => [
    `hostile clients on ${target}`,
    async () => {
      const f = await hostileScenario({ target, messages: 100_000, perRound: 10 });
      check(`hostile ${target}: whole and in order`, f.partial + f.reordered === 0 && (target === "Sub" || f.lost === 0));
    },
  ]),
  [
    "publisher memory",
    async () => {
      await publisherMemory({ subscribers: 20, size: 1024, count: 200_000 });
    },
  ],
];

console.log(`[soak] running the fault scenarios in rounds for ${minutes} minute(s)`);
sample("start");
let round = 0;
outer: while (Date.now() < deadline) {
  round++;
  console.log(`[soak] round ${round}`);
  for (const [name, run] of scenarios) {
    if (Date.now() >= deadline) break outer;
    try {
      await run();
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    sample(name);
    if (failures.length > 0) break outer;
  }
}
if (failures.length > 0) {
  console.error(`[soak] FAILED after ${round} round(s):\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.log(`[soak] done: ${round} round(s) in ${((Date.now() - started) / 60_000).toFixed(1)} minute(s), no guarantee broken`);
process.exit(0);
