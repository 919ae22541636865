// The benchmark contract (../shared/BENCH.md): a scenario measures a figure and the raw baseline in the same
// run, repeats both, and emits medians with min/max and the ratio. Each area lives in
// bench/scenarios/<area>.ts and exports `scenario`.

export interface BenchTarget {
  readonly ratio?: string;
  readonly value?: string;
}

export interface BenchResult {
  readonly scenario: string;
  readonly metric: string;
  readonly unit: string;
  readonly value: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
  readonly baseline?: { readonly name: string; readonly value: number };
  readonly ratio?: number;
  readonly target?: BenchTarget;
  readonly note?: string;
}

export interface BenchContext {
  readonly quick: boolean;
  /** human-readable progress, to stderr */
  log(line: string): void;
  emit(result: BenchResult): void;
}

export interface Scenario {
  readonly area: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<void>;
}

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export function summarise(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summarise: no samples');
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, runs: s.length };
}

/** Runs `fn` once to warm up, then `runs` times; returns the per-run figures it produced. */
export async function repeat(runs: number, fn: () => number | Promise<number>): Promise<Summary> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await fn());
  return summarise(samples);
}

/** A throughput-or-latency figure next to its baseline. Throughput: higher is better; ratio = value/baseline. */
export function compared(
  scenario: string,
  metric: string,
  unit: string,
  measured: Summary,
  baseline: { name: string; summary: Summary } | null,
  target?: BenchTarget,
): BenchResult {
  const base = baseline
    ? { baseline: { name: baseline.name, value: baseline.summary.median }, ratio: round(measured.median / baseline.summary.median, 4) }
    : {};
  return {
    scenario, metric, unit,
    value: round(measured.median, 3), min: round(measured.min, 3), max: round(measured.max, 3), runs: measured.runs,
    ...base,
    ...(target ? { target } : {}),
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
