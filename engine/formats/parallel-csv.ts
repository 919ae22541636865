// A large FORMAT_1 file parsed on several worker threads. DuckDB's read_csv uses every core; one JS thread
// parsing a million-row file is the part of an ingest that does not scale with the machine (on the 16-core
// machine of docs/bench-16-core.md our parse was 0.25–0.37× read_csv while it was 0.44× on 2 vCPUs).
//
// How: the file after its header is cut into chunks of about 2 MiB, each after a line feed, and read
// ahead while earlier chunks are parsed. A worker parses a chunk with the serial reader's own code
// (scanCsvChunk, BackinzoTradeReader) and hands back its trade batches, its daily cells and its trade keys.
// Results are taken in file order:
// - A cut is only a guess at a row boundary: a quoted field may hold a line feed. The scanner says how much
//   of the chunk it consumed; a chunk that ends inside a quoted field is read again from its last row, and
//   every later result (parsed from a wrong start) is dropped. A chunk is only used once every chunk before
//   it ended on a row boundary, so each starts on one.
// - Line numbers are counted per chunk and made absolute here (source_row).
// - Trade numbers are checked for duplicates across chunks, in file order, as the serial reader checks them.
// - Daily P&L cells are merged with their compensation terms (strategy-draft.ts).
// - A file with any problem (or bytes that are not UTF-8) is rejected, and its report comes from the serial
//   reader, so it lists the same problems in the same order with the same limit as a serial read.
// Only all-or-nothing reads of files with a `Sr No` column, LF or CRLF line ends and an unquoted header take
// this path; everything else (lenient mode included) is read serially.
import { open, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Piscina } from 'piscina';
import { newPiscina } from '../../runtime/cpu-pool.ts';
import { BACKINZO_HEADER_LINE, backinzoStrategy, SeenKeys, seenBefore } from './backinzo.ts';
import type { CanonicalBatch } from './canonical.ts';
import { scanCsvChunk } from './csv-reader.ts';
import { formatError } from './errors.ts';
import type { NormaliserOutput, ParseContext } from './parse-context.ts';
import { parseBackinzoChunk, type BackinzoChunkResult, type BackinzoChunkTask } from './parse-worker.ts';
import { csvRowBlock, headerKeys } from './row-view.ts';
import { readFailed } from './strategy-id.ts';

/** Files smaller than this are read serially: starting the threads costs more than they save. */
export const PARALLEL_MIN_BYTES = 8 << 20;
/** Bytes per chunk (before the cut after its last line feed). */
export const PARALLEL_CHUNK_BYTES = 2 << 20;
/** The header is looked for in this many bytes at the start of the file. */
const HEADER_SAMPLE_BYTES = 256 << 10;

export interface ParsePoolOptions {
  /** worker threads (default: the machine's available parallelism, at most 8) */
  readonly threads?: number;
  /** an idle thread exits after this long (default 30 s): a daemon that ingests now and then keeps no threads */
  readonly idleTimeoutMs?: number;
  /** smaller files are read serially (default PARALLEL_MIN_BYTES) */
  readonly minFileBytes?: number;
  /** bytes per chunk (default PARALLEL_CHUNK_BYTES) */
  readonly chunkBytes?: number;
}

/** The worker threads that parse chunks of large CSV files; threads start on first use and stop when idle. */
export class ParsePool {
  readonly threads: number;
  readonly minFileBytes: number;
  readonly chunkBytes: number;
  readonly #idleTimeoutMs: number;
  #piscina: Piscina | null = null;
  #closed = false;

