// `strata jobs <list|show|result|cancel|pause|resume|reprioritise|run|algorithms>`: optimisation jobs, where
// the target says (cluster/cli/commands/target.ts): with --store DIR (or no running daemon) the job journal
// of that store folder (<store>/jobs), read and edited in this process through the job service (no runner
// starts; a journal held by a running daemon is refused with STRATA_JOB_JOURNAL_LOCKED); with --url /
// --token / --data-dir, STRATA_URL, or a daemon that `strata up` recorded and that answers, the daemon's
// jobs through its REST API (/api/v1/optimizer/jobs). `run` works on a store folder only (--store, default
// strata-data): it runs every unfinished job of the journal to its end in this process. `algorithms` prints
// the static catalogue. Exit 0 ok, 1 refused or failed, 2 usage error.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { JobView } from '../../../actors/job-scheduler/index.ts';
import { algorithms as registry } from '../../../engine/algorithms/index.ts';
import { PRIORITIES, type JobResult, type JobStatus, type Priority } from '../../../engine/jobs/index.ts';
import { apiGet, apiPost, type Connection } from '../../api/client.ts';
import { daemonJobView } from '../../daemon/scheduler-job-service.ts';
import type { JobView as DaemonJobView } from '../../daemon/services.ts';
import { DEFAULT_STORE_DIR, errorText, openJobsSession, parseGenerated, progressBar, resultText, type JobsSession } from './optimize.ts';
import { EXIT_OK, EXIT_REJECTED, positiveInt, processIo, usageExits, type CliIo } from './inspect.ts';
import { addTargetFlags, targetFor, type TargetFlags } from './target.ts';

const STATUSES: readonly JobStatus[] = ['queued', 'running', 'paused', 'backingOff', 'completed', 'failed', 'cancelled'];

function statusList(v: string): JobStatus[] {
  const out = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of out) if (!STATUSES.includes(s as JobStatus)) throw new InvalidArgumentError(`unknown status ${JSON.stringify(s)}; known: ${STATUSES.join(', ')}`);
  return out as JobStatus[];
}

function priority(v: string): Priority {
  if (!PRIORITIES.includes(v as Priority)) throw new InvalidArgumentError(`unknown priority ${JSON.stringify(v)}; known: ${PRIORITIES.join(', ')}`);
  return v as Priority;
}

const time = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19));

export function jobLine(j: JobView): string {
  const p = j.progress;
  const progress = p ? `${p.evaluations.toLocaleString('en-US')}${p.budget ? `/${p.budget.toLocaleString('en-US')}` : ''} evals${p.etaMs !== null ? `, ETA ${(p.etaMs / 1000).toFixed(0)} s` : ''}` : j.checkpointEvaluations > 0 ? `checkpoint at ${j.checkpointEvaluations.toLocaleString('en-US')} evals` : '';
  return [j.id.padEnd(11), j.status.padEnd(10), j.priority.padEnd(8), j.owner.padEnd(10), j.algorithm.padEnd(22), `sla ${j.sla}`.padEnd(12), time(j.acceptedAt), progress,
    j.lastError ? `${j.lastError.code}` : ''].join('  ').trimEnd();
}

/** A daemon job (its REST JobView) on one line, as jobLine() prints a journal's job. */
export function daemonJobLine(j: DaemonJobView): string {
  const p = j.progress;
  const evals = p ? `${p.evaluations.toLocaleString('en-US')}${p.budget ? `/${p.budget.toLocaleString('en-US')}` : ''} evals` : '';
  // a finished job says when it finished and how long it ran; an open one its progress and ETA
  const progress = j.finishedAt !== null
    ? [`finished ${time(j.finishedAt)}${j.startedAt !== null ? ` after ${((j.finishedAt - j.startedAt) / 1000).toFixed(1)} s` : ''}`, evals].filter(Boolean).join(', ')
    : `${evals}${p && p.etaMs !== null && p.etaMs !== undefined ? `, ETA ${(p.etaMs / 1000).toFixed(0)} s` : ''}`;
  return [j.id.padEnd(11), j.state.padEnd(10), j.priority.padEnd(8), (j.owner ?? '-').padEnd(10), j.algorithm.padEnd(22), time(j.submittedAt), progress,
    j.error ? `${j.error.code}` : ''].join('  ').trimEnd();
}

