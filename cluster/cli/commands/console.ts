// `strata console`: the essentials of a running daemon in a terminal, live: members, store nodes, jobs with
// progress bars and ETA, ingest, and the most recent errors. A snapshot is fetched at start and every few
// seconds; job progress, member, store and error events arrive over the WebSocket in between. `--once`
// prints one frame and exits (scripts, tests). Exit 0 on Ctrl-C or after --once, 1 when the daemon cannot be
// reached, 2 usage error.
import type { Command } from 'commander';
import WebSocket from 'ws';
import { apiGet, eventsUrl, resolveConnection, type Connection } from '../../api/client.ts';
import type { RecentError } from '../../api/event-hub.ts';
import type { IngestStatusView, JobView, MemberView, StoreStatus } from '../../daemon/services.ts';
import { addConnectionFlags } from './nodes.ts';
import { EXIT_OK, EXIT_REJECTED, positiveInt, processIo, usageExits, type CliIo } from './inspect.ts';

export interface ConsoleState {
  url: string;
  at: number;
  members: MemberView[];
  store: StoreStatus | null;
  jobs: JobView[];
  ingest: IngestStatusView | null;
  errors: RecentError[];
  connected: boolean;
}

const bar = (fraction: number | null, width: number): string => {
  if (fraction === null) return `[${'?'.repeat(width)}]`;
  const n = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}]`;
};
const secs = (ms: number | null): string => (ms === null ? '?' : ms < 60_000 ? `${(ms / 1000).toFixed(0)}s` : `${(ms / 60_000).toFixed(1)}m`);
const time = (at: number): string => new Date(at).toISOString().slice(11, 19);

export function renderConsole(s: ConsoleState): string {
  const out: string[] = [];
  out.push(`Strata console · ${s.url} · ${time(s.at)} UTC · events ${s.connected ? 'live' : 'reconnecting…'}`, '');
  out.push(`MEMBERS (${s.members.length})`);
  for (const m of s.members) out.push(`  ${m.id.padEnd(36)} ${m.status.padEnd(8)} ${m.reachable ? 'reachable' : 'UNREACHABLE'}${m.leader ? '  leader' : ''}${m.self ? '  (this)' : ''}`);
  out.push('');
  if (s.store) {
    out.push(`STORE ${s.store.mode} · quorum ${s.store.quorum ? 'yes' : 'NO'}`);
    for (const n of s.store.nodes) {
      out.push(`  ${n.name.padEnd(10)} ${n.state.padEnd(11)} breaker ${(n.breaker ?? '-').padEnd(9)} p50 ${n.latencyMs ? n.latencyMs.p50.toFixed(1) : '-'} ms  p99 ${n.latencyMs ? n.latencyMs.p99.toFixed(1) : '-'} ms${n.rowCounts ? `  ${(n.rowCounts['trades'] ?? 0).toLocaleString('en-US')} trades` : ''}`);
    }
    out.push('');
  }
  const active = s.jobs.filter((j) => j.state === 'running' || j.state === 'queued' || j.state === 'paused');
  const finished = s.jobs.filter((j) => !active.includes(j)).slice(-5);
  out.push(`JOBS (${active.length} active, ${s.jobs.length} total)`);
  for (const j of [...active, ...finished]) {
    const p = j.progress;
    out.push(`  ${j.id.padEnd(24)} ${j.state.padEnd(9)} ${j.priority.padEnd(8)} ${j.algorithm.padEnd(20)} ${bar(j.state === 'completed' ? 1 : p?.fraction ?? (j.state === 'running' ? null : 0), 20)} ${p ? `${p.evaluations.toLocaleString('en-US')} evals` : ''}${p && j.state === 'running' ? ` · ${Math.round(p.evaluationsPerSec).toLocaleString('en-US')}/s · ETA ${secs(p.etaMs)}` : ''}${j.run && j.run.interruptions + j.run.failures + j.run.storeWaits > 0 ? ` · resumed ×${j.run.interruptions + j.run.failures + j.run.storeWaits}` : ''}${j.error ? ` · ${j.error.code}` : ''}`);
  }
  out.push('');
  if (s.ingest) {
    const c = s.ingest.counts;
    out.push(`INGEST ${s.ingest.state}${s.ingest.current ? ` · ${s.ingest.current.split('/').at(-1)}` : ''} · queued ${s.ingest.queued} · committed ${c['committed'] ?? 0}, duplicate ${c['duplicate'] ?? 0}, rejected ${c['rejected'] ?? 0}, failed ${c['failed'] ?? 0}${s.ingest.recovery ? ` · the store's journal cannot be read (${s.ingest.recovery.code}): no file is read until it can` : ''}${(s.ingest.retrying?.length ?? 0) > 0 ? ` · waiting for the store ${s.ingest.retrying.length} (${s.ingest.retrying[0]!.code})` : ''}`, '');
  }
  out.push(`RECENT ERRORS (${s.errors.length})`);
  for (const e of s.errors.slice(-8)) out.push(`  ${time(e.at)} ${e.code} ${e.source}: ${e.message.slice(0, 120)}`);
  if (s.errors.length === 0) out.push('  none');
  return `${out.join('\n')}\n`;
}

interface Snapshot { members: MemberView[]; store: StoreStatus | null; jobs: JobView[]; ingest: IngestStatusView | null; errors: RecentError[] }

async function fetchState(conn: Connection, state: ConsoleState): Promise<void> {
  const snap = await apiGet<Snapshot>(conn, '/api/v1/admin/snapshot');
  Object.assign(state, { at: Date.now(), members: snap.members, store: snap.store, jobs: snap.jobs, ingest: snap.ingest, errors: snap.errors });
}

export function register(program: Command, io: CliIo = processIo()): void {
  const cmd = program.command('console')
    .description('live terminal view of a running daemon: members, store nodes, jobs with progress, recent errors')
    .option('--once', 'print one frame and exit')
    .option('--refresh-ms <ms>', 'full refresh period (events arrive in between)', positiveInt, 5_000);
  addConnectionFlags(cmd).addHelpText('after', '\nExit status: 0 after --once or Ctrl-C, 1 daemon unreachable, 2 usage error.');
  usageExits(cmd, io);
  cmd.action(async (flags: { url?: string; token?: string; dataDir?: string; once?: boolean; refreshMs: number }) => {
    const conn = await resolveConnection(flags);
    const state: ConsoleState = { url: conn.url, at: Date.now(), members: [], store: null, jobs: [], ingest: null, errors: [], connected: false };
    try {
      await fetchState(conn, state);
    } catch (e) {
      const err = e as { code?: string; message?: string };
      io.err(`strata console: ${err.code ?? 'error'}: ${err.message ?? String(e)}\n`);
      io.setExitCode(EXIT_REJECTED);
      return;
    }
    if (flags.once) {
      io.out(renderConsole(state));
      io.setExitCode(EXIT_OK);
      return;
    }
    let dirty = true;
    const draw = (): void => {
      if (!dirty) return;
      dirty = false;
      state.at = Date.now();
      io.out(`\x1b[2J\x1b[H${renderConsole(state)}`);
    };
    const connect = (): void => {
      const ws = new WebSocket(eventsUrl(conn, ['optimizer', 'admin', 'consolidator']));
      ws.on('open', () => { state.connected = true; dirty = true; });
      ws.on('message', (data) => {
        const e = JSON.parse(String(data)) as { type: string; data?: unknown };
        if (e.type === 'job.changed' || e.type === 'job.progress') {
          const job = e.data as JobView;
          const i = state.jobs.findIndex((j) => j.id === job.id);
          if (i >= 0) state.jobs[i] = job; else state.jobs.push(job);
          dirty = true;
        } else if (e.type === 'member.changed') {
          const m = e.data as MemberView;
          state.members = [...state.members.filter((x) => x.id !== m.id), m];
          dirty = true;
        } else if (e.type === 'actor.failed' || e.type === 'store.node.changed' || e.type === 'ingest.file.finished' || e.type === 'ingest.recovery.waiting' || e.type === 'ingest.recovered') {
          void fetchState(conn, state).then(() => { dirty = true; }, () => {});
        }
      });
      ws.on('close', () => { state.connected = false; dirty = true; setTimeout(connect, 1_000).unref(); });
      ws.on('error', () => {});
    };
    connect();
    const timers = [
      setInterval(draw, 250),
      setInterval(() => { void fetchState(conn, state).then(() => { dirty = true; }, () => { state.connected = false; dirty = true; }); }, flags.refreshMs),
    ];
    await new Promise<void>((resolve) => process.once('SIGINT', () => { for (const t of timers) clearInterval(t); resolve(); }));
    io.setExitCode(EXIT_OK);
    process.exit(EXIT_OK);
  });
}
