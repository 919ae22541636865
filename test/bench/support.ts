// Builders of result lines for the bench tests: a valid BENCH.md line with the fields a test cares about changed.
import type { ResultLine } from '../../bench/report/result-line.ts';

export const MACHINE = { cpu: 'AMD EPYC', cores: 2, memGiB: 24, node: 'v24.21.0' } as const;

export function line(fields: Partial<ResultLine> & Pick<ResultLine, 'scenario'>): ResultLine {
  return {
    metric: 'throughput', unit: 'msg/s', value: 100, min: 95, max: 105, runs: 5,
    machine: MACHINE, commit: 'abc1234', at: '2026-11-22T10:00:00.000Z',
    ...fields,
  };
}

export function jsonl(lines: readonly ResultLine[]): string {
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}
