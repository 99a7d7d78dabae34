// Shared output for benchmark programs: a markdown table on stdout, and the
// same rows as JSON and markdown under apps/bench/results/.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Row {
  readonly case: string;
  readonly ours: number;
  readonly zeromq: number;
  readonly unit: string;
  /** For latencies, lower is better: the ratio is then zeromq / ours. */
  readonly lowerIsBetter?: boolean;
  /** Payload bytes per message, for msgs/s rows: the table then also shows MB/s (10^6 bytes). */
  readonly bytesPerMsg?: number;
}

export interface TableOptions {
  /** Replaces the default line under the title (how and where the two were run). */
  readonly note?: string;
}

export function ratio(row: Row): number {
  return row.lowerIsBetter ? row.zeromq / row.ours : row.ours / row.zeromq;
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2));

export function markdown(title: string, rows: readonly Row[], options: TableOptions = {}): string {
  const note = options.note ?? "same process, same code path.";
  const withBytes = rows.some((r) => r.bytesPerMsg !== undefined);
  const mb = (r: Row, perSec: number) => (r.bytesPerMsg === undefined ? "" : fmt((perSec * r.bytesPerMsg) / 1e6));
  const lines = [
    `### ${title}`,
    "",
    `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; zeromq.js = npm \`zeromq\` 6.8 (libzmq 4.3.5), ${note}`,
    "",
    withBytes
      ? "| case | zmq-ts | zeromq.js | unit | zmq-ts MB/s | zeromq.js MB/s | zmq-ts / zeromq.js |"
      : "| case | zmq-ts | zeromq.js | unit | zmq-ts / zeromq.js |",
    withBytes ? "|---|---:|---:|---|---:|---:|---:|" : "|---|---:|---:|---|---:|",
    ...rows.map((r) =>
      withBytes
        ? `| ${r.case} | ${fmt(r.ours)} | ${fmt(r.zeromq)} | ${r.unit} | ${mb(r, r.ours)} | ${mb(r, r.zeromq)} | **${ratio(r).toFixed(1)}×** |`
        : `| ${r.case} | ${fmt(r.ours)} | ${fmt(r.zeromq)} | ${r.unit} | **${ratio(r).toFixed(1)}×** |`,
    ),
    "",
  ];
  return lines.join("\n");
}

export function writeResults(name: string, title: string, rows: readonly Row[], options: TableOptions = {}): void {
  const dir = join(import.meta.dirname, "..", "results");
  mkdirSync(dir, { recursive: true });
  const stamped = { name, title, node: process.version, date: new Date().toISOString(), rows: rows.map((r) => ({ ...r, ratio: ratio(r) })) };
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(stamped, null, 2) + "\n");
  writeFileSync(join(dir, `${name}.md`), markdown(title, rows, options));
}
