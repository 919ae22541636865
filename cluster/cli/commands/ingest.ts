// `strata ingest <paths…> [--format] [--zones …] [--session] [--tz] [--lenient] [--max-problems] [--json]` with
// the target flags of target.ts: on a store folder (--store DIR, or no running daemon) it runs the ingest actor
// in this process over the embedded store in DIR; on a daemon (--url/--token/--data-dir, STRATA_URL, or the one
// `strata up` recorded) it expands folders here as the actor does, uploads each file through the REST API, asks
// the daemon to read them with the same file options, and waits for each outcome. Either way a progress bar on
// a terminal (on a daemon: fed by its consolidator events) and per file what was stored, skipped as a
// duplicate, or rejected (with its quarantine report). Exit 0 ok, 1 some files rejected or failed (or the
// daemon refused or could not be reached), 2 usage error.
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { etaText, stderrBar } from './progress-bar.ts';
import type { Command } from 'commander';
import { pino } from 'pino';
import WebSocket from 'ws';
import {
  createStoreNodeSink, ingestBehaviour, listenToIngest, listFiles,
  type FileOutcome, type IngestCommand, type IngestEvent, type IngestFilesReply,
} from '../../../actors/ingest/index.ts';
import { describeProblem, formatInspection } from '../../../engine/formats/index.ts';
import { openDuckDbNode } from '../../../engine/store/index.ts';
import { createSystem } from '../../../runtime/index.ts';
import { apiGetPatiently, apiPost, apiUploadFile, eventsUrl, type Connection } from '../../api/client.ts';
import { pickFileOptions, type IngestFileOptions, type UploadView } from '../../daemon/services.ts';
import { addFileFlags, EXIT_OK, EXIT_REJECTED, EXIT_USAGE, fileOptions, parsePoolOf, processIo, usageExits, type CliIo, type FileFlags } from './inspect.ts';
import { daemonStoredFiles, resolveFileRef } from './stored-file-ref.ts';
import { addTargetFlags, targetFor, type TargetFlags } from './target.ts';

export { DEFAULT_STORE_DIR } from './target.ts';

/** The store file and ingest folders inside a --store folder. */
export function storeLayout(dir: string): { storeFile: string; processed: string; quarantine: string; pending: string } {
  const root = resolve(dir);
  return { storeFile: join(root, 'store.duckdb'), processed: join(root, 'ingest', 'processed'), quarantine: join(root, 'ingest', 'quarantine'), pending: join(root, 'ingest', 'pending') };
}

type Where = { store: string } | { daemon: string };

/** What happens next to a file that failed: who reads it again, and when. */
function retryText(o: Extract<FileOutcome, { status: 'failed' }>, where: Where): string {
  if (!o.retrying) return '';
  if (o.retryAt === undefined) return ' (rolled back; read again when the ingest actor restarts)';
  if ('daemon' in where) {
    const s = Math.max(1, Math.round((o.retryAt - Date.now()) / 1000));
    return ` (rolled back and kept: the daemon reads it again by itself, first in about ${s} s, until the store takes it; waiting files: GET /api/v1/consolidator/status)`;
  }
  return ' (rolled back and kept: read again by the next `strata ingest` on this store, once the store takes writes)';
}

function outcomeText(o: FileOutcome, where: Where): string {
  switch (o.status) {
    case 'committed':
      return formatInspection({ files: [{ file: o.file, ok: true, summary: o.summary, error: null }] })
        .replace(/\n*$/, `\n  stored ${o.summary.rows.trades} trades, ${o.summary.rows.daily_pnl} daily rows in ${(o.elapsedMs / 1000).toFixed(2)} s${o.replaced ? `; replaced ${basename(o.replaced.file)} (${o.replaced.contentHash.slice(0, 12)}), its rows removed` : ''}\n\n`);
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
      return `${o.file}: FAILED ${o.code}: ${o.message}${retryText(o, where)}\n\n`;
  }
}

