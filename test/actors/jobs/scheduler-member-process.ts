// A real cluster member in its own process running the job scheduler as a cluster singleton: a journal
// replica actor for the others, the singleton (on the oldest member) with one local runner and journal
// replication to the replicas of every other reachable member. Driven over IPC: submit, get, result.
import { pino } from 'pino';
import { createClusterMember } from '../../../cluster/remote/index.ts';
import { createGeneratedMatrixSource } from '../../../engine/jobs/index.ts';
import { algorithmRunnerBehaviour, createRunnerPool } from '../../../actors/algorithm-runner/index.ts';
import {
  createJournalReplicaActor, peerJournalReplica, schedulerBehaviour,
  type JobReply, type ReplicaMessage, type ResultReply, type SchedulerMessage, type SubmitReply,
} from '../../../actors/job-scheduler/index.ts';
import { encode, type ActorRef } from '../../../runtime/index.ts';
import { FAST_MEMBERSHIP, type SchedulerMemberConfig } from './job-harness.ts';

const config = JSON.parse(process.argv[2]!) as SchedulerMemberConfig;
const send = (m: Record<string, unknown>): void => { process.send?.(m); };
const member = await createClusterMember({
  cluster: config.cluster, secret: config.secret, port: 0, seeds: config.seeds, logger: pino({ level: 'silent' }), ...FAST_MEMBERSHIP,
});
const pool = createRunnerPool({ threads: 1 });
member.system.spawn(createJournalReplicaActor({ dir: config.dir }), { name: 'job-journal-replica' });
const peers = (): Map<string, ActorRef<ReplicaMessage>> => new Map(member.membership.members()
  .filter((m) => m.id !== member.id && m.state === 'up')
  .map((m) => [m.id, member.refFor<ReplicaMessage>(m.id, '/user/job-journal-replica')]));
const runner = algorithmRunnerBehaviour({
  matrixSource: createGeneratedMatrixSource(config.universe), pool,
  settings: { checkpointGenerations: config.checkpointGenerations, checkpointMs: 0, progressMs: 100 },
});
const singleton = member.singleton<SchedulerMessage>('job-scheduler', (epoch) => schedulerBehaviour({
  dir: config.dir, epoch, localRunners: { count: 1, behaviour: runner },
  replica: (e, journalPath) => peerJournalReplica({ system: member.system, epoch: e, journalPath, peers }),
  settings: { tickMs: 20 },
}), (e) => send({ ev: 'singleton', type: e.type, epoch: e.epoch, member: e.member }));

function scheduler(): ActorRef<SchedulerMessage> {
  const holder = singleton.holder();
  if (holder === null) throw new Error('no scheduler holder right now');
  return member.refFor<SchedulerMessage>(holder, singleton.path);
}

process.on('message', async (raw) => {
  const c = raw as { cmd: string; req: number; [k: string]: unknown };
  const reply = (body: Record<string, unknown>): void => send({ ev: 'reply', req: c.req, ...body });
  try {
    if (c.cmd === 'members') return reply({ up: member.membership.members().filter((m) => m.state === 'up').length });
    if (c.cmd === 'submit') {
      const r = await member.system.ask<SchedulerMessage, SubmitReply>(scheduler(), (replyTo) => ({ type: 'job.submit', spec: c['spec'], idempotencyKey: c['key'] as string, replyTo }), { timeoutMs: 5_000 });
      return reply(r.type === 'job.submit.ok' ? { id: r.job.id } : { error: r.error.code });
    }
    if (c.cmd === 'get') {
      const r = await member.system.ask<SchedulerMessage, JobReply>(scheduler(), (replyTo) => ({ type: 'job.get', id: c['id'] as string, replyTo }), { timeoutMs: 2_000 });
      return reply(r.type === 'job.command.ok' ? { job: r.job } : { error: r.error.code });
    }
    if (c.cmd === 'result') {
      const r = await member.system.ask<SchedulerMessage, ResultReply>(scheduler(), (replyTo) => ({ type: 'job.result', id: c['id'] as string, replyTo }), { timeoutMs: 5_000 });
      return reply(r.type === 'job.result.ok' ? { result: Buffer.from(encode(r.result)).toString('base64') } : { error: r.error.code });
    }
    return reply({ error: `unknown command ${c.cmd}` });
  } catch (e) {
    return reply({ error: (e as { code?: string }).code ?? (e as Error).message });
  }
});
send({ ev: 'ready', id: member.id, port: member.transport.port });
