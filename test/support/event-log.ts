// The events a test has seen so far, and a wait for the first one (seen already or still to come) that matches: the
// store cluster's and the ingest actor's harnesses record their events this way. The timeout error lists what was seen.
export interface EventLog<E extends { readonly type: string }> {
  readonly events: E[];
  push(e: E): void;
  waitFor(pred: (e: E) => boolean, timeoutMs: number): Promise<E>;
}

export function createEventLog<E extends { readonly type: string }>(what: string): EventLog<E> {
  const events: E[] = [];
  const waiters: { pred: (e: E) => boolean; resolve: (e: E) => void }[] = [];
  return {
    events,
    push(e) {
      events.push(e);
      for (const w of [...waiters]) if (w.pred(e)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e); }
    },
    waitFor(pred, timeoutMs) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching ${what} event within ${timeoutMs} ms; saw ${events.map((e) => e.type).join(', ')}`)), timeoutMs);
        waiters.push({ pred, resolve: (e) => { clearTimeout(timer); resolve(e); } });
      });
    },
  };
}
