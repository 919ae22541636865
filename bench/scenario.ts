// The benchmark contract (../shared/BENCH.md): a scenario measures a figure and the raw baseline in the same
// run, repeats both, and emits medians with min/max and the ratio. Each area lives in
// bench/scenarios/<area>.ts and exports `scenario`; AREAS lists the areas, each with its baseline.
import { build } from 'hdr-histogram-js';

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
  /** which way is good; when absent, inferred from the metric and unit (see betterDirection) */
  readonly better?: 'higher' | 'lower';
}

export interface BenchContext {
  readonly quick: boolean;
  /** human-readable progress, to stderr */
  log(line: string): void;
  emit(result: BenchResult): void;
  /** thread counts asked for with `--threads 1,2,4` (scaling curves); absent: the scenario's own choice */
  readonly threads?: readonly number[];
  /**
   * Whether `--only` asked for anything under this name (see isWanted): a scenario asks before each section's
   * work, so a partial run skips what nobody asked for. Lines not asked for are dropped at emit anyway.
   */
  wants(scenario: string): boolean;
}

export interface Scenario {
  readonly area: string;
  readonly description: string;
  /** the raw reference this area measures against, in words (the AREAS entry when absent) */
  readonly baseline?: string;
  run(ctx: BenchContext): Promise<void>;
}

export interface AreaEntry {
  readonly area: string;
  /** the raw reference each figure of the area is divided by, measured in the same run */
  readonly baseline: string;
}

/** The area list, in run order. An area whose bench/scenarios/<area>.ts does not exist yet is "not available". */
export const AREAS: readonly AreaEntry[] = [
  { area: 'runtime', baseline: 'a raw ring-queue + microtask dispatch loop; a raw promise round trip' },
  { area: 'threads', baseline: 'a raw msgpack batch in a transferred ArrayBuffer; a raw postMessage round trip' },
  { area: 'cluster', baseline: 'a bare ws + msgpack batched pipe between two processes; a bare ws ping-pong' },
  { area: 'store', baseline: 'raw DuckDB: the bare chunked appender, a direct query on one database' },
  { area: 'ingest', baseline: "DuckDB's own read_csv; the exceljs streaming reader" },
  { area: 'engine', baseline: 'a raw typed-array loop computing the same statistics inline' },
  { area: 'jobs', baseline: 'the same evaluations run directly in the piscina pool, no scheduler' },
  { area: 'api', baseline: 'a bare fastify hello-JSON endpoint under the same autocannon load; a bare ws send at the same moments' },
  { area: 'failover', baseline: 'restarting the killed store node from its file (instead of reading a replica)' },
  { area: 'scaling', baseline: 'the fused kernel on one thread in the same process' },
];

export const AREA_NAMES: readonly string[] = AREAS.map((a) => a.area);

/*
 * `--only` takes plain string prefixes of scenario names, not dot segments, because names grow with '-' as
 * well as '.' (`scaling.threads-2`, `ingest.csv.backinzo-vs-scan`). The two rules below are the only place
 * that matching is defined; `null` means no `--only`, i.e. everything.
 *
 * A result line is reported when its scenario starts with one of the prefixes.
 * A section is wanted when some line it could emit would be reported: its name starts with a prefix (the
 * whole section was asked for) or a prefix starts with its name (a part of it was: `ingest.rss` is wanted
 * for `--only ingest.rss.e2e-large`, `scaling.threads` for `--only scaling.threads-2`). The area `ingest` is
 * wanted as the section `ingest.`. Erring towards running a section costs time, never a line.
 */
export function isReported(only: readonly string[] | null, scenario: string): boolean {
  return only === null || only.some((p) => scenario.startsWith(p));
}

export function isWanted(only: readonly string[] | null, section: string): boolean {
  return only === null || only.some((p) => section.startsWith(p) || p.startsWith(section));
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

/** Runs `warmUp` (by default `fn` itself) once, then `fn` `runs` times; returns the per-run figures `fn` produced. */
export async function repeat(runs: number, fn: () => number | Promise<number>, warmUp: () => unknown = fn): Promise<Summary> {
  await warmUp();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await fn());
  return summarise(samples);
}

/**
 * Several measurements taken in rounds, one run of each per round in the given order, after one warm-up of each:
 * drift of a shared host over the minutes a scenario takes hits every side alike, where back-to-back blocks of
 * runs (repeat) can put one side in a fast spell and the other in a slow one. One summary per function.
 */
export async function interleaved(runs: number, fns: readonly (() => number | Promise<number>)[]): Promise<Summary[]> {
  for (const fn of fns) await fn();
  const samples: number[][] = fns.map(() => []);
  for (let i = 0; i < runs; i++) for (let k = 0; k < fns.length; k++) samples[k]!.push(await fns[k]!());
  return samples.map((s) => summarise(s));
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

/** Throughput-like figures are better higher; latency, time, memory and size are better lower. */
export function betterDirection(r: Pick<BenchResult, 'metric' | 'unit' | 'better'>): 'higher' | 'lower' {
  if (r.better) return r.better;
  if (/\/(s|sec|second)$/.test(r.unit) || /throughput|speedup|rate|efficiency/i.test(r.metric)) return 'higher';
  return 'lower';
}

export type LatencyMetric = 'p50' | 'p90' | 'p99' | 'p99.9' | 'max';
export const LATENCY_METRICS: readonly LatencyMetric[] = ['p50', 'p90', 'p99', 'p99.9', 'max'];
export type Percentiles = Readonly<Record<LatencyMetric, number>>;

/** An hdr-histogram of whole units (µs or ms, the caller's choice) up to about 16 minutes in µs. */
export function createLatencyRecorder(): { record(value: number): void; percentiles(): Percentiles; readonly count: number } {
  const h = build({ lowestDiscernibleValue: 1, highestTrackableValue: 1_000_000_000, numberOfSignificantValueDigits: 3 });
  return {
    record(value) { h.recordValue(Math.max(1, Math.round(value))); },
    percentiles() {
      return { p50: h.getValueAtPercentile(50), p90: h.getValueAtPercentile(90), p99: h.getValueAtPercentile(99), 'p99.9': h.getValueAtPercentile(99.9), max: h.maxValue };
    },
    get count() { return h.totalCount; },
  };
}

/**
 * One line per percentile (BENCH.md): the median over repetitions of each percentile with its min–max, next
 * to the baseline's median percentile where a baseline was measured (ratio: lower is better).
 */
export function latencyResults(
  scenario: string,
  unit: string,
  measured: readonly Percentiles[],
  baseline: { name: string; runs: readonly Percentiles[] } | null,
  targets: Partial<Record<LatencyMetric, BenchTarget>> = {},
): BenchResult[] {
  return LATENCY_METRICS.map((p) => compared(
    scenario, p, unit, summarise(measured.map((m) => m[p])),
    baseline ? { name: baseline.name, summary: summarise(baseline.runs.map((m) => m[p])) } : null,
    targets[p],
  ));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