function progressBar(io: CliIo): { onEvent(ev: IngestEvent): void; stop(): void } {
  if (!io.interactive) return { onEvent() {}, stop() {} };
  const bar = stderrBar('{file} [{bar}] {percentage}% | {rows} rows | {rate} rows/s | ETA {etaText}');
  let size: number | null = null;
  return {
    onEvent(ev) {
      if (ev.type === 'ingest.file.started') {
        bar.stop();
        size = Math.max(1, ev.sizeBytes);
        bar.draw(size, 0, { file: ev.file.split('/').at(-1), rows: 0, rate: 0, etaText: '?' });
      } else if (ev.type === 'ingest.file.progress' && size !== null) {
        const p = ev.progress;
        bar.draw(size, p.bytes, { rows: p.rows.toLocaleString('en-US'), rate: p.rowsPerSec.toLocaleString('en-US'), etaText: etaText(p.etaMs) });
      } else if (ev.type === 'ingest.file.finished' && size !== null) {
        bar.stop();
        size = null;
      }
    },
    stop() { bar.stop(); size = null; },
  };
}

type IngestFlags = FileFlags & TargetFlags & { json?: boolean; replace?: string };

export function register(program: Command, io: CliIo = processIo()): void {
  const cmd = program.command('ingest')
    .description('ingest files (or the files of folders) into the store, in this process or on a running daemon: all-or-nothing and idempotent per file')
    .argument('<paths...>', 'files or folders to ingest (a folder: its files, not recursively)')
    .option('--json', 'print the outcomes as JSON')
    .option('--replace <file>', 'the stored file this one (a single file) replaces: a content-hash prefix or file name, as `strata files list` shows; its strategy names are free for this file, and its rows go once this file is stored (a file that fails replaces nothing)');
  addTargetFlags(cmd, 'store folder (DuckDB file and ingest quarantine), worked on in this process');
  addFileFlags(cmd);
  usageExits(cmd, io);
  cmd.action(async (paths: string[], flags: IngestFlags) => {
    const target = await targetFor('ingest', flags, io);
    if (target === null) return;
    if (target.kind === 'daemon' && flags.parseThreads !== undefined) {
      io.err(`ingest: --parse-threads works in this process; on the daemon at ${target.conn.url} its ingest.parseThreads setting applies\n`);
      io.setExitCode(EXIT_USAGE);
      return;
    }
    if (flags.replace !== undefined) {
      const expanded = await expandPaths(paths);
      if (!('error' in expanded) && expanded.files.length !== 1) {
        io.err(`ingest: --replace takes one file to ingest, got ${expanded.files.length}\n`);
        io.setExitCode(EXIT_USAGE);
        return;
      }
    }
    if (target.kind === 'store') await ingestHere(paths, flags, target.dir, io);
    else await ingestOnDaemon(paths, flags, target.conn, io);
  });
}

