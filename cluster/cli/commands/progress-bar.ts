// One progress bar on stderr, drawn the same way by every command (cli-progress, cursor hidden, cleared when
// done): the first draw starts it, stop() clears it, a draw after stop() starts a fresh one.
import cliProgress from 'cli-progress';

export interface StderrBar {
  draw(total: number, value: number, payload: Readonly<Record<string, unknown>>): void;
  stop(): void;
}

/** A bar with this cli-progress format. Name an ETA payload `etaText`: cli-progress's own `{eta}` token (its
 *  estimate, in bare seconds) wins over a payload key of that name. */
export function stderrBar(format: string): StderrBar {
  const bar = new cliProgress.SingleBar({ format, stream: process.stderr, hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
  let total: number | null = null;
  return {
    draw(t, value, payload) {
      if (total === null) bar.start(t, value, payload);
      else {
        if (t !== total) bar.setTotal(t);
        bar.update(value, payload);
      }
      total = t;
    },
    stop() { if (total !== null) bar.stop(); total = null; },
  };
}

/** "6.9 s", or "?" without an estimate. */
export const etaText = (ms: number | null): string => (ms === null ? '?' : `${(ms / 1000).toFixed(1)} s`);
