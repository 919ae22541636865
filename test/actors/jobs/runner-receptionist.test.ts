// Runners found through the receptionist: runners on other member processes offer themselves in their member's cluster receptionist
// under RUNNER_SERVICE_KEY; a job service given the receptionist (option `receptionist`) takes each runner as it
// appears, with no `remoteRunners` list. kill -9 of the runner's member: deathwatch reassigns the job to the
// other listed runner, resumed from its checkpoint, with the same result as the uninterrupted run.
import type { ChildProcess } from 'node:child_process';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createClusterMember, type ClusterMember } from '../../../cluster/remote/index.ts';
import { createGeneratedMatrixSource } from '../../../engine/jobs/index.ts';
import { createJobService, type JobEvent } from '../../../actors/job-scheduler/index.ts';
import { RUNNER_SERVICE_KEY, algorithmRunnerBehaviour, createRunnerPool } from '../../../actors/algorithm-runner/index.ts';
import { createSystem } from '../../../runtime/index.ts';
import { FAST_MEMBERSHIP, startRunnerMember, until } from './job-harness.ts';
import { UNIVERSE, createTempDirs, jobSpec, resultBytes } from './support.ts';

const temp = createTempDirs();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  temp.cleanup();
});

const CLUSTER = 'jobs-receptionist-test';
const SECRET = 'jobs-receptionist-secret-0123456789';

const startMember = (seed: string) => startRunnerMember({ cluster: CLUSTER, secret: SECRET, seeds: [seed], universe: UNIVERSE, checkpointGenerations: 2, register: true }, children);

describe('runners found through the receptionist', () => {
  it('takes runners as they appear on other members and reassigns the job of a killed one', async () => {
    const spec = jobSpec({ budget: { evaluations: 12_000 } });
    const a: ClusterMember = await createClusterMember({ cluster: CLUSTER, secret: SECRET, port: 0, seeds: [], logger: pino({ level: 'silent' }), ...FAST_MEMBERSHIP });
    const seed = `127.0.0.1:${a.transport.port}`;
    const service = await createJobService({
      system: a.system, dir: temp.make(), matrixSource: createGeneratedMatrixSource(UNIVERSE), runners: 0, poolThreads: 1,
      receptionist: a.receptionist, scheduler: { tickMs: 20 },
    });
    const events: JobEvent[] = [];
    service.onEvent((e) => events.push(e));
    const startedOn = (id: string): (string | false)[] => events.filter((e) => e.type === 'job.started' && e.id === id).map((e) => e.type === 'job.started' && e.runner);

    // a job accepted while no runner exists waits, then runs on the first runner that appears
    const first = (await service.submit(spec)).job;
    const r1 = await startMember(seed);
    const done1 = await service.whenFinished(first.id, 30_000);
    expect(done1.status).toBe('completed');
    expect(startedOn(first.id)).toEqual([r1.path]);
    const reference = resultBytes(await service.result(first.id));

    // a second runner appears; the job's runner member is killed -9: reassigned to the other one
    const r2 = await startMember(seed);
    await until(() => a.receptionist.find(RUNNER_SERVICE_KEY).length === 2, 'two runners listed', 20_000);
    // all three up before a kill: with the newcomer still joining, A and the victim alone are no majority and
    // A would down itself (split-brain resolver)
    await until(() => a.membership.members().filter((m) => m.status === 'up').length === 3, 'three members up', 20_000);
    const { job } = await service.submit(spec);
    await until(() => events.some((e) => e.type === 'job.checkpointed' && e.id === job.id), 'a checkpoint', 20_000);
    const running = await service.get(job.id);
    const victim = [r1, r2].find((m) => m.path === running.runner)!;
    expect(victim).toBeDefined();
    const survivor = victim === r1 ? r2 : r1;
    victim.child.kill('SIGKILL');
    const done = await service.whenFinished(job.id, 30_000);
    expect(done.status).toBe('completed');
    expect(done.interruptions).toBe(1);
    expect(startedOn(job.id)).toEqual([victim.path, survivor.path]);
    expect(resultBytes(await service.result(job.id))).toBe(reference);
    // the dead member's runner left the listing
    await until(() => a.receptionist.find(RUNNER_SERVICE_KEY).length === 1, 'the killed runner unlisted', 20_000);
    await service.close();
    await a.shutdown();
  }, 45_000);

  it('works with a system\'s local receptionist too, and stops using a runner that stopped', async () => {
    const system = createSystem({ name: 'jobs-receptionist-local', codecCheck: true, logger: pino({ level: 'silent' }) });
    const pool = createRunnerPool({ threads: 1 });
    const runnerOf = (name: string) => system.spawn(algorithmRunnerBehaviour({
      matrixSource: createGeneratedMatrixSource(UNIVERSE), pool, receptionist: system.receptionist,
      settings: { checkpointGenerations: 2, checkpointMs: 0, progressMs: 50 },
    }), { name });
    const service = await createJobService({
      system, dir: temp.make(), matrixSource: createGeneratedMatrixSource(UNIVERSE), runners: 0, pool,
      receptionist: system.receptionist, scheduler: { tickMs: 20 },
    });
    const events: JobEvent[] = [];
    service.onEvent((e) => events.push(e));
    const r1 = runnerOf('runner-a');
    const one = (await service.submit(jobSpec())).job;
    expect((await service.whenFinished(one.id, 20_000)).status).toBe('completed');
    system.stop(r1);
    await until(() => system.receptionist.find(RUNNER_SERVICE_KEY).length === 0, 'the stopped runner unlisted');
    const two = (await service.submit(jobSpec({ seed: 7 }))).job;
    await new Promise((r) => setTimeout(r, 300));
    expect((await service.get(two.id)).status).toBe('queued');
    runnerOf('runner-b');
    expect((await service.whenFinished(two.id, 20_000)).status).toBe('completed');
    expect(events.filter((e) => e.type === 'job.started').map((e) => e.type === 'job.started' && e.runner)).toEqual(['/user/runner-a', '/user/runner-b']);
    await service.close();
    await system.terminate();
    await pool.close();
  }, 30_000);
});
