// Our own timeout around every store call: neither DuckDB queries nor the HeavyDB transport settle by
// themselves when the other side hangs, so each operation races a timer that aborts it and rejects with a code.
import { storeError } from './errors.ts';

/**
 * Runs `work` with an AbortSignal that fires after `timeoutMs`; the returned promise rejects with
 * STRATA_STORE_TIMEOUT at that moment even if `work` never settles (its later outcome is ignored).
 */
export function withDeadline<T>(label: string, operation: string, timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      const err = storeError('STRATA_STORE_TIMEOUT', `${label}: ${operation} did not finish within ${timeoutMs} ms`, { node: label, operation, timeoutMs });
      controller.abort(err);
      reject(err);
    }, timeoutMs);
    let started: Promise<T>;
    try {
      started = work(controller.signal);
    } catch (e) {
      started = Promise.reject(e as Error);
    }
    started.then(
      (v) => { if (!settled) { settled = true; clearTimeout(timer); resolve(v); } },
      (e: unknown) => { if (!settled) { settled = true; clearTimeout(timer); reject(e as Error); } },
    );
  });
}
