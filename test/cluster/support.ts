// Shared test support for the cluster suites: a log sink that keeps pino lines, and polling helpers.
import { pino, type Logger } from 'pino';

export interface LogSink {
  readonly logger: Logger;
  readonly lines: string[];
  messages(): string[];
}

export function logSink(level = 'info'): LogSink {
  const lines: string[] = [];
  const logger = pino({ level }, { write: (s: string) => void lines.push(s) });
  return { logger, lines, messages: () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg) };
}

export async function eventually<T>(fn: () => T | undefined | null | false, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise<void>((r) => setTimeout(r, 10));
  }
}

export const SECRET = 'test-cluster-secret-0123456789';
