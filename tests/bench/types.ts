/** One benchmark result, printed by the runner as one JSON line (architecture.md). */
export interface BenchLine {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  backend?: string;
  [context: string]: unknown;
}

export type BenchModule = { run(): Promise<BenchLine[]> };