function summaryLine(outcomes: readonly FileOutcome[], where: string): string {
  const n = (s: FileOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  return `${n('committed')} stored, ${n('duplicate')} already present, ${n('rejected') + n('failed')} rejected or failed · ${where}\n`;
}

/** `recovered`: files an earlier run left (interrupted, or waiting for the store) that this run read first. */
function report(io: CliIo, json: boolean | undefined, outcomes: readonly FileOutcome[], where: Where, recovered: readonly FileOutcome[] = []): void {
  if (json) io.out(`${JSON.stringify({ ...where, outcomes, ...(recovered.length > 0 ? { recovered } : {}) }, null, 2)}\n`);
  else {
    if (recovered.length > 0) {
      io.out(`read again first, left by an earlier run (interrupted, or waiting for the store):\n\n`);
      for (const o of recovered) io.out(outcomeText(o, where));
    }
    for (const o of outcomes) io.out(outcomeText(o, where));
    io.out(summaryLine(outcomes, 'store' in where ? `store ${where.store}` : `daemon ${where.daemon}`));
  }
  io.setExitCode(outcomes.some((o) => o.status === 'rejected' || o.status === 'failed') ? EXIT_REJECTED : EXIT_OK);
}

/** The ingest actor in this process over the store folder `dir`. */
async function ingestHere(paths: readonly string[], flags: IngestFlags, dir: string, io: CliIo): Promise<void> {
  const layout = storeLayout(dir);
  await mkdir(resolve(dir), { recursive: true });
  const node = await openDuckDbNode({ path: layout.storeFile });
  const system = createSystem({ name: 'strata-ingest', logger: pino({ level: process.env['STRATA_LOG_LEVEL'] ?? 'silent' }) });
  const bar = progressBar(io);
  const parsePool = parsePoolOf(flags);
  try {
    await node.ensureSchema();
    const sink = createStoreNodeSink(node);
    if (flags.replace !== undefined) {
      try {
        flags = { ...flags, replaces: resolveFileRef(await sink.committedFiles(), flags.replace).contentHash };
      } catch (e) {
        io.err(`ingest: --replace: ${codeOf(e)}: ${messageOf(e)}; nothing was read\n`);
        io.setExitCode(EXIT_REJECTED);
        return;
      }
    }
    const ingest = system.spawn(ingestBehaviour({
      sink, scanIntervalMs: 0, progressIntervalMs: 100, ...(parsePool ? { parsePool } : {}),
      folders: { inbox: null, zoneInbox: null, processed: layout.processed, quarantine: layout.quarantine, pending: layout.pending },
    }), { name: 'ingest' });
    // files an earlier run left are queued at the actor's start, before this request: their first outcomes are theirs
    const recoveredPaths = new Set<string>();
    const recovered = new Map<string, FileOutcome>();
    listenToIngest(system, ingest, (ev) => {
      bar.onEvent(ev);
      if (ev.type === 'ingest.recovered') for (const f of ev.files) recoveredPaths.add(f);
      else if (ev.type === 'ingest.file.finished' && recoveredPaths.has(ev.outcome.file) && !recovered.has(ev.outcome.file)) recovered.set(ev.outcome.file, ev.outcome);
    });
    const reply = await system.ask<IngestCommand, IngestFilesReply>(ingest, (replyTo) => ({
      type: 'ingest.files', paths: paths.map((p) => resolve(p)), options: fileOptions(flags), replyTo,
    }), { timeoutMs: 7 * 24 * 3600_000 });
    bar.stop();
    if (reply.type !== 'ingest.files.ok') {
      io.err(`ingest: ${reply.code}: ${reply.message}\n`);
      io.setExitCode(EXIT_REJECTED);
      return;
    }
    report(io, flags.json, reply.outcomes, { store: layout.storeFile }, [...recovered.values()]);
  } finally {
    bar.stop();
    await system.terminate();
    await parsePool?.close();
    await node.close();
  }
}

// ---- on a daemon

const POLL_MS = 150;
const SETTLED: ReadonlySet<UploadView['state']> = new Set(['committed', 'duplicate', 'rejected', 'failed']);
/** upload refusals that concern one file (its name, size or emptiness): that file is rejected, the others go on */
const FILE_REFUSALS: ReadonlySet<string> = new Set(['STRATA_DAEMON_INVALID_UPLOAD', 'STRATA_DAEMON_UPLOAD_TOO_LARGE', 'STRATA_API_PAYLOAD_TOO_LARGE']);

const codeOf = (e: unknown): string => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'STRATA_API_INTERNAL';
};
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The files of the paths as the ingest actor takes them (a folder: its candidate files, sorted), or the first path that cannot be read. */
async function expandPaths(paths: readonly string[]): Promise<{ files: string[] } | { error: string }> {
  const files: string[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    try {
      if ((await stat(abs)).isDirectory()) files.push(...(await listFiles(abs)));
      else {
        await access(abs, constants.R_OK);
        files.push(abs);
      }
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      return { error: code === 'ENOENT' ? `${p}: no such file or folder` : `${p}: cannot be read: ${messageOf(e)}` };
    }
  }
  return { files };
}

/**
 * The outcome as the user sees it: their own path, not the daemon's copy under its uploads folder, wherever
 * the daemon wrote it (the file, the summary, a rejection's message and problems); the quarantine and report
 * paths stay the daemon's, where those files are.
 */
function asLocal(o: FileOutcome, file: string): FileOutcome {
  const inner = (s: string): string => JSON.stringify(s).slice(1, -1);
  return JSON.parse(JSON.stringify(o).split(inner(o.file)).join(inner(file))) as FileOutcome;
}

