// A strategy's running daily P&L: sums per (trading day, zone) exact to the cent whatever the order the cells
// come in, rows sorted by day then zone, and the rows made once but never stale when more P&L arrives.
import { describe, expect, it } from 'vitest';
import { StrategyDraft } from '../../../engine/formats/strategy-draft.ts';

const draft = (): StrategyDraft => new StrategyDraft({ strategyId: 's1', subKey: 'k', name: 'S', sheet: null, column: null, type: 'UNKNOWN' });

describe('StrategyDraft', () => {
  it('sums each (day, zone) exactly, in any order of days and zones, and sorts the rows by day then zone', () => {
    const d = draft();
    expect(d.hasDays).toBe(false);
    // interleaved days and zones, as a wide workbook or a zone file gives them; 0.1 + 0.2 stays 0.3
    d.add('2024-01-03', 'Zone 2', 0.1, 1);
    d.add('2024-01-02', 'Zone 1', 5, 1);
    d.add('2024-01-03', 'Zone 1', -2, 1);
    d.add('2024-01-03', 'Zone 2', 0.2, 1);
    d.add('2024-01-02', 'Zone 1', 1e-8, 1);
    expect(d.hasDays).toBe(true);
    expect(d.dailyRows()).toEqual([
      { strategy_id: 's1', trading_day: '2024-01-02', zone: 'Zone 1', pnl: 5.00000001, n_trades: 2 },
      { strategy_id: 's1', trading_day: '2024-01-03', zone: 'Zone 1', pnl: -2, n_trades: 1 },
      { strategy_id: 's1', trading_day: '2024-01-03', zone: 'Zone 2', pnl: 0.3, n_trades: 2 },
    ]);
    const s = d.summary('FORMAT_7_TradingView_Zone');
    expect(s).toMatchObject({ tradingDays: 2, winningDays: 1, totalPnl: 3.30000001, trades: 5, firstDay: '2024-01-02', lastDay: '2024-01-03', zones: ['Zone 1', 'Zone 2'] });
  });

  it('keeps the rows it made only until more P&L arrives', () => {
    const d = draft();
    d.add('2024-01-02', 'ALL', 10, null);
    const first = d.dailyRows();
    expect(d.dailyRows()).toBe(first); // made once
    d.add('2024-01-02', 'ALL', 5, null); // the same cell
    d.add('2024-01-01', 'ALL', -1, null); // a new, earlier day
    expect(d.dailyRows()).toEqual([
      { strategy_id: 's1', trading_day: '2024-01-01', zone: 'ALL', pnl: -1, n_trades: null },
      { strategy_id: 's1', trading_day: '2024-01-02', zone: 'ALL', pnl: 15, n_trades: null },
    ]);
    expect(d.row('FORMAT_4_CONSOLIDATED_XLSX', 'f.xlsx')).toMatchObject({ first_trading_day: '2024-01-01', last_trading_day: '2024-01-02' });
  });

  it('stays exact over a long run of cents (compensated summation)', () => {
    const d = draft();
    for (let i = 0; i < 100_000; i++) d.add('2024-01-02', 'ALL', 0.01, 1);
    expect(d.dailyRows()[0]!.pnl).toBe(1000);
  });
});
