// Graceful shutdown on SIGTERM/SIGINT: the first signal stops the daemon (intake off, jobs checkpointed,
// flush) and exits 0, or 1 when shutdown.timeoutMs passes first; a second signal exits at once (130).
// SIGHUP reloads the config.
import type { Logger } from 'pino';
import type { Daemon } from './daemon.ts';
import { daemonError } from './errors.ts';

export const EXIT_FORCED = 130;

export interface ShutdownOptions {
  readonly log: Logger;
  exit(code: number): void;
  /** printed once the daemon is stopped */
  onStopped?(): void;
}

export function installShutdown(daemon: Daemon, o: ShutdownOptions): () => void {
  let signalled = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signalled++;
    if (signalled > 1) {
      o.log.warn({ signal }, 'second signal: exiting now without waiting');
      o.exit(EXIT_FORCED);
      return;
    }
    o.log.info({ signal }, 'signal received: graceful shutdown (send it again to exit at once)');
    const timeoutMs = daemon.config().shutdown.timeoutMs;
    const timer = setTimeout(() => {
      const err = daemonError('STRATA_DAEMON_SHUTDOWN_TIMEOUT', `graceful shutdown did not finish within ${timeoutMs} ms; exiting`, { timeoutMs });
      o.log.error({ code: err.code }, err.message);
      o.exit(1);
    }, timeoutMs);
    daemon.stop(`signal ${signal}`).then(() => {
      clearTimeout(timer);
      o.onStopped?.();
      o.exit(0);
    }, (e: unknown) => {
      clearTimeout(timer);
      o.log.error({ err: e }, 'shutdown failed');
      o.exit(1);
    });
  };
  const onHup = (): void => { void daemon.reloadConfig(); };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onHup);
  };
}