/** The id of the upload a daemon-side path belongs to (uploads/<id>/<name>). */
const uploadIdOf = (file: string): string => basename(dirname(file));

/**
 * On a terminal: the progress bar, fed by the daemon's consolidator events about these uploads only. Resolves
 * once the socket is open (or failed to: then there is no bar, the outcomes still come).
 */
async function daemonProgress(conn: Connection, io: CliIo, local: ReadonlyMap<string, string>): Promise<{ close(): void }> {
  if (!io.interactive) return { close() {} };
  const bar = progressBar(io);
  const ws = new WebSocket(eventsUrl(conn, ['consolidator']));
  ws.on('message', (data) => {
    let ev: IngestEvent;
    try { ev = (JSON.parse(String(data)) as { data: IngestEvent }).data; } catch { return; }
    if (ev?.type === 'ingest.file.started') {
      const mine = local.get(uploadIdOf(ev.file));
      if (mine !== undefined) bar.onEvent({ ...ev, file: mine });
    } else if (ev?.type === 'ingest.file.progress') {
      if (local.has(uploadIdOf(ev.progress.file))) bar.onEvent(ev);
    } else if (ev?.type === 'ingest.file.finished') {
      if (local.has(uploadIdOf(ev.outcome.file))) bar.onEvent(ev);
    }
  });
  await new Promise<void>((done) => {
    const timer = setTimeout(done, 2_000);
    const settle = () => { clearTimeout(timer); done(); };
    ws.once('open', settle);
    ws.once('close', settle);
    ws.on('error', settle);
  });
  return {
    close() {
      bar.stop();
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'ingest done');
      else ws.terminate();
    },
  };
}

/** How long the daemon may stay unreachable or not ready (a restart) while this command waits for outcomes. */
const UNREACHABLE_MS = 120_000;

/** One upload's view, riding out a daemon that is briefly unreachable or not ready (restarting). */
const uploadView = (conn: Connection, io: CliIo, id: string): Promise<UploadView> =>
  apiGetPatiently<UploadView>(conn, `/api/v1/consolidator/uploads/${encodeURIComponent(id)}`, {
    unreachableMs: UNREACHABLE_MS,
    onWaiting: (code) => io.err(`ingest: the daemon at ${conn.url} does not answer (${code}); waiting up to ${UNREACHABLE_MS / 1000} s for its outcomes\n`),
    onBack: () => io.err(`ingest: the daemon at ${conn.url} answers again\n`),
  });

/**
 * Waits for each upload's outcome, in order (the daemon reads them in order and settles them together). An
 * upload found waiting again (the daemon restarted while reading it: a file read half-way leaves nothing, and its
 * upload comes back stored) is asked for once more with the same options.
 */
async function outcomesOf(conn: Connection, io: CliIo, uploads: readonly { id: string; file: string }[], processBody: IngestFileOptions): Promise<FileOutcome[]> {
  const out: FileOutcome[] = [];
  const askedAgain = new Set<string>();
  for (const u of uploads) {
    for (;;) {
      let v: UploadView;
      try {
        v = await uploadView(conn, io, u.id);
      } catch (e) {
        if (codeOf(e) !== 'STRATA_API_NOT_FOUND') throw e;
        out.push({ status: 'failed', file: u.file, code: 'STRATA_API_NOT_FOUND', message: `the daemon no longer remembers upload ${u.id} (more uploads finished meanwhile than its ingest.retainUploads); see GET /api/v1/consolidator/results`, retrying: false });
        break;
      }
      if (SETTLED.has(v.state)) {
        out.push(v.outcome ? asLocal(v.outcome, u.file) : { status: 'failed', file: u.file, code: 'STRATA_INGEST_WRITE_FAILED', message: 'the daemon\'s ingest actor did not finish the files; the upload can be processed again', retrying: false });
        break;
      }
      if (v.state === 'stored' && !askedAgain.has(u.id)) {
        askedAgain.add(u.id);
        io.err(`ingest: the daemon holds ${u.file} again without reading it (it restarted?); asking it to read the file again\n`);
        await apiPost(conn, '/api/v1/consolidator/process', { ...processBody, uploadIds: [u.id] });
        continue;
      }
      if (v.state === 'stored') {
        // asked twice and still not read: it stays on the daemon, waiting to be processed
        out.push({ status: 'failed', file: u.file, code: 'STRATA_DAEMON_INTAKE_STOPPED', message: `the daemon holds upload ${u.id} but is not reading it (did it restart?); it can be processed again with POST /api/v1/consolidator/process`, retrying: false });
        break;
      }
      await sleep(POLL_MS);
    }
  }
  return out;
}

