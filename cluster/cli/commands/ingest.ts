// `strata ingest <paths…> [--format] [--zones …] [--lenient] [--store DIR]`: runs the ingest actor in this
// process over the embedded store in DIR, with a progress bar on a terminal, and prints per file what was
// stored, skipped as a duplicate, or rejected (with its quarantine report). Exit 0 ok, 1 some files
// rejected, 2 usage error.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { pino } from 'pino';
import {
  createStoreNodeSink, ingestBehaviour, listenToIngest,
  type FileOutcome, type IngestCommand, type IngestEvent, type IngestFilesReply,
} from '../../../actors/ingest/index.ts';
import { describeProblem, formatInspection } from '../../../engine/formats/index.ts';
import { openDuckDbNode } from '../../../engine/store/index.ts';
import { createSystem } from '../../../runtime/index.ts';
import { addFileFlags, EXIT_OK, EXIT_REJECTED, fileOptions, parsePoolOf, processIo, usageExits, type CliIo, type FileFlags } from './inspect.ts';

export const DEFAULT_STORE_DIR = 'strata-data';

/** The store file and ingest folders inside a --store folder. */
export function storeLayout(dir: string): { storeFile: string; processed: string; quarantine: string } {
  const root = resolve(dir);
  return { storeFile: join(root, 'store.duckdb'), processed: join(root, 'ingest', 'processed'), quarantine: join(root, 'ingest', 'quarantine') };
}

function outcomeText(o: FileOutcome): string {
  switch (o.status) {
    case 'committed':
      return formatInspection({ files: [{ file: o.file, ok: true, summary: o.summary, error: null }] })
        .replace(/\n*$/, `\n  stored ${o.summary.rows.trades} trades, ${o.summary.rows.daily_pnl} daily rows in ${(o.elapsedMs / 1000).toFixed(2)} s\n\n`);
    case 'duplicate':
      return `${o.file}: already ingested (same bytes as ${o.firstFile}); nothing written\n\n`;
    case 'rejected': {
      const lines = [`${o.file}: REJECTED ${o.code}, nothing written`, `  ${o.message}`];
      for (const p of o.problems) lines.push(`  - [${p.code}] ${describeProblem(p)}`);
      if (o.totalProblems > o.problems.length) lines.push(`  … ${o.totalProblems - o.problems.length} more problem(s) not listed`);
      if (o.quarantined) lines.push(`  quarantined: ${o.quarantined}`, `  report: ${o.reportText}`);
      return `${lines.join('\n')}\n\n`;
    }
    case 'failed':
      return `${o.file}: FAILED ${o.code}: ${o.message}${o.retrying ? ' (rolled back; retried at the next start)' : ''}\n\n`;
  }
}

function progressBar(io: CliIo): { onEvent(ev: IngestEvent): void; stop(): void } {
  if (!io.interactive) return { onEvent() {}, stop() {} };
  const bar = new cliProgress.SingleBar({
    format: '{file} [{bar}] {percentage}% | {rows} rows | {rate} rows/s | ETA {eta}',
    stream: process.stderr, hideCursor: true, clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  let active = false;
  const eta = (ms: number | null): string => (ms === null ? '?' : `${(ms / 1000).toFixed(1)} s`);
  return {
    onEvent(ev) {
      if (ev.type === 'ingest.file.started') {
        if (active) bar.stop();
        bar.start(Math.max(1, ev.sizeBytes), 0, { file: ev.file.split('/').at(-1), rows: 0, rate: 0, eta: '?' });
        active = true;
      } else if (ev.type === 'ingest.file.progress' && active) {
        const p = ev.progress;
        bar.update(p.bytes, { rows: p.rows.toLocaleString('en-US'), rate: p.rowsPerSec.toLocaleString('en-US'), eta: eta(p.etaMs) });
      } else if (ev.type === 'ingest.file.finished' && active) {
        bar.stop();
        active = false;
      }
    },
    stop() { if (active) bar.stop(); active = false; },
  };
}

export function register(program: Command, io: CliIo = processIo()): void {
  const cmd = program.command('ingest')
    .description('ingest files (or the files of folders) into the store: all-or-nothing and idempotent per file')
    .argument('<paths...>', 'files or folders to ingest')
    .option('--store <dir>', 'store folder (DuckDB file and ingest quarantine)', DEFAULT_STORE_DIR)
    .option('--json', 'print the outcomes as JSON');
  addFileFlags(cmd);
  usageExits(cmd, io);
  cmd.action(async (paths: string[], flags: FileFlags & { store: string; json?: boolean }) => {
    const layout = storeLayout(flags.store);
    await mkdir(resolve(flags.store), { recursive: true });
    const node = await openDuckDbNode({ path: layout.storeFile });
    const system = createSystem({ name: 'strata-ingest', logger: pino({ level: process.env['STRATA_LOG_LEVEL'] ?? 'silent' }) });
    const bar = progressBar(io);
    const parsePool = parsePoolOf(flags);
    try {
      await node.ensureSchema();
      const ingest = system.spawn(ingestBehaviour({
        sink: createStoreNodeSink(node), scanIntervalMs: 0, progressIntervalMs: 100, ...(parsePool ? { parsePool } : {}),
        folders: { inbox: null, zoneInbox: null, processed: layout.processed, quarantine: layout.quarantine },
      }), { name: 'ingest' });
      listenToIngest(system, ingest, (ev) => bar.onEvent(ev));
      const reply = await system.ask<IngestCommand, IngestFilesReply>(ingest, (replyTo) => ({
        type: 'ingest.files', paths: paths.map((p) => resolve(p)), options: fileOptions(flags), replyTo,
      }), { timeoutMs: 7 * 24 * 3600_000 });
      bar.stop();
      if (reply.type !== 'ingest.files.ok') {
        io.err(`ingest: ${reply.code}: ${reply.message}\n`);
        io.setExitCode(EXIT_REJECTED);
        return;
      }
      if (flags.json) io.out(`${JSON.stringify({ store: layout.storeFile, outcomes: reply.outcomes }, null, 2)}\n`);
      else for (const o of reply.outcomes) io.out(outcomeText(o));
      const bad = reply.outcomes.filter((o) => o.status === 'rejected' || o.status === 'failed').length;
      if (!flags.json) {
        const n = (s: FileOutcome['status']) => reply.outcomes.filter((o) => o.status === s).length;
        io.out(`${n('committed')} stored, ${n('duplicate')} already present, ${bad} rejected or failed · store ${layout.storeFile}\n`);
      }
      io.setExitCode(bad > 0 ? EXIT_REJECTED : EXIT_OK);
    } finally {
      bar.stop();
      await system.terminate();
      await parsePool?.close();
      await node.close();
    }
  });
}