const count = (n: number): string => n.toLocaleString('en-US');
const seconds = (ms: number): string => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : ms < 3_600_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 3_600_000).toFixed(1)} h`);
const plural = (n: number, one: string, many = `${one}s`): string => `${count(n)} ${n === 1 ? one : many}`;

/** One job for a reader (`strata jobs show`): what it is, when it ran, how far it got, its runs and its error. */
export function jobDetailText(j: DaemonJobView, now = Date.now()): string {
  const rows: [string, string][] = [];
  const at = (ms: number): string => `${time(ms)} UTC`;
  rows.push(['submitted', at(j.submittedAt)]);
  if (j.startedAt !== null) rows.push(['started', `${at(j.startedAt)} (${seconds(Math.max(0, j.startedAt - j.submittedAt))} after it was submitted)`]);
  if (j.finishedAt !== null) rows.push(['finished', `${at(j.finishedAt)}${j.startedAt !== null ? ` (ran ${seconds(Math.max(0, j.finishedAt - j.startedAt))})` : ''}`]);
  else if (j.startedAt !== null && j.state === 'running') rows.push(['running for', seconds(Math.max(0, now - j.startedAt))]);
  const p = j.progress;
  if (p) {
    const parts = [`${count(p.evaluations)}${p.budget ? ` of ${count(p.budget)}` : ''} evaluations${p.fraction !== null ? ` (${Math.round(p.fraction * 100)} %)` : ''}`];
    if (j.state === 'running') {
      parts.push(`${count(Math.round(p.evaluationsPerSec))}/s`);
      if (p.etaMs !== null) parts.push(`ETA ${seconds(p.etaMs)}`);
    }
    rows.push(['progress', parts.join(', ')]);
  } else if (j.run && j.finishedAt !== null && j.run.checkpointEvaluations > 0) {
    // a finished job fetched on its own has no live progress: the scheduler knows what its result took
    rows.push(['progress', `${count(j.run.checkpointEvaluations)} evaluations`]);
  }
  const r = j.run;
  if (r) {
    rows.push(['runs', `${plural(r.attempts, 'attempt')}, ${plural(r.failures, 'failure')}, ${plural(r.interruptions, 'interruption')}${r.storeWaits ? `, ${plural(r.storeWaits, 'wait')} for the store` : ''}; ${plural(r.checkpoints, 'checkpoint')}${r.checkpoints > 0 ? `, the last at ${count(r.checkpointEvaluations)} evaluations` : ''}`]);
    if (r.runner) rows.push(['runner', r.runner]);
    if (r.deadline !== null) rows.push(['deadline', `${at(r.deadline)} (SLA ${r.sla})`]);
    if (j.state === 'queued' && r.expectedStartAt !== null) rows.push(['expected start', at(r.expectedStartAt)]);
    if (j.finishedAt === null && r.expectedFinishAt !== null) rows.push(['expected finish', at(r.expectedFinishAt)]);
    if (r.idempotencyKey) rows.push(['key', r.idempotencyKey]);
  }
  if (j.error) rows.push([j.state === 'failed' ? 'error' : 'last error', `${j.error.code}: ${j.error.message}`]);
  if (j.state === 'completed' && (r === null || r.hasResult)) rows.push(['result', `strata jobs result ${j.id}`]);
  const head = `${j.id} · ${j.state} · ${j.algorithm} · priority ${j.priority}${j.owner ? ` · owner ${j.owner}` : ''}`;
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${[head, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n')}\n`;
}

interface Common extends TargetFlags { json?: boolean }

/** The store folder for `run`, which has its own --store with a default. */
interface RunFlags { store: string; json?: boolean; threads?: number; runners: number; generated?: { nStrategies: number; nDays: number; seed: number } }

