// `strata optimize` and `strata jobs` on a running daemon through its REST API (an in-process daemon with a
// small ingested dataset): a job is submitted and followed to its result; the daemon's jobs are listed,
// shown, paused, resumed, reprioritised and cancelled; --key names the same job; a refused spec, an unknown
// job and a viewer token get coded errors (exit 1); a store folder together with a daemon, and the in-process
// only flags on a daemon, are usage errors (exit 2); the daemon is found from its data dir.
import { readdir } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerJobs } from '../../cluster/cli/commands/jobs.ts';
import { register as registerOptimize } from '../../cluster/cli/commands/optimize.ts';
import { generateDataset } from '../../engine/formats/index.ts';
import { OPERATOR, VIEWER, startHarness, type Harness } from '../api/daemon-harness.ts';
import { runCli } from '../support/cli.ts';
import { untilValue } from '../support/poll.ts';

let h: Harness;

const cli = (args: string[]) => runCli([registerOptimize, registerJobs], args);

const daemon = (token = OPERATOR): string[] => ['--url', h.url, '--token', token];
const small = ['--algorithm', 'nsga2', '--objectives', 'netProfit,maxDrawdown', '--k', '2', '--evaluations', '500', '--walk-forward', '0', '--bootstrap', '0'];
const big = ['--algorithm', 'nsga2', '--objectives', 'netProfit,maxDrawdown', '--k', '2', '--evaluations', '100000000', '--walk-forward', '0', '--bootstrap', '0'];
const JOB_ID = /job-[\w-]+/;

