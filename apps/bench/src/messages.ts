// What the benchmark children report to their parent, shared by both sides.

/** CPU time a process used over a stretch of wall time, in ms. */
export interface Cpu {
  userMs: number;
  systemMs: number;
  wallMs: number;
}

/** What the two ends of a throughput run report (see Harness.throughputTrial). */
export type ThroughputMessage =
  | { type: "ready"; endpoint: string }
  | { type: "result"; count: number; elapsedMs: number; cpu: Cpu }
  | { type: "drained"; total: number }
  | { type: "sent"; sent: number; byDeadline: boolean; cpu: Cpu };
