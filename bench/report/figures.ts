// How a run's results are grouped for reading: by area in list order, and within an area the throughput
// figures (bars), the latency percentile sets (curves) and the thread-count series (scaling curves).
import { AREA_NAMES, betterDirection, LATENCY_METRICS } from '../scenario.ts';
import type { ResultLine } from './result-line.ts';

export interface LatencyGroup {
  readonly scenario: string;
  readonly unit: string;
  /** in p50, p90, p99, p99.9, max order; only the percentiles the run reported */
  readonly points: readonly ResultLine[];
}

export interface ScalingGroup {
  /** the scenario name without its `.threads-N` / `.members-N` suffix */
  readonly name: string;
  /** what the curve counts along its x axis */
  readonly axis: 'threads' | 'members';
  readonly metric: string;
  readonly unit: string;
  /** `threads` is the count along the axis: threads or members */
  readonly points: readonly { readonly threads: number; readonly result: ResultLine }[];
}

export interface AreaFigures {
  readonly area: string;
  readonly results: readonly ResultLine[];
  readonly throughput: readonly ResultLine[];
  readonly latency: readonly LatencyGroup[];
  readonly scaling: readonly ScalingGroup[];
}

const SCALE = /^(.+)\.(threads|members)-(\d+)$/;

export function areaOf(r: Pick<ResultLine, 'scenario'>): string {
  return r.scenario.split('.')[0]!;
}

export function latencyGroups(results: readonly ResultLine[]): LatencyGroup[] {
  const by = new Map<string, ResultLine[]>();
  for (const r of results) {
    if (!(LATENCY_METRICS as readonly string[]).includes(r.metric)) continue;
    const key = `${r.scenario}\u0000${r.unit}`;
    by.set(key, [...(by.get(key) ?? []), r]);
  }
  return [...by.values()]
    .filter((rs) => rs.length >= 2)
    .map((rs) => ({
      scenario: rs[0]!.scenario,
      unit: rs[0]!.unit,
      points: [...rs].sort((a, b) => LATENCY_METRICS.indexOf(a.metric as never) - LATENCY_METRICS.indexOf(b.metric as never)),
    }));
}

export function scalingGroups(results: readonly ResultLine[]): ScalingGroup[] {
  const by = new Map<string, { name: string; axis: 'threads' | 'members'; metric: string; unit: string; points: { threads: number; result: ResultLine }[] }>();
  for (const r of results) {
    const m = SCALE.exec(r.scenario);
    if (!m) continue;
    const axis = m[2] as 'threads' | 'members';
    const key = `${m[1]}\u0000${axis}\u0000${r.metric}\u0000${r.unit}`;
    const g = by.get(key) ?? { name: m[1]!, axis, metric: r.metric, unit: r.unit, points: [] };
    g.points.push({ threads: Number(m[3]), result: r });
    by.set(key, g);
  }
  return [...by.values()].filter((g) => g.points.length >= 2).map((g) => ({ ...g, points: g.points.sort((a, b) => a.threads - b.threads) }));
}

export function groupByArea(results: readonly ResultLine[]): AreaFigures[] {
  const areas = [...new Set(results.map(areaOf))].sort((a, b) => rank(a) - rank(b));
  return areas.map((area) => {
    const rs = results.filter((r) => areaOf(r) === area);
    return {
      area,
      results: rs,
      throughput: rs.filter((r) => betterDirection(r) === 'higher'),
      latency: latencyGroups(rs),
      scaling: scalingGroups(rs),
    };
  });
}

function rank(area: string): number {
  const i = AREA_NAMES.indexOf(area);
  return i < 0 ? AREA_NAMES.length : i;
}
