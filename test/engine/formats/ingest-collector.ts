// Test support: runs ingestFile to the end and gathers its batches back into rows, so tests can compare
// canonical output with expected values; also a helper that expects a coded rejection.
import { batchRows, ingestFile, type FileSummary, type ParseOptions } from '../../../engine/formats/index.ts';

export interface Collected {
  readonly format: string;
  readonly contentHash: string;
  readonly summary: FileSummary;
  readonly strategies: Record<string, string | number | null>[];
  readonly trades: Record<string, string | number | null>[];
  readonly daily: Record<string, string | number | null>[];
  readonly batchTypes: Set<string>;
}

export async function collect(path: string, options: ParseOptions = {}): Promise<Collected> {
  let format = '';
  let contentHash = '';
  let summary: FileSummary | null = null;
  const out = { strategies: [] as Collected['strategies'], trades: [] as Collected['trades'], daily: [] as Collected['daily'] };
  const batchTypes = new Set<string>();
  for await (const ev of ingestFile(path, options)) {
    if (ev.type === 'started') { format = ev.format; contentHash = ev.contentHash; }
    if (ev.type === 'batch') {
      const rows = batchRows(ev.batch);
      for (const [name, col] of Object.entries(ev.batch.columns)) batchTypes.add(`${ev.batch.table}.${name}:${col.constructor.name}`);
      if (ev.batch.table === 'strategies') out.strategies.push(...rows);
      else if (ev.batch.table === 'trades') out.trades.push(...rows);
      else out.daily.push(...rows);
    }
    if (ev.type === 'done') summary = ev.summary;
  }
  if (!summary) throw new Error('ingestFile ended without a done event');
  return { format, contentHash, summary, ...out, batchTypes };
}

/** The coded error a rejected file ends with (fails the test when the file is accepted). */
export async function rejection(path: string, options: ParseOptions = {}): Promise<{ code: string; message: string; data: Record<string, unknown> }> {
  try {
    await collect(path, options);
  } catch (e) {
    const err = e as { code?: string; message: string; data?: Record<string, unknown> };
    if (typeof err.code !== 'string') throw e;
    return { code: err.code, message: err.message, data: err.data ?? {} };
  }
  throw new Error(`${path} was accepted, a rejection was expected`);
}

/** Daily rows of one strategy, by name, as { day|zone: pnl }. */
export function dailyByName(c: Collected, name: string): Map<string, { pnl: number; n: number | null }> {
  const id = c.strategies.find((s) => s['strategy_name'] === name)?.['strategy_id'];
  const out = new Map<string, { pnl: number; n: number | null }>();
  for (const r of c.daily) if (r['strategy_id'] === id) out.set(`${r['trading_day']}|${r['zone']}`, { pnl: r['pnl'] as number, n: r['n_trades'] as number | null });
  return out;
}
