// The matrix server: on the main thread, loads P&L matrices through the MatrixSource for runners placed on
// worker threads (a MatrixSource cannot cross a thread) and answers with the matrix as SharedArrayBuffer
// handles: the runtime hands the same memory to the thread, so the matrix is never copied. Keeps the last few,
// per job: a job's runner that restarts on a thread resumes on the data its checkpoints were made from, while a
// later job with the same query reads the store again and sees what was ingested in between.
import type { ActorRef, Behaviour } from '../../runtime/index.ts';
import { matrixDigest, type LoadedMatrix, type MatrixQuery, type MatrixSource } from '../../engine/jobs/matrix-source.ts';

/** A loaded matrix as message data: ids and days, the values and the per-strategy columns in shared memory. */
export interface SharedMatrix {
  readonly strategyIds: readonly string[];
  readonly days: readonly string[];
  /** pnl[s * days.length + d] as float64, from byte `pnlOffset` */
  readonly pnl: SharedArrayBuffer;
  readonly pnlOffset: number;
  /** int32: trades (n), then firstDay (n), then lastDay (n) */
  readonly columns: SharedArrayBuffer;
  readonly digest: string;
}

export type MatrixReply =
  | { readonly type: 'matrix.load.ok'; readonly matrix: SharedMatrix }
  | { readonly type: 'matrix.load.rejected'; readonly error: { readonly code: string; readonly message: string; readonly retryable: boolean; readonly data: Readonly<Record<string, unknown>> } };

export type MatrixRequest = { readonly type: 'matrix.load'; readonly jobId: string; readonly query: MatrixQuery; readonly replyTo: ActorRef<MatrixReply> };

export function toSharedMatrix(m: LoadedMatrix): SharedMatrix {
  let pnl: SharedArrayBuffer;
  let pnlOffset = 0;
  if (m.pnl.buffer instanceof SharedArrayBuffer) {
    pnl = m.pnl.buffer;
    pnlOffset = m.pnl.byteOffset;
  } else {
    pnl = new SharedArrayBuffer(m.pnl.byteLength);
    new Float64Array(pnl).set(m.pnl);
  }
  const n = m.strategyIds.length;
  const columns = new SharedArrayBuffer(n * 3 * 4);
  const c = new Int32Array(columns);
  c.set(m.trades, 0);
  c.set(m.firstDay, n);
  c.set(m.lastDay, 2 * n);
  return { strategyIds: [...m.strategyIds], days: [...m.days], pnl, pnlOffset, columns, digest: matrixDigest(m) };
}

/** Views over the shared memory (no copy of the values). */
export function fromSharedMatrix(m: SharedMatrix): LoadedMatrix {
  const n = m.strategyIds.length;
  return {
    strategyIds: m.strategyIds, days: m.days,
    pnl: new Float64Array(m.pnl, m.pnlOffset, n * m.days.length),
    trades: new Int32Array(m.columns, 0, n),
    firstDay: new Int32Array(m.columns, n * 4, n),
    lastDay: new Int32Array(m.columns, 2 * n * 4, n),
  };
}

export function matrixServerBehaviour(options: { readonly matrixSource: MatrixSource; readonly cache?: number }): Behaviour<MatrixRequest> {
  const cache = options.cache ?? 2;
  return () => {
    const loaded = new Map<string, Promise<SharedMatrix>>();
    return {
      receive(m) {
        const key = m.jobId;
        let p = loaded.get(key);
        if (!p) {
          p = options.matrixSource.load(m.query).then(toSharedMatrix);
          p.catch(() => loaded.delete(key));
          loaded.set(key, p);
          while (loaded.size > cache) loaded.delete(loaded.keys().next().value!);
        }
        const replyTo = m.replyTo;
        p.then(
          (matrix) => replyTo.tell({ type: 'matrix.load.ok', matrix }),
          (e: unknown) => {
            const err = e as { code?: unknown; message?: unknown; retryable?: unknown; data?: unknown };
            replyTo.tell({ type: 'matrix.load.rejected', error: {
              code: typeof err.code === 'string' ? err.code : 'STRATA_JOB_MATRIX_LOAD_FAILED',
              message: String(err.message ?? e),
              retryable: typeof err.retryable === 'boolean' ? err.retryable : true,
              data: (err.data && typeof err.data === 'object' ? err.data : {}) as Record<string, unknown>,
            } });
          },
        );
      },
    };
  };
}