async function withSession(io: CliIo, flags: { store: string; threads?: number; generated?: { nStrategies: number; nDays: number; seed: number } }, runners: number,
  fn: (s: JobsSession) => Promise<void>, bar?: ReturnType<typeof progressBar>): Promise<void> {
  let session: JobsSession;
  try {
    session = await openJobsSession({
      store: flags.store, runners, ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
      ...(flags.generated ? { generated: flags.generated } : {}), ...(bar ? { onEvent: (e) => bar.onEvent(e) } : {}),
    });
  } catch (e) {
    io.err(`jobs: ${errorText(e)}`);
    io.setExitCode(EXIT_REJECTED);
    return;
  }
  try {
    await fn(session);
  } catch (e) {
    io.err(`jobs: ${errorText(e)}`);
    io.setExitCode(EXIT_REJECTED);
  } finally {
    bar?.stop();
    await session.close();
  }
}

/** Resolves the target (a usage error exits 2), prints its note, and runs the store or the daemon branch. */
async function onTarget(io: CliIo, flags: Common, onStore: (s: JobsSession) => Promise<void>, onDaemon: (conn: Connection) => Promise<void>): Promise<void> {
  const target = await targetFor('jobs', flags, io);
  if (target === null) return;
  if (target.kind === 'store') return withSession(io, { store: target.dir }, 0, onStore);
  try {
    await onDaemon(target.conn);
  } catch (e) {
    io.err(`jobs: ${errorText(e)}`);
    io.setExitCode(EXIT_REJECTED);
  }
}

const jobPath = (id: string, tail = ''): string => `/api/v1/optimizer/jobs/${encodeURIComponent(id)}${tail}`;