  constructor(options: ParsePoolOptions = {}) {
    const threads = options.threads ?? Math.min(8, availableParallelism());
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw formatError('STRATA_FORMAT_INVALID_OPTION', `parse threads must be a whole number in 1..256, got ${String(threads)}`, { parseThreads: threads });
    }
    this.threads = threads;
    this.minFileBytes = options.minFileBytes ?? PARALLEL_MIN_BYTES;
    this.chunkBytes = options.chunkBytes ?? PARALLEL_CHUNK_BYTES;
    if (!(Number.isInteger(this.chunkBytes) && this.chunkBytes >= 1)) {
      throw formatError('STRATA_FORMAT_INVALID_OPTION', `parse chunk bytes must be a whole number >= 1, got ${String(this.chunkBytes)}`, { chunkBytes: this.chunkBytes });
    }
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  }

  get closed(): boolean { return this.#closed; }

  /** chunks parsed; chunks read again because their cut fell inside a quoted field; chunks parsed on the
   *  reading thread because their worker failed or the pool was closed; errors of the pool itself (a thread that
   *  failed with no chunk on it, a reply after the pool was closed) */
  readonly stats = { chunks: 0, recuts: 0, parsedHere: 0, poolErrors: 0 };

  /** Parses one chunk on a worker; the chunk's buffer is transferred. */
  run(task: BackinzoChunkTask): Promise<BackinzoChunkResult> {
    if (this.#closed) return Promise.reject(new Error('the parse pool is closed'));
    if (this.#piscina === null) {
      this.#piscina = newPiscina(
        { filename: new URL('./parse-worker.ts', import.meta.url).href, minThreads: 0, maxThreads: this.threads, idleTimeout: this.#idleTimeoutMs },
        () => { this.stats.poolErrors++; },
      );
    }
    return this.#piscina.run(task, { name: 'backinzoChunk', transferList: [task.bytes] }) as Promise<BackinzoChunkResult>;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const p = this.#piscina;
    this.#piscina = null;
    await p?.destroy();
  }
}

/** Where the rows of a FORMAT_1 file begin, for a parallel read. */
export interface BackinzoPlan {
  /** the header, as headerKeys gives it */
  readonly header: readonly string[];
  /** byte offset of the first row after the header */
  readonly dataStart: number;
  /** line breaks before dataStart (the header's line number) */
  readonly headerLines: number;
}

/**
 * The plan of a parallel read of `path`, or null when only the serial reader should read it: no header in the
 * first 256 KiB, a quoted header, lone CR line ends, no `Sr No` column (a trade's key is then its line number),
 * no Date or P/L column (the serial reader says which), or bytes that are not UTF-8 (it says where).
 */
export async function planBackinzoParallel(path: string): Promise<BackinzoPlan | null> {
  let fh: FileHandle;
  try { fh = await open(path, 'r'); } catch (e) { throw readFailed(path, e); }
  let bytes: Buffer;
  try {
    const buf = Buffer.allocUnsafe(HEADER_SAMPLE_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEADER_SAMPLE_BYTES, 0);
    bytes = buf.subarray(0, bytesRead);
  } catch (e) {
    throw readFailed(path, e);
  } finally {
    await fh.close();
  }
  const cut = bytes.lastIndexOf(10) + 1;
  if (cut === 0) return null;
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let text: string;
  try { text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(bom, cut)); } catch { return null; }
  if (/\r(?!\n)/.test(text)) return null;
  const { block } = scanCsvChunk(text, false);
  const rows = csvRowBlock(block);
  for (let r = 0; r < block.rowCount; r++) {
    if (block.line(r) < BACKINZO_HEADER_LINE) continue;
    if (block.slowRow(r) !== undefined) return null;
    const header = headerKeys(rows.at(r));
    if (!header.includes('sr no') || !header.includes('date') || !header.includes('p/l')) return null;
    const headerLines = block.line(r);
    // the header's line break is the headerLines-th line feed of the file (no lone CRs, no quoted line breaks)
    let at = -1;
    for (let n = 0; n < headerLines; n++) {
      at = bytes.indexOf(10, at + 1);
      if (at < 0 || at >= cut) return null;
    }
    return { header, dataStart: at + 1, headerLines };
  }
  return null;
}

interface Chunk {
  readonly start: number;
  readonly length: number;
  readonly final: boolean;
  readonly result: Promise<BackinzoChunkResult>;
}

/** Adds `base` to a batch's source_row (a chunk counts lines from its own start). */
function shiftLines(batch: CanonicalBatch, base: number): void {
  const col = batch.columns['source_row'] as Float64Array | (number | null)[];
  for (let i = 0; i < batch.rowCount; i++) { const v = col[i]; if (v !== null && v !== undefined) col[i] = v + base; }
}

/**
 * The trades of a FORMAT_1 file read in parallel, as parseBackinzoTrades yields them (batches, and null after each
 * chunk). When the file has a problem, `serial` (the serial normaliser over the whole file, writing its problems
 * into ctx.problems) is run to the end and nothing more is yielded: the caller rejects the file with its report.
 */
