// Shared output for benchmark programs: a markdown table on stdout, and the
// same rows as JSON and markdown under apps/bench/results/.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { libzmqPeer } from "./libzmq-c.js";

export interface Row {
  readonly case: string;
  readonly ours: number;
  readonly zeromq: number;
  /** libzmq's own C program (c/zmq-peer.c), where it ran. */
  readonly libzmq?: number;
  /** The floor for any Node program: raw node:net ping-pong for latency rows, the loop alone for inproc. */
  readonly floor?: number;
  readonly unit: string;
  /** For latencies, lower is better: the ratios are then theirs / ours. */
  readonly lowerIsBetter?: boolean;
  /** Payload bytes per message, for msgs/s rows: the table then also shows MB/s (10^6 bytes). */
  readonly bytesPerMsg?: number;
}

export interface TableOptions {
  /** Replaces the default line under the title (how and where the two were run). */
  readonly note?: string;
  /** The head of the floor column (default "node:net"). */
  readonly floorName?: string;
}

/** zmq-ts against another figure of the row: above 1, zmq-ts is faster. */
const speedup = (row: Row, theirs: number | undefined) =>
  theirs === undefined ? undefined : row.lowerIsBetter ? theirs / row.ours : row.ours / theirs;

/** zmq-ts against zeromq.js: above 1, zmq-ts is faster. */
export const ratio = (row: Row): number => speedup(row, row.zeromq)!;

const fmt = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? "—" : n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2));
const times = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "—" : `**${x.toFixed(x < 0.95 ? 2 : 1)}×**`);

interface Column {
  head: string;
  right: boolean;
  cell(r: Row): string;
}

export function markdown(title: string, rows: readonly Row[], options: TableOptions = {}): string {
  const note = options.note ?? "same process, same code path.";
  const withC = rows.some((r) => r.libzmq !== undefined);
  const withFloor = rows.some((r) => r.floor !== undefined);
  const floorName = options.floorName ?? "node:net";
  const withBytes = rows.some((r) => r.bytesPerMsg !== undefined);
  const mb = (r: Row, perSec: number | undefined) => (r.bytesPerMsg === undefined || perSec === undefined ? "" : fmt((perSec * r.bytesPerMsg) / 1e6));
  const columns: Column[] = [
    { head: "case", right: false, cell: (r) => r.case },
    { head: "zmq-ts", right: true, cell: (r) => fmt(r.ours) },
    { head: "zeromq.js", right: true, cell: (r) => fmt(r.zeromq) },
    ...(withC ? [{ head: "libzmq C", right: true, cell: (r: Row) => fmt(r.libzmq) }] : []),
    ...(withFloor ? [{ head: floorName, right: true, cell: (r: Row) => (r.floor === undefined ? "" : fmt(r.floor)) }] : []),
    { head: "unit", right: false, cell: (r) => r.unit },
    ...(withBytes
      ? [
          { head: "zmq-ts MB/s", right: true, cell: (r: Row) => mb(r, r.ours) },
          { head: "zeromq.js MB/s", right: true, cell: (r: Row) => mb(r, r.zeromq) },
          ...(withC ? [{ head: "libzmq C MB/s", right: true, cell: (r: Row) => mb(r, r.libzmq) }] : []),
        ]
      : []),
    { head: "zmq-ts / zeromq.js", right: true, cell: (r) => times(ratio(r)) },
    ...(withC ? [{ head: "zmq-ts / libzmq C", right: true, cell: (r: Row) => times(speedup(r, r.libzmq)) }] : []),
    ...(withFloor
      ? [{ head: `zmq-ts / ${floorName}`, right: true, cell: (r: Row) => (r.floor === undefined ? "" : times(speedup(r, r.floor))) }]
      : []),
  ];
  const libzmq = withC ? `; libzmq C = apps/bench/c/zmq-peer.c on the system's libzmq ${libzmqPeer()?.version ?? "?"}` : "";
  const lines = [
    `### ${title}`,
    "",
    `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; zeromq.js = npm \`zeromq\` 6.8 (libzmq 4.3.5)${libzmq}; ${note}`,
    "",
    `| ${columns.map((c) => c.head).join(" | ")} |`,
    `|${columns.map((c) => (c.right ? "---:" : "---")).join("|")}|`,
    ...rows.map((r) => `| ${columns.map((c) => c.cell(r)).join(" | ")} |`),
    "",
  ];
  return lines.join("\n");
}

export function writeResults(name: string, title: string, rows: readonly Row[], options: TableOptions = {}): void {
  const dir = join(import.meta.dirname, "..", "results");
  mkdirSync(dir, { recursive: true });
  const withRatios = rows.map((r) => ({ ...r, ratio: ratio(r), ratioToLibzmq: speedup(r, r.libzmq), ratioToFloor: speedup(r, r.floor) }));
  const stamped = {
    name,
    title,
    node: process.version,
    date: new Date().toISOString(),
    libzmq: rows.some((r) => r.libzmq !== undefined) ? libzmqPeer()?.version : undefined,
    rows: withRatios,
  };
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(stamped, null, 2) + "\n");
  writeFileSync(join(dir, `${name}.md`), markdown(title, rows, options));
}
