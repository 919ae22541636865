// `strata files list|remove`: the files whose rows are stored (the ingest journal's committed records), and the
// removal of one: its rows in every table, for every strategy it wrote, and its journal record, so a corrected
// export can take its place (same strategy names, no " (2)" suffix) and the same bytes may be ingested again.
// Where it works follows the target rule of ingest, optimize and jobs (target.ts): a running daemon through its
// API (GET/DELETE /api/v1/consolidator/files), or with --store DIR the store folder in this process.
// A file is named by a prefix of its content hash (at least 6 hex digits) or by its file name; a name that fits
// several stored files is refused with the candidates. Exit 0 ok, 1 refused or failed, 2 usage error.
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { asRetrying, createStoreNodeSink, ingestBehaviour, PendingFiles, type IngestCommand, type IngestListReply, type IngestRemoveReply, type RetryingFile, type StoredFile } from '../../../actors/ingest/index.ts';
import { openDuckDbNode } from '../../../engine/store/index.ts';
import { createSystem } from '../../../runtime/index.ts';
import { apiDelete, apiGet, type Connection } from '../../api/client.ts';
import { storeLayout } from './ingest.ts';
import { EXIT_OK, EXIT_REJECTED, processIo, usageExits, type CliIo } from './inspect.ts';
import { count, daemonStoredFiles, fileLine, resolveFileRef } from './stored-file-ref.ts';
import { addTargetFlags, targetFor, type TargetFlags } from './target.ts';

interface Flags extends TargetFlags { json?: boolean }

/** What `files` does, wherever the files are. */
interface FilesBackend {
  readonly where: string;
  list(): Promise<readonly StoredFile[]>;
  /** files not stored yet that wait to be read again (the store could not take them, or they changed while read) */
  waiting(): Promise<readonly RetryingFile[]>;
  /** when a waiting file is read again, in words */
  nextAttempt(f: RetryingFile): string;
  remove(contentHash: string): Promise<StoredFile>;
  close(): Promise<void>;
}

function daemonBackend(conn: Connection): FilesBackend {
  return {
    where: `daemon ${conn.url}`,
    list: () => daemonStoredFiles(conn),
    waiting: async () => (await apiGet<{ retrying?: readonly RetryingFile[] }>(conn, '/api/v1/consolidator/status')).retrying ?? [],
    nextAttempt: (f) => `the daemon reads it again in ${Math.max(0, Math.round((f.nextAt - Date.now()) / 1000))} s`,
    remove: async (hash) => (await apiDelete<{ removed: StoredFile }>(conn, `/api/v1/consolidator/files/${hash}`)).removed,
    close: async () => {},
  };
}

/** The ingest actor in this process over the store folder (it owns the journal's protocol, as on a daemon). */
async function storeBackend(dir: string): Promise<FilesBackend> {
  const layout = storeLayout(dir);
  const node = await openDuckDbNode({ path: layout.storeFile });
  const system = createSystem({ name: 'strata-files', logger: pino({ level: process.env['STRATA_LOG_LEVEL'] ?? 'silent' }) });
  await node.ensureSchema();
  const ingest = system.spawn(ingestBehaviour({
    sink: createStoreNodeSink(node), scanIntervalMs: 0,
    folders: { inbox: null, zoneInbox: null, processed: layout.processed, quarantine: layout.quarantine },
  }), { name: 'ingest' });
  return {
    where: `store ${layout.storeFile}`,
    async list() {
      const r = await system.ask<IngestCommand, IngestListReply>(ingest, (replyTo) => ({ type: 'ingest.list', replyTo }), { timeoutMs: 60_000 });
      if (r.type !== 'ingest.list.ok') throw Object.assign(new Error(r.message), { code: r.code });
      return r.files;
    },
    async waiting() {
      const { loaded } = await new PendingFiles(layout.pending).load();
      return loaded.filter((e) => e.attempts > 0).map(asRetrying);
    },
    nextAttempt: () => 'read again by the next `strata ingest` on this store',
    async remove(contentHash) {
      const r = await system.ask<IngestCommand, IngestRemoveReply>(ingest, (replyTo) => ({ type: 'ingest.remove', contentHash, replyTo }), { timeoutMs: 3_600_000 });
      if (r.type !== 'ingest.remove.ok') throw Object.assign(new Error(r.message), { code: r.code });
      return r.removed;
    },
    async close() {
      await system.terminate();
      await node.close();
    },
  };
}

