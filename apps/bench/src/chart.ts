// The README's chart: throughput by message size, one line per
// implementation, both axes on a log scale, drawn as SVG from the rows a
// benchmark just measured (throughput.ts writes results/throughput.svg).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Row } from "./report.js";

export interface Series {
  name: string;
  color: string;
  /** Points as [message size in bytes, msgs/s]. */
  points: [number, number][];
}

const W = 720;
const H = 420;
const M = { left: 84, right: 150, top: 44, bottom: 56 };
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const sizeLabel = (n: number) => (n >= 1 << 20 ? `${n / (1 << 20)} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} B`);
const rateLabel = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : `${n}`);

/** An SVG line chart of msgs/s against message size, log-log. */
export function throughputChart(title: string, series: readonly Series[]): string {
  const all = series.flatMap((s) => s.points).filter(([, y]) => y > 0 && Number.isFinite(y));
  if (all.length === 0) return "";
  const xs = all.map(([x]) => Math.log10(x));
  const ys = all.map(([, y]) => y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.floor(Math.log10(Math.min(...ys))), Math.ceil(Math.log10(Math.max(...ys)))];
  const round = (v: number) => Math.round(v * 10) / 10;
  const px = (x: number) => round(M.left + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * (W - M.left - M.right));
  const py = (y: number) => round(H - M.bottom - ((Math.log10(y) - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 8}" y="${y + 4}" text-anchor="end">${rateLabel(10 ** e)}</text>`);
  }
  for (const size of [...new Set(all.map(([x]) => x))].sort((a, b) => a - b)) {
    const x = px(size);
    out.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${H - M.bottom}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${H - M.bottom + 18}" text-anchor="middle">${sizeLabel(size)}</text>`);
  }
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 14}" text-anchor="middle">message size</text>`);
  out.push(`<text transform="translate(18 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">messages a second (log)</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter(([, y]) => y > 0 && Number.isFinite(y)).sort((a, b) => a[0] - b[0]);
    if (pts.length === 0) return;
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2.5" points="${pts.map(([x, y]) => `${px(x)},${py(y)}`).join(" ")}"/>`);
    for (const [x, y] of pts) out.push(`<circle cx="${px(x)}" cy="${py(y)}" r="3.5" fill="${s.color}"/>`);
    const ly = M.top + 10 + i * 22;
    out.push(`<line x1="${W - M.right + 16}" x2="${W - M.right + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2.5"/>`);
    out.push(`<text x="${W - M.right + 46}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push("</svg>", "");
  return out.join("\n");
}

/** The implementations' colours in every chart. */
export const COLORS = { "zmq-ts": "#d9480f", "zeromq.js": "#1c7ed6", "libzmq C": "#2b8a3e" } as const;

/** results/<name>.svg from msgs/s rows of one transport (`bytesPerMsg` is the size). */
export function writeThroughputChart(name: string, title: string, rows: readonly Row[]): void {
  const sized = rows.filter((r) => r.bytesPerMsg !== undefined);
  const series: Series[] = [
    { name: "zmq-ts", color: COLORS["zmq-ts"], points: sized.map((r) => [r.bytesPerMsg!, r.ours]) },
    { name: "zeromq.js", color: COLORS["zeromq.js"], points: sized.map((r) => [r.bytesPerMsg!, r.zeromq]) },
    {
      name: "libzmq C",
      color: COLORS["libzmq C"],
      points: sized.flatMap((r) => (r.libzmq === undefined ? [] : [[r.bytesPerMsg!, r.libzmq] as [number, number]])),
    },
  ];
  const svg = throughputChart(title, series);
  if (svg) writeFileSync(join(import.meta.dirname, "..", "results", `${name}.svg`), svg);
}
