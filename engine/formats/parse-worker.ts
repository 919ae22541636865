// The worker side of a parallel CSV read (parallel-csv.ts): one chunk of a FORMAT_1 file, from a row boundary
// to a cut after a LF, parsed exactly as the serial reader parses those rows. The chunk's bytes arrive
// transferred; its trade batches, daily cells and trade keys go back transferred.
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { BackinzoTradeReader, backinzoStrategy, newKeyLog } from './backinzo.ts';
import type { CanonicalBatch } from './canonical.ts';
import { scanCsvChunk } from './csv-reader.ts';
import { ParseContext } from './parse-context.ts';
import { ProblemLog } from './problems.ts';
import { csvRowBlock } from './row-view.ts';
import type { DraftCells } from './strategy-draft.ts';
import { flushCompiled } from '../../runtime/compile-cache.ts';

flushCompiled(); // the modules this thread loaded, for the next one (runtime/compile-cache.ts)

export interface BackinzoChunkTask {
  /** the chunk's bytes are bytes[0 .. length) */
  readonly bytes: ArrayBuffer;
  readonly length: number;
  /** the chunk ends at the end of the file (not at a cut) */
  readonly final: boolean;
  readonly path: string;
  readonly stem: string;
  readonly contentHash: string;
  /** the file's header, as headerKeys gives it */
  readonly header: readonly string[];
  readonly batchRows: number;
}

export type BackinzoChunkResult =
  | { readonly ok: false; readonly reason: 'encoding' | 'problems' }
  | {
    readonly ok: true;
    /** bytes of the chunk consumed: its length unless the cut fell inside a quoted field */
    readonly consumedBytes: number;
    /** line breaks in the consumed bytes */
    readonly lines: number;
    readonly rows: number;
    /** trade batches; source_row counts lines from 1 at the chunk's start */
    readonly batches: readonly CanonicalBatch[];
    readonly cells: DraftCells;
    readonly underlying: string | null;
    readonly keyNumbers: Float64Array;
    readonly keyTexts: readonly string[];
  };

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Every ArrayBuffer under a value (typed arrays inside plain objects and arrays), each once. */
function buffersOf(value: unknown, into: Set<ArrayBuffer>): void {
  if (ArrayBuffer.isView(value)) { into.add(value.buffer as ArrayBuffer); return; }
  if (Array.isArray(value)) { for (const v of value) if (typeof v === 'object' && v !== null) buffersOf(v, into); return; }
  if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) buffersOf(v, into);
}

/** One chunk parsed on this thread (a worker's task, or the chunk of a worker that died). */
export function parseBackinzoChunk(task: BackinzoChunkTask): BackinzoChunkResult {
  let text: string;
  try {
    text = decoder.decode(new Uint8Array(task.bytes, 0, task.length));
  } catch {
    return { ok: false, reason: 'encoding' } satisfies BackinzoChunkResult;
  }
  const { block, consumed, lines } = scanCsvChunk(text, task.final);
  // problems are told apart from clean chunks only: a file with any is rejected, and its report comes from the
  // serial reader (the problems in file order, its limit and early stop), not from here
  const problems = new ProblemLog(task.path, 1);
  const ctx = new ParseContext({
    path: task.path, stem: task.stem, contentHash: task.contentHash, format: 'FORMAT_1_BACKINZO_CSV', zoning: null, problems,
    lenient: false, batchRows: task.batchRows, totalBytes: task.length,
  });
  const strategy = backinzoStrategy(ctx);
  const keys = newKeyLog();
  const reader = new BackinzoTradeReader(ctx, task.header, strategy, keys);
  const batches: CanonicalBatch[] = [];
  reader.read(csvRowBlock(block), 0, batches);
  if (problems.total > 0) return { ok: false, reason: 'problems' } satisfies BackinzoChunkResult;
  if (ctx.trades.length > 0) batches.push(ctx.trades.take());
  const consumedBytes = consumed === text.length ? task.length : Buffer.byteLength(text.slice(0, consumed));
  return {
    ok: true, consumedBytes, lines, rows: ctx.dataRows, batches, cells: strategy.cells(), underlying: strategy.underlying,
    keyNumbers: keys.numbers.slice(0, keys.count), keyTexts: keys.texts,
  };
}

/** The pool's task: parseBackinzoChunk, its result's buffers transferred back. */
export function backinzoChunk(task: BackinzoChunkTask): unknown {
  const result = parseBackinzoChunk(task);
  const buffers = new Set<ArrayBuffer>();
  buffersOf(result, buffers);
  return move({ [transferableSymbol]: [...buffers], [valueSymbol]: result } as never);
}