export function register(program: Command, io: CliIo = processIo()): void {
  const jobs = program.command('jobs').description('list, inspect and control optimisation jobs: on a running daemon through its API, or in the job journal of a store folder');
  usageExits(jobs, io);
  const sub = (name: string, description: string): Command => {
    const c = addTargetFlags(jobs.command(name).description(description), 'store folder (the journal is <dir>/jobs)')
      .option('--json', 'print JSON');
    usageExits(c, io);
    return c;
  };

  sub('list', 'jobs in acceptance order, with status, priority, SLA (store folder) and progress')
    .option('--status <list>', `only these statuses (${STATUSES.join(', ')})`, statusList)
    .action(async (flags: Common & { status?: JobStatus[] }) => onTarget(io, flags, async ({ service }) => {
      const list = await service.list(flags.status ? { status: flags.status } : {});
      io.out(flags.json ? `${JSON.stringify(list)}\n` : list.length === 0 ? 'no jobs\n' : `${list.map(jobLine).join('\n')}\n`);
      io.setExitCode(EXIT_OK);
    }, async (conn) => {
      const { jobs: all } = await apiGet<{ jobs: DaemonJobView[] }>(conn, '/api/v1/optimizer/jobs');
      const wanted = flags.status ? new Set<string>(flags.status) : null;
      const list = wanted ? all.filter((j) => wanted.has(j.state)) : all;
      io.out(flags.json ? `${JSON.stringify(list)}\n` : list.length === 0 ? 'no jobs\n' : `${list.map(daemonJobLine).join('\n')}\n`);
      io.setExitCode(EXIT_OK);
    }));

  sub('show', 'one job: status, priority, progress and last error (a store folder\'s journal adds attempts, checkpoints, SLA, expected start and finish)')
    .argument('<id>')
    .action(async (id: string, flags: Common) => onTarget(io, flags, async ({ service }) => {
      const job = await service.get(id);
      io.out(flags.json ? `${JSON.stringify(job)}\n` : jobDetailText(daemonJobView(job)));
      io.setExitCode(EXIT_OK);
    }, async (conn) => {
      const job = await apiGet<DaemonJobView>(conn, jobPath(id));
      io.out(flags.json ? `${JSON.stringify(job)}\n` : jobDetailText(job));
      io.setExitCode(EXIT_OK);
    }));

  sub('result', 'a completed job\'s result: best portfolio, metrics, validation, Pareto front')
    .argument('<id>')
    .action(async (id: string, flags: Common) => onTarget(io, flags, async ({ service }) => {
      const result = await service.result(id);
      io.out(flags.json ? `${JSON.stringify(result)}\n` : resultText(await service.get(id), result));
      io.setExitCode(EXIT_OK);
    }, async (conn) => {
      const result = await apiGet<JobResult>(conn, jobPath(id, '/result'));
      io.out(flags.json ? `${JSON.stringify(result)}\n` : resultText({ id }, result));
      io.setExitCode(EXIT_OK);
    }));

  for (const [name, description] of [['cancel', 'cancel a job'], ['pause', 'pause a job (it keeps its checkpoint)'], ['resume', 'queue a paused job again']] as const) {
    sub(name, description).argument('<id>').action(async (id: string, flags: Common) => onTarget(io, flags, async ({ service }) => {
      const job = await service[name](id);
      io.out(flags.json ? `${JSON.stringify(job)}\n` : `${jobLine(job)}\n`);
      io.setExitCode(EXIT_OK);
    }, async (conn) => {
      const job = await apiPost<DaemonJobView>(conn, jobPath(id, `/${name}`), {});
      io.out(flags.json ? `${JSON.stringify(job)}\n` : `${daemonJobLine(job)}\n`);
      io.setExitCode(EXIT_OK);
    }));
  }

  sub('reprioritise', `move a job to another priority level (${PRIORITIES.join(', ')})`)
    .argument('<id>').argument('<priority>', 'the new level', priority)
    .action(async (id: string, p: Priority, flags: Common) => onTarget(io, flags, async ({ service }) => {
      const job = await service.reprioritise(id, p);
      io.out(flags.json ? `${JSON.stringify(job)}\n` : `${jobLine(job)}\n`);
      io.setExitCode(EXIT_OK);
    }, async (conn) => {
      const job = await apiPost<DaemonJobView>(conn, jobPath(id, '/priority'), { priority: p });
      io.out(flags.json ? `${JSON.stringify(job)}\n` : `${daemonJobLine(job)}\n`);
      io.setExitCode(EXIT_OK);
    }));

  const run = jobs.command('run').description('run every queued (or interrupted) job of a store folder\'s journal to its end, in this process')
    .option('--store <dir>', 'store folder (the journal is <dir>/jobs)', DEFAULT_STORE_DIR)
    .option('--json', 'print JSON')
    .option('--threads <n>', 'CPU pool threads', positiveInt)
    .option('--runners <n>', 'jobs at once', positiveInt, 1)
    .option('--generated <NxD[:seed]>', 'run over a generated universe instead of the store (demo, tests)', parseGenerated);
  usageExits(run, io);
  run.action(async (flags: RunFlags) => {
    const bar = progressBar(io);
    await withSession(io, flags, flags.runners, async ({ service }) => {
      const open = await service.list({ status: ['queued', 'running', 'backingOff'] });
      const finished = [];
      for (const j of open) finished.push(await service.whenFinished(j.id, 30 * 24 * 3600_000));
      const bad = finished.filter((j) => j.status !== 'completed');
      io.out(flags.json ? `${JSON.stringify(finished)}\n` : finished.length === 0 ? 'nothing to run\n' : `${finished.map(jobLine).join('\n')}\n`);
      io.setExitCode(bad.length > 0 ? EXIT_REJECTED : EXIT_OK);
    }, bar);
  });

  const algorithms = jobs.command('algorithms').description('the optimisation algorithms and their default hyperparameters').option('--json', 'print JSON');
  usageExits(algorithms, io);
  algorithms.action(async (flags: { json?: boolean }) => {
    // the catalogue is static: no journal is opened
    const list = registry.map((a) => ({ id: a.id, title: a.title, multiObjective: a.multiObjective, supportsWeights: a.supportsWeights, defaults: a.defaults }));
    io.out(flags.json ? `${JSON.stringify(list)}\n` : `${list.map((a) => `${a.id.padEnd(24)} ${a.title}${a.multiObjective ? ' (multi-objective)' : ''}`).join('\n')}\n`);
    io.setExitCode(EXIT_OK);
  });
}