/** On a terminal, a bar per file while it is sent to the daemon (a big file over a slow link takes a while). */
function uploadBar(io: CliIo): { draw(file: string, sent: number, size: number): void; stop(): void } {
  if (!io.interactive) return { draw() {}, stop() {} };
  const bar = stderrBar('uploading {file} [{bar}] {percentage}% | {sent} of {size} MiB');
  const mib = (n: number): string => (n / 2 ** 20).toFixed(1);
  return {
    draw: (file, sent, size) => bar.draw(Math.max(1, size), sent, { file: basename(file), sent: mib(sent), size: mib(size) }),
    stop: () => bar.stop(),
  };
}

/** Uploads the files to the daemon, asks it to read them with the file options, and waits for the outcomes. */
async function ingestOnDaemon(paths: readonly string[], flags: IngestFlags, conn: Connection, io: CliIo): Promise<void> {
  const fail = (e: unknown): void => {
    io.err(`ingest: ${codeOf(e)}: ${messageOf(e)}\n`);
    io.setExitCode(EXIT_REJECTED);
  };
  const expanded = await expandPaths(paths);
  if ('error' in expanded) {
    io.err(`ingest: ${expanded.error}; nothing was uploaded\n`);
    io.setExitCode(EXIT_REJECTED);
    return;
  }
  if (flags.replace !== undefined) {
    try {
      flags = { ...flags, replaces: resolveFileRef(await daemonStoredFiles(conn), flags.replace).contentHash };
    } catch (e) {
      io.err(`ingest: --replace: ${codeOf(e)}: ${messageOf(e)}; nothing was uploaded\n`);
      io.setExitCode(EXIT_REJECTED);
      return;
    }
  }
  // per file, in order: an upload (id) or an outcome already known (the daemon refused that file's upload)
  const slots: ({ id: string; file: string } | FileOutcome)[] = [];
  const sending = uploadBar(io);
  for (const file of expanded.files) {
    try {
      const u = await apiUploadFile<UploadView>(conn, file, { onProgress: (sent, size) => sending.draw(file, sent, size) });
      sending.stop();
      slots.push({ id: u.id, file });
    } catch (e) {
      sending.stop();
      if (!FILE_REFUSALS.has(codeOf(e))) {
        fail(e);
        const left = slots.filter((x) => 'id' in x).length;
        if (left > 0) io.err(`ingest: the ${left} file(s) uploaded before stay stored on the daemon, not read (POST /api/v1/consolidator/process reads them)\n`);
        return;
      }
      slots.push({ status: 'rejected', file, contentHash: null, code: codeOf(e), message: messageOf(e), problems: [], totalProblems: 0, quarantined: null, reportJson: null, reportText: null });
    }
  }
  const uploads = slots.filter((s): s is { id: string; file: string } => 'id' in s);
  const local = new Map(uploads.map((u) => [u.id, u.file]));
  const progress = await daemonProgress(conn, io, local);
  const settled = new Map<string, FileOutcome>();
  try {
    if (uploads.length > 0) {
      const options = pickFileOptions(flags);
      await apiPost(conn, '/api/v1/consolidator/process', { uploadIds: uploads.map((u) => u.id), ...options });
      const outcomes = await outcomesOf(conn, io, uploads, options);
      uploads.forEach((u, i) => settled.set(u.id, outcomes[i]!));
    }
  } catch (e) {
    return fail(e);
  } finally {
    progress.close();
  }
  report(io, flags.json, slots.map((s) => ('id' in s ? settled.get(s.id)! : s)), { daemon: conn.url });
}
