// Polling a daemon (or anything asynchronous) until a value satisfies a condition: the multi-process daemon
// tests wait for members, ingests and jobs this way. A call that throws (a member not listening yet) counts
// as "not yet"; the timeout error names what was awaited and shows the last value seen.
export async function untilValue<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs: number, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try { last = await fn(); if (ok(last)) return last; } catch { /* not there yet */ }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)?.slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
