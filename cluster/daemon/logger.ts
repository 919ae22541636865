// The daemon's pino logger: JSON lines, with secrets redacted by path wherever they could appear (tokens,
// secrets, passwords, authorization headers). On a terminal, without pino-pretty installed, a small
// formatter prints `HH:MM:SS LEVEL message key=value…` instead (still after redaction).
import { Writable } from 'node:stream';
import { pino, type DestinationStream, type Logger } from 'pino';

export const REDACT_PATHS = [
  'token', '*.token', 'secret', '*.secret', 'password', '*.password', 'authorization', '*.authorization',
  'headers.authorization', 'req.headers.authorization', 'secrets', '*.secrets', 'tokens[*].token', '*.tokens[*].token',
  'api.tokens[*].secret', '*.api.tokens[*].secret', 'cluster.secret', '*.cluster.secret',
];

const LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const COLOURS: Readonly<Record<number, string>> = { 10: '90', 20: '90', 30: '36', 40: '33', 50: '31', 60: '35' };

/** One JSON log line as a terminal line. */
export function prettyLine(json: string, colour: boolean): string {
  let o: Record<string, unknown>;
  try { o = JSON.parse(json) as Record<string, unknown>; } catch { return json; }
  const { level, time, msg, pid: _pid, hostname: _host, ...rest } = o;
  const t = typeof time === 'number' ? new Date(time).toISOString().slice(11, 19) : '';
  const lv = LEVELS[Number(level)] ?? String(level);
  const tag = colour ? `\x1b[${COLOURS[Number(level)] ?? '0'}m${lv}\x1b[0m` : lv;
  const extra = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return `${t} ${tag} ${String(msg ?? '')}${extra ? `  ${colour ? '\x1b[90m' : ''}${extra}${colour ? '\x1b[0m' : ''}` : ''}\n`;
}

function prettyStream(out: NodeJS.WriteStream): DestinationStream {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      pending += chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        out.write(prettyLine(pending.slice(0, nl), out.hasColors?.() ?? false));
        pending = pending.slice(nl + 1);
      }
      done();
    },
  });
}

export interface LoggerOptions {
  readonly level: string;
  /** default: pretty on a TTY stderr-less stdout, JSON otherwise; STRATA_LOG_FORMAT=json|pretty forces one */
  readonly format?: 'json' | 'pretty';
  readonly destination?: DestinationStream;
}

export function createDaemonLogger(o: LoggerOptions): Logger {
  const forced = process.env['STRATA_LOG_FORMAT'];
  const format = o.format ?? (forced === 'json' || forced === 'pretty' ? forced : process.stdout.isTTY ? 'pretty' : 'json');
  const destination = o.destination ?? (format === 'pretty' ? prettyStream(process.stdout) : pino.destination({ dest: 1, sync: false }));
  return pino({ level: o.level, base: { pid: process.pid }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}