export async function* parallelBackinzoTrades(
  ctx: ParseContext, plan: BackinzoPlan, pool: ParsePool, serial: () => AsyncGenerator<NormaliserOutput>,
): AsyncGenerator<NormaliserOutput> {
  const strategy = backinzoStrategy(ctx);
  const seen = new SeenKeys();
  const base: Omit<BackinzoChunkTask, 'bytes' | 'length' | 'final'> = {
    path: ctx.path, stem: ctx.stem, contentHash: ctx.contentHash, header: plan.header, batchRows: ctx.trades.capacity,
  };
  let fh: FileHandle;
  try { fh = await open(ctx.path, 'r'); } catch (e) { throw readFailed(ctx.path, e); }
  const queue: Chunk[] = [];
  let pos = plan.dataStart;
  let eof = false;
  let chunkBytes = pool.chunkBytes;
  let lineBase = plan.headerLines;
  let rejected = false;

  const read = async (start: number, want: number): Promise<{ buf: Buffer; got: number }> => {
    const buf = Buffer.allocUnsafeSlow(want);
    try {
      const { bytesRead } = await fh.read(buf, 0, want, start);
      return { buf, got: bytesRead };
    } catch (e) {
      throw readFailed(ctx.path, e);
    }
  };
  // A chunk whose worker failed (a thread that died) is read again and parsed here: its bytes went to the worker.
  const parseHere = async (start: number, length: number, final: boolean): Promise<BackinzoChunkResult> => {
    pool.stats.parsedHere++;
    const { buf } = await read(start, length);
    return parseBackinzoChunk({ ...base, bytes: buf.buffer as ArrayBuffer, length, final });
  };
  const dispatch = async (): Promise<void> => {
    const { buf, got } = await read(pos, chunkBytes);
    if (got === 0) { eof = true; return; }
    const final = got < chunkBytes;
    const length = final ? got : buf.subarray(0, got).lastIndexOf(10) + 1;
    if (length === 0) { chunkBytes *= 2; return; } // one line longer than a chunk: read a larger one
    const start = pos;
    const result = pool.run({ ...base, bytes: buf.buffer as ArrayBuffer, length, final }).catch(() => parseHere(start, length, final));
    result.catch(() => {}); // awaited in order below, or dropped with the queue
    queue.push({ start, length, final, result });
    pos += length;
    chunkBytes = pool.chunkBytes;
    if (final) eof = true;
  };

  try {
    const ahead = pool.threads + 2;
    for (;;) {
      while (!eof && queue.length < ahead) await dispatch();
      const chunk = queue.shift();
      if (chunk === undefined) break;
      const r = await chunk.result;
      if (!r.ok || seenBefore(seen, { numbers: r.keyNumbers, count: r.keyNumbers.length, texts: r.keyTexts as string[] })) {
        rejected = true;
        break;
      }
      pool.stats.chunks++;
      if (!chunk.final && r.consumedBytes < chunk.length) {
        pool.stats.recuts++;
        // the cut fell inside a quoted field: go on from the row it cut, in a larger chunk if no row ended
        queue.length = 0;
        pos = chunk.start + r.consumedBytes;
        eof = false;
        if (r.consumedBytes === 0) {
          chunkBytes = chunk.length * 2;
          continue;
        }
      }
      for (const b of r.batches) shiftLines(b, lineBase);
      lineBase += r.lines;
      strategy.merge(r.cells);
      if (strategy.underlying === null) strategy.underlying = r.underlying;
      ctx.dataRows += r.rows;
      ctx.progress.rows = ctx.dataRows;
      ctx.progress.bytes = chunk.start + r.consumedBytes;
      for (const b of r.batches) yield b;
      yield null;
    }
  } finally {
    queue.length = 0;
    await fh.close();
  }
  if (!rejected) return;
  // The report of a rejected file is the serial reader's; nothing of the parallel read is kept.
  for await (const _ of serial()) { /* problems only */ }
  if (ctx.problems.total === 0) {
    throw formatError('STRATA_FORMAT_READ_FAILED', `${ctx.path}: the parallel read found a problem that a serial read does not find; please report this file`, { file: ctx.path });
  }
}
