// What a format normaliser gets while it reads one file: identity (path, stem, content hash), the chosen
// format and zoning, the problem log, the trade batch builder and the strategies it has found so far.
import type { CanonicalBatch, StrategyType } from './canonical.ts';
import { TradeBatchBuilder } from './canonical.ts';
import type { FormatId } from './format-id.ts';
import type { ProblemLog } from './problems.ts';
import { StrategyDraft } from './strategy-draft.ts';
import { strategyId } from './strategy-id.ts';
import type { Zoning } from './zones.ts';

export interface ParseProgress {
  rows: number;
  bytes: number;
  readonly totalBytes: number;
}

/** What a normaliser yields: a trades batch, or null as a progress tick after each block read. */
export type NormaliserOutput = CanonicalBatch | null;

export class ParseContext {
  readonly path: string;
  readonly stem: string;
  readonly contentHash: string;
  readonly format: FormatId;
  readonly zoning: Zoning | null;
  readonly problems: ProblemLog;
  readonly lenient: boolean;
  readonly trades: TradeBatchBuilder;
  readonly progress: ParseProgress;
  readonly strategies: StrategyDraft[] = [];
  /** rows that became canonical rows (trades, or daily cells for pre-aggregated inputs). */
  dataRows = 0;

  constructor(init: { path: string; stem: string; contentHash: string; format: FormatId; zoning: Zoning | null; problems: ProblemLog; lenient: boolean; batchRows: number; totalBytes: number }) {
    this.path = init.path;
    this.stem = init.stem;
    this.contentHash = init.contentHash;
    this.format = init.format;
    this.zoning = init.zoning;
    this.problems = init.problems;
    this.lenient = init.lenient;
    this.trades = new TradeBatchBuilder(init.batchRows);
    this.progress = { rows: 0, bytes: 0, totalBytes: init.totalBytes };
  }

  addStrategy(subKey: string, name: string, sheet: string | null, column: string | null, type: StrategyType): StrategyDraft {
    const draft = new StrategyDraft({ strategyId: strategyId(this.contentHash, subKey), subKey, name, sheet, column, type });
    this.strategies.push(draft);
    return draft;
  }

  /** In all-or-nothing mode, reading on after the problem limit only costs time: the file is rejected anyway. */
  get shouldStop(): boolean {
    const stop = !this.lenient && this.problems.problems.length >= this.problems.maxProblems;
    if (stop) this.problems.stoppedEarly = true;
    return stop;
  }
}
