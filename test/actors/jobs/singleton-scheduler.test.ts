// Issue 8: the scheduler as a cluster singleton over real member processes. Its journal is replicated to the
// other members before anything is acknowledged; kill -9 of the scheduler's member moves the singleton to the
// next oldest member, whose scheduler (a higher fencing epoch) opens its replica of the journal and resumes
// the running job from its last checkpoint: it completes exactly once with the uninterrupted result.
import { afterAll, describe, expect, it } from 'vitest';
import { SchedulerMemberProc, until } from './job-harness.ts';
import { UNIVERSE, createTempDirs, jobSpec, resultBytes, startService } from './support.ts';

const temp = createTempDirs();
const procs: SchedulerMemberProc[] = [];
afterAll(() => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  temp.cleanup();
});

const base = { cluster: 'jobs-singleton', secret: 'jobs-singleton-secret-0123456789', universe: UNIVERSE, checkpointGenerations: 2 };

async function poll<T>(fn: () => Promise<T | null>, what: string, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the scheduler as a cluster singleton', () => {
  it('moves with its replicated journal when its member is killed -9 and resumes the job', async () => {
    const spec = jobSpec({ budget: { evaluations: 14_000 } });
    const ref = await startService(temp.make());
    const refJob = (await ref.service.submit(spec)).job;
    await ref.service.whenFinished(refJob.id, 30_000);
    const reference = resultBytes(await ref.service.result(refJob.id));
    await ref.close();

    const a = await new SchedulerMemberProc({ ...base, seeds: [], dir: temp.make() }).ready();
    procs.push(a);
    const seeds = [`127.0.0.1:${a.port}`];
    const [b, c] = await Promise.all([
      new SchedulerMemberProc({ ...base, seeds, dir: temp.make() }).ready(),
      new SchedulerMemberProc({ ...base, seeds, dir: temp.make() }).ready(),
    ]);
    procs.push(b, c);
    await poll(async () => ((await b.request('members'))['up'] === 3 && (await c.request('members'))['up'] === 3 ? true : null), 'three members up', 20_000);
    await until(() => a.events.some((e) => e.ev === 'singleton' && e['type'] === 'singleton.started'), 'the scheduler on the oldest member', 10_000);

    const submitted = await poll(async () => { const r = await b.request('submit', { spec, key: 'singleton-job' }); return r['id'] ? r['id'] as string : null; }, 'submit', 10_000);
    await poll(async () => { const r = await b.request('get', { id: submitted }); const job = r['job'] as { checkpoints: number } | undefined; return job && job.checkpoints >= 1 ? true : null; }, 'a checkpoint', 20_000);
    a.child.kill('SIGKILL');

    const finished = await poll(async () => {
      const r = await c.request('get', { id: submitted });
      const job = r['job'] as { status: string; interruptions: number; attempts: number } | undefined;
      return job && job.status === 'completed' ? job : null;
    }, 'the job completed on the new scheduler', 30_000);
    expect(finished.interruptions).toBe(1);
    expect(finished.attempts).toBe(2);
    const result = await c.request('result', { id: submitted });
    expect(result['result']).toBe(reference);
    // a resubmission with the same key finds the same job on the new scheduler
    expect((await b.request('submit', { spec, key: 'singleton-job' }))['id']).toBe(submitted);
    const started = [b, c].flatMap((p) => p.events.filter((e) => e.ev === 'singleton' && e['type'] === 'singleton.started'));
    expect(started).toHaveLength(1);
    expect(started[0]!['epoch'] as number).toBeGreaterThan(1);
  }, 60_000);
});
