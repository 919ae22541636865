// cluster/daemon: the composition root (startDaemon), the service faces it wires, graceful shutdown on
// signals, and the logger with secret redaction.
export { DEMO_OBJECTIVES, startDaemon } from './daemon.ts';
export type { Daemon, DaemonOptions, StartStep, ThroughputSample } from './daemon.ts';
export { installShutdown, EXIT_FORCED } from './signals.ts';
export type { ShutdownOptions } from './signals.ts';
export { createDaemonLogger, prettyLine, REDACT_PATHS } from './logger.ts';
export type { LoggerOptions } from './logger.ts';
export { catalogue, daemonError } from './errors.ts';
export type { DaemonErrorCode } from './errors.ts';
export { localOperatorToken, TOKEN_FILE } from './api-token.ts';
export { JOB_STATES } from './services.ts';
export type * from './services.ts';
