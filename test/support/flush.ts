// Lets the dispatcher and pending promise callbacks run: actors process messages in microtasks and yield
// to the event loop with setImmediate, so a few macrotask turns drain any finite amount of work.
export async function flush(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Waits until `predicate` holds, polling on macrotask turns; fails with `what` after timeoutMs. */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise<void>((r) => setTimeout(r, 2));
  }
}