async function withBackend(command: string, flags: Flags, io: CliIo, fn: (b: FilesBackend) => Promise<void>): Promise<void> {
  const target = await targetFor('files', flags, io);
  if (target === null) return;
  let backend: FilesBackend | null = null;
  try {
    backend = target.kind === 'store' ? await storeBackend(target.dir) : daemonBackend(target.conn);
    await fn(backend);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    io.err(`files ${command}: ${err.code ?? 'error'}: ${err.message ?? String(e)}\n`);
    io.setExitCode(EXIT_REJECTED);
  } finally {
    await backend?.close();
  }
}

export function register(program: Command, io: CliIo = processIo()): void {
  const files = program.command('files')
    .description('the stored files (what ingest committed) and the removal of one: its rows in every table, so a corrected file can replace it');
  usageExits(files, io);
  const sub = (name: string, description: string): Command => {
    const c = addTargetFlags(files.command(name).description(description), `store folder (DuckDB file ${join('<dir>', 'store.duckdb')})`).option('--json', 'print JSON');
    usageExits(c, io);
    return c;
  };

  sub('list', 'the stored files, oldest first: content hash, format, when committed, strategies, rows, file name (--json: the path it was read from); then any file not stored yet that waits to be read again')
    .action(async (flags: Flags) => withBackend('list', flags, io, async (b) => {
      const list = await b.list();
      io.out(flags.json ? `${JSON.stringify(list, null, 2)}\n` : list.length === 0 ? `no stored files · ${b.where}\n` : `${list.map(fileLine).join('\n')}\n${count(list.length)} stored file(s) · ${b.where}\n`);
      if (flags.json) return;
      // not stored yet, but kept: what `strata ingest` said would be read again
      const waiting = await b.waiting();
      if (waiting.length === 0) return;
      io.out(`\n${waiting.length} file(s) not stored yet, waiting to be read again:\n`);
      for (const f of waiting) {
        const last = f.message.length > 160 ? `${f.message.slice(0, 159)}…` : f.message;
        io.out(`  ${f.file}\n    ${f.attempts} attempt(s) since ${new Date(f.firstFailedAt).toISOString().replace('T', ' ').slice(0, 19)} UTC; ${b.nextAttempt(f)}; last: ${f.code}: ${last}\n`);
      }
      io.setExitCode(EXIT_OK);
    }));

  sub('remove', 'remove stored files: every row they wrote (strategies, trades, daily P&L) and their journal records; the same bytes may then be ingested again')
    .argument('<files...>', 'content-hash prefixes (6+ hex digits) or file names, as `strata files list` shows them')
    .addHelpText('after', '\nTo replace a file with a corrected export of the same strategies in one step: strata ingest NEW.csv --replace OLD.csv\n(the new file\'s strategies keep their names instead of getting a " (2)" suffix; the old rows go once the new file is stored).')
    .action(async (refs: string[], flags: Flags) => withBackend('remove', flags, io, async (b) => {
      const stored = await b.list();
      // every name resolved before anything is removed: a typo in the third name removes nothing
      const picked = [...new Set(refs.map((r) => resolveFileRef(stored, r)))];
      const removed: StoredFile[] = [];
      for (const f of picked) {
        removed.push(await b.remove(f.contentHash));
        if (!flags.json) io.out(`removed ${f.contentHash.slice(0, 12)}  ${basename(f.file)}: ${count(f.strategyIds.length)} strateg${f.strategyIds.length === 1 ? 'y' : 'ies'}${f.rows ? `, ${count(f.rows.trades)} trades, ${count(f.rows.daily_pnl)} days` : ''}\n`);
      }
      if (flags.json) io.out(`${JSON.stringify({ removed }, null, 2)}\n`);
      else io.out(`${removed.length} file(s) removed · ${b.where}\n`);
      io.setExitCode(EXIT_OK);
    }));
}
