// Issue 8: runners on other members (real processes joined over the cluster transport). The scheduler
// watches them across members; kill -9 of the member running a job downs it, the watch fires, and the job
// is reassigned to the runner on the surviving member, resuming from its last checkpoint, with a result
// identical to an uninterrupted run.
import type { ChildProcess } from 'node:child_process';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createClusterMember, type ClusterMember } from '../../../cluster/remote/index.ts';
import { createGeneratedMatrixSource } from '../../../engine/jobs/index.ts';
import { createJobService, type JobEvent } from '../../../actors/job-scheduler/index.ts';
import type { RunnerCommand } from '../../../actors/algorithm-runner/index.ts';
import { FAST_MEMBERSHIP, startRunnerMember, until } from './job-harness.ts';
import { UNIVERSE, createTempDirs, jobSpec, resultBytes, startService } from './support.ts';

const temp = createTempDirs();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  temp.cleanup();
});

const CLUSTER = 'jobs-test';
const SECRET = 'jobs-test-secret-0123456789';

const startMember = (seed: string) => startRunnerMember({ cluster: CLUSTER, secret: SECRET, seeds: [seed], universe: UNIVERSE, checkpointGenerations: 2 }, children);

describe('runners on other members', () => {
  it('reassigns a job when the member running it is killed -9, with the uninterrupted result', async () => {
    const spec = jobSpec({ budget: { evaluations: 12_000 } });
    const ref = await startService(temp.make());
    const refJob = (await ref.service.submit(spec)).job;
    await ref.service.whenFinished(refJob.id, 30_000);
    const reference = resultBytes(await ref.service.result(refJob.id));
    await ref.close();

    const a: ClusterMember = await createClusterMember({ cluster: CLUSTER, secret: SECRET, port: 0, seeds: [], logger: pino({ level: 'silent' }), ...FAST_MEMBERSHIP });
    const seed = `127.0.0.1:${a.transport.port}`;
    const members = await Promise.all([startMember(seed), startMember(seed)]);
    await until(() => a.membership.members().filter((m) => m.status === 'up').length === 3, 'three members up', 20_000);
    const service = await createJobService({
      system: a.system, dir: temp.make(), matrixSource: createGeneratedMatrixSource(UNIVERSE), runners: 0, poolThreads: 1,
      remoteRunners: members.map((m) => a.refFor<RunnerCommand>(m.id, m.path)),
      scheduler: { tickMs: 20 },
    });
    const events: JobEvent[] = [];
    service.onEvent((e) => events.push(e));
    const { job } = await service.submit(spec);
    await until(() => events.some((e) => e.type === 'job.checkpointed' && e.id === job.id), 'a checkpoint', 20_000);
    const running = await service.get(job.id);
    const victim = members.find((m) => m.path === running.runner)!;
    expect(victim).toBeDefined();
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await until(() => events.some((e) => e.type === 'job.interrupted' && e.id === job.id), 'the job interrupted by deathwatch', 20_000);
    const restartedAfterMs = Date.now() - killedAt;
    const done = await service.whenFinished(job.id, 30_000);
    expect(done.status).toBe('completed');
    expect(done.interruptions).toBe(1);
    expect(resultBytes(await service.result(job.id))).toBe(reference);
    const survivor = members.find((m) => m !== victim)!;
    expect(events.filter((e) => e.type === 'job.started').map((e) => e.type === 'job.started' && e.runner)).toEqual([victim.path, survivor.path]);
    expect(restartedAfterMs).toBeLessThan(10_000);
    await service.close();
    await a.shutdown();
  }, 45_000);
});