const until = <T>(fn: () => Promise<T> | T, ok: (v: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> =>
  untilValue(async () => fn(), ok, what, timeoutMs, 50);

let completedId = '';

beforeAll(async () => {
  h = await startHarness();
  const ds = await generateDataset({ outDir: join(h.dir, 'files'), strategies: 4, days: 60, seed: 5 });
  const files = (await readdir(ds.outDir)).filter((f) => f.endsWith('.csv')).map((f) => join(ds.outDir, f));
  const outcomes = await h.daemon.services.ingest!.ingestPaths(files);
  expect(outcomes.filter((o) => o.status === 'committed').length).toBeGreaterThan(0);
});
afterAll(async () => { await h?.close(); });

describe('strata optimize on a daemon', () => {
  it('submits a job, follows it to completion and prints the result with the job id', async () => {
    const r = await cli(['optimize', ...daemon(), ...small]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const id = JOB_ID.exec(r.out)?.[0];
    expect(id).toBeDefined();
    completedId = id!;
    expect(r.out).toMatch(new RegExp(`^${completedId}: completed · nsga2 · 500 evaluations · \\d+ strategies × \\d+ days`));
    expect(r.out).toMatch(/best portfolio \(2\): /);
    expect(r.out).toContain('state digest ');
    // the daemon knows the job, completed
    const rest = await h.request('GET', `/api/v1/optimizer/jobs/${completedId}`);
    expect(rest.body.state).toBe('completed');
  });

  it('names the same job with the same --key, and prints JSON', async () => {
    const first = await cli(['optimize', ...daemon(), ...small, '--seed', '9', '--key', 'cli-key-1']);
    expect(first.code).toBe(0);
    const id = JOB_ID.exec(first.out)?.[0];
    expect(id).toBeDefined();
    expect(id).not.toBe(completedId);
    const again = await cli(['optimize', ...daemon(), ...small, '--seed', '9', '--key', 'cli-key-1', '--json']);
    expect(again.code).toBe(0);
    const parsed = JSON.parse(again.out) as { job: { id: string; state: string }; result: { evaluations: number } };
    expect(parsed.job.id).toBe(id);
    expect(parsed.job.state).toBe('completed');
    expect(parsed.result.evaluations).toBe(500);
    const all = (await h.request('GET', '/api/v1/optimizer/jobs')).body.jobs as { id: string }[];
    expect(all.filter((j) => j.id === id)).toHaveLength(1);
    expect(all).toHaveLength(2);
  });

  it('refuses an invalid spec with STRATA_JOB_INVALID_SPEC and its issues (exit 1)', async () => {
    const r = await cli(['optimize', ...daemon(), '--objectives', 'nonsense', '--k', '2', '--detach']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('optimize: STRATA_JOB_INVALID_SPEC');
    // one issue: the message names it, and it is not listed a second time
    expect(r.err).toMatch(/^optimize: STRATA_JOB_INVALID_SPEC: invalid job spec: problem\.objectives\.0: /);
    expect(r.err).not.toContain('  - problem.objectives.0');
    expect(r.out).toBe('');
  });

  it('treats --threads and --generated with a daemon, and --store with --url, as usage errors (exit 2)', async () => {
    const generated = await cli(['optimize', '--generated', '10x50', ...daemon(), ...small]);
    expect(generated.code).toBe(2);
    expect(generated.err).toContain('--generated');
    const threads = await cli(['optimize', '--threads', '2', ...daemon(), ...small]);
    expect(threads.code).toBe(2);
    expect(threads.err).toContain('--threads');
    const both = await cli(['optimize', '--store', join(h.dir, 'nowhere'), '--url', h.url, ...small]);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/^optimize: --store works on a store folder/);
    const jobsBoth = await cli(['jobs', 'list', '--store', join(h.dir, 'nowhere'), '--url', h.url]);
    expect(jobsBoth.code).toBe(2);
    expect(jobsBoth.err).toMatch(/^jobs: --store works on a store folder/);
    // nothing was submitted by any of them
    expect((await h.request('GET', '/api/v1/optimizer/jobs')).body.jobs).toHaveLength(2);
  });
});

describe('strata jobs on a daemon', () => {
  it('lists the daemon\'s jobs, filtered by status, as text and JSON', async () => {
    const list = await cli(['jobs', 'list', ...daemon(VIEWER)]);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`^${completedId}\\s+completed\\s+normal\\s+-\\s+nsga2\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+finished \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d after \\d+\\.\\d s, 500/500 evals`, 'm'));
    expect(list.out.trim().split('\n')).toHaveLength(2);
    const none = await cli(['jobs', 'list', ...daemon(VIEWER), '--status', 'queued,cancelled']);
    expect(none.code).toBe(0);
    expect(none.out).toBe('no jobs\n');
    const json = await cli(['jobs', 'list', ...daemon(VIEWER), '--status', 'completed', '--json']);
    const jobs = JSON.parse(json.out) as { id: string; state: string }[];
    expect(jobs.map((j) => j.state)).toEqual(['completed', 'completed']);
    expect(jobs[0]!.id).toBe(completedId);
  });

  it('shows a job and prints its result as text and JSON', async () => {
    const show = await cli(['jobs', 'show', completedId, ...daemon(VIEWER)]);
    expect(show.code).toBe(0);
    expect(show.out).toMatch(new RegExp(`^${completedId} · completed · nsga2 · priority normal\n`));
    expect(show.out).toMatch(/\n {2}submitted +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n/);
    expect(show.out).toMatch(/\n {2}finished +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(ran \d+\.\d s\)\n/);
    expect(show.out).toMatch(/\n {2}progress +500 of 500 evaluations \(100 %\)\n/);
    // this daemon runs jobs in memory: no journal to tell of runs (test/actors/jobs/cli.test.ts has a journal's)
    expect(show.out).not.toContain('  runs ');
    expect(show.out).toMatch(new RegExp(`\n {2}result +strata jobs result ${completedId}\n`));
    const showJson = JSON.parse((await cli(['jobs', 'show', completedId, ...daemon(VIEWER), '--json'])).out) as { id: string; state: string; run: unknown };
    expect(showJson).toMatchObject({ id: completedId, state: 'completed', run: null });
    const text = await cli(['jobs', 'result', completedId, ...daemon(VIEWER)]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(new RegExp(`^${completedId}: completed · nsga2 · 500 evaluations`));
    expect(text.out).toMatch(/best portfolio \(2\): /);
    const json = await cli(['jobs', 'result', completedId, ...daemon(VIEWER), '--json']);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.out) as { evaluations: number; best: { strategyIds: string[] } };
    expect(result.evaluations).toBe(500);
    expect(result.best.strategyIds).toHaveLength(2);
  });

  it('queues a detached job, then pauses, reprioritises, resumes and cancels it', async () => {
    const queued = await cli(['optimize', ...daemon(), ...big, '--detach']);
    expect(queued.code).toBe(0);
    const id = JOB_ID.exec(queued.out)?.[0];
    expect(id).toBeDefined();
    // the daemon's local runner may start it at once
    expect(queued.out).toMatch(new RegExp(`^${id} submitted, now (queued|running) · daemon ${h.url.replace(/[.]/g, '\\.')}\n$`));
    await until(() => h.request('GET', `/api/v1/optimizer/jobs/${id}`), (r) => r.body.state === 'running', 'the job to run');

    // a viewer may look but not change anything
    const forbidden = await cli(['jobs', 'cancel', id!, ...daemon(VIEWER)]);
    expect(forbidden.code).toBe(1);
    expect(forbidden.err).toContain('jobs: STRATA_API_FORBIDDEN');

    const paused = await cli(['jobs', 'pause', id!, ...daemon()]);
    expect(paused.code).toBe(0);
    expect(paused.out).toMatch(new RegExp(`^${id}\\s+paused\\s+normal\\s`));
    const high = await cli(['jobs', 'reprioritise', id!, 'high', ...daemon()]);
    expect(high.code).toBe(0);
    expect(high.out).toMatch(new RegExp(`^${id}\\s+paused\\s+high\\s`));
    const resumed = await cli(['jobs', 'resume', id!, ...daemon(), '--json']);
    expect(resumed.code).toBe(0);
    expect((JSON.parse(resumed.out) as { state: string }).state).toMatch(/^(queued|running)$/);
    const cancelled = await cli(['jobs', 'cancel', id!, ...daemon()]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.out).toMatch(new RegExp(`^${id}\\s+cancelled\\s+high\\s`));
    const list = await cli(['jobs', 'list', ...daemon(), '--status', 'cancelled']);
    expect(list.out).toMatch(new RegExp(`^${id}\\s+cancelled`));
    expect(list.out.trim().split('\n')).toHaveLength(1);
    // a cancelled job has no result
    const noResult = await cli(['jobs', 'result', id!, ...daemon()]);
    expect(noResult.code).toBe(1);
    expect(noResult.err).toContain('STRATA_JOB_NOT_FINISHED');
  });

  it('follows a job that is cancelled while it runs to exit 1 with its state', async () => {
    const before = (await h.request('GET', '/api/v1/optimizer/jobs')).body.jobs.length as number;
    const follow = cli(['optimize', ...daemon(), ...big, '--seed', '3']);
    const listed = await until(() => h.request('GET', '/api/v1/optimizer/jobs'), (r) => r.body.jobs.length === before + 1 && r.body.jobs[before].state === 'running', 'the followed job to run');
    const id = listed.body.jobs[before].id as string;
    // the command polls the job while it runs
    await new Promise((r) => setTimeout(r, 600));
    expect((await cli(['jobs', 'cancel', id, ...daemon()])).code).toBe(0);
    const r = await follow;
    expect(r.code).toBe(1);
    expect(r.err).toBe(`${id}: cancelled\n`);
    expect(r.out).toBe('');
  });

  it('answers an unknown job with a coded error (exit 1)', async () => {
    const show = await cli(['jobs', 'show', 'job-9999-nope', ...daemon()]);
    expect(show.code).toBe(1);
    expect(show.err).toMatch(/^jobs: STRATA_API_NOT_FOUND: no job has id "job-9999-nope"/);
    const cancel = await cli(['jobs', 'cancel', 'job-9999-nope', ...daemon()]);
    expect(cancel.code).toBe(1);
    expect(cancel.err).toMatch(/^jobs: STRATA_JOB_UNKNOWN: /);
  });

  it('finds the daemon from the data dir that strata up wrote, with a note when it was not named', async () => {
    const r = await cli(['jobs', 'list', '--data-dir', h.daemon.dataDir, '--token', OPERATOR]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(new RegExp(`^${completedId}\\s+completed`, 'm'));
    const saved = { dataDir: process.env['STRATA_DATA_DIR'], token: process.env['STRATA_API_TOKEN'], url: process.env['STRATA_URL'] };
    process.env['STRATA_DATA_DIR'] = h.daemon.dataDir;
    process.env['STRATA_API_TOKEN'] = VIEWER;
    delete process.env['STRATA_URL'];
    try {
      const auto = await cli(['jobs', 'list', '--json']);
      expect(auto.code).toBe(0);
      expect(auto.err).toBe(`daemon at ${h.url} (from its daemon.json; --store DIR works on a store folder instead)\n`);
      expect((JSON.parse(auto.out) as { id: string }[]).map((j) => j.id)).toContain(completedId);
    } finally {
      for (const [k, v] of [['STRATA_DATA_DIR', saved.dataDir], ['STRATA_API_TOKEN', saved.token], ['STRATA_URL', saved.url]] as const) {
        if (v === undefined) delete process.env[k]; else process.env[k] = v;
      }
    }
  });

  it('exits 1 with STRATA_API_SERVICE_UNAVAILABLE when the named daemon cannot be reached', async () => {
    const r = await cli(['jobs', 'list', '--url', 'http://127.0.0.1:9', '--token', OPERATOR]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('jobs: STRATA_API_SERVICE_UNAVAILABLE: cannot reach the daemon at http://127.0.0.1:9');
  });
});

describe('strata optimize following a job through a daemon that stops answering for a while', () => {
  it('rides out the outage (a real TCP proxy closed and reopened) and follows the job to its end', async () => {
    const target = Number(new URL(h.url).port);
    const sockets = new Set<import('node:net').Socket>();
    const open = (port: number) => new Promise<import('node:net').Server>((resolve) => {
      const server = createServer((client) => {
        const upstream = connect(target, '127.0.0.1');
        for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => s.destroy()); }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
    let proxy = await open(0);
    const port = (proxy.address() as AddressInfo).port;
    const before = new Set((await h.request('GET', '/api/v1/optimizer/jobs')).body.jobs.map((j: { id: string }) => j.id));
    const following = cli(['optimize', '--url', `http://127.0.0.1:${port}`, '--token', OPERATOR, ...big]);
    const job = await until(async () => (await h.request('GET', '/api/v1/optimizer/jobs')).body.jobs.find((j: { id: string; state: string }) => !before.has(j.id) && j.state === 'running'), (j) => j !== undefined, 'the followed job running');
    // the daemon goes away for 1.5 s as far as the CLI can tell: listener closed, connections cut
    await new Promise<void>((r) => { proxy.close(() => r()); for (const s of sockets) s.destroy(); });
    await new Promise((r) => setTimeout(r, 1_500));
    proxy = await open(port);
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await h.request('POST', `/api/v1/optimizer/jobs/${job.id}/cancel`)).status).toBe(200);
    const r = await following;
    // the CLI's kept-alive connection would hold the listener open
    await new Promise<void>((r2) => { proxy.close(() => r2()); for (const s of sockets) s.destroy(); });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/does not answer \(STRATA_API_SERVICE_UNAVAILABLE\); retrying for up to 120 s/);
    expect(r.err).toContain(`answers again; following ${job.id}`);
    expect(r.err).toContain(`${job.id}: cancelled`);
  }, 60_000);
});
