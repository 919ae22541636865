// The job scheduler of a cluster of daemons: one scheduler for the whole cluster, the cluster singleton
// (fenced by its epoch, its journal replicated to a peer before anything is acknowledged), a runner on every
// member found through the cluster receptionist, and a client that forwards this member's commands to
// wherever the singleton runs. The holder pushes the scheduler's events to every up member.
import type { Logger } from 'pino';
import { algorithmRunnerBehaviour, createRunnerPool, type RunnerSettings } from '../../actors/algorithm-runner/index.ts';
import {
  adoptNewestJournal, createJournalReplicaActor, peerJournalReplica, schedulerBehaviour, schedulerCommands, schedulerError,
  type DrainReply, type JobEvent, type ReplicaMessage, type SchedulerMessage,
} from '../../actors/job-scheduler/index.ts';
import { journalDamageMessage, type MatrixSource } from '../../engine/jobs/index.ts';
import type { ActorRef, AnyActorRef } from '../../runtime/index.ts';
import type { ClusterMember } from '../remote/index.ts';
import type { SchedulerClient } from './scheduler-job-service.ts';

export interface ClusterSchedulerOptions {
  readonly member: ClusterMember;
  /** this member's journal folder: the replica it keeps for the others, and the journal it opens as holder */
  readonly dir: string;
  /** this member's store: its runner loads matrices here */
  readonly matrixSource: MatrixSource;
  readonly poolThreads: number;
  readonly log: Logger;
  readonly runner?: Partial<RunnerSettings>;
  /** how long a forwarded command waits for the singleton (default 15 s) */
  readonly askTimeoutMs?: number;
  /**
   * A scheduler starting within this long after this member joined waits until then before it opens its
   * journal, so the members of a cluster that restarts as a whole have joined and the newest journal copy
   * among them is adopted (default 3 s; a scheduler that moves in a running cluster does not wait)
   */
  readonly startGraceMs?: number;
  /** finished jobs the scheduler keeps (default: the scheduler's own, 1,000) */
  readonly retainFinished?: number;
  /** the journal the scheduler opened on this member was damaged in the middle (the stretch skipped; logged too) */
  readonly onJournalDamage?: (notice: { readonly code: string; readonly message: string }) => void;
}

export const SCHEDULER_SINGLETON = 'job-scheduler';
const REPLICA = 'job-journal-replica';
const EVENTS = 'job-events';

const unavailable = (message: string, data: Record<string, unknown> = {}): Error => schedulerError('STRATA_SCHEDULER_UNAVAILABLE', message, data);

/** The scheduler's refusal, as the coded error the API answers with. */

/** Actor names may not hold '#', '/' or whitespace; member ids have a '#'. */
const runnerName = (memberId: string): string => `job-runner-${memberId.replace(/[#/\s]/g, '-')}`;

export function openClusterScheduler(o: ClusterSchedulerOptions): SchedulerClient {
  const { member } = o;
  const system = member.system;
  const askTimeoutMs = o.askTimeoutMs ?? 15_000;
  const joinedAt = Date.now();
  const listeners = new Set<(e: JobEvent) => void>();
  let closed = false;

  const replica = system.spawn(createJournalReplicaActor({ dir: o.dir }), { name: REPLICA });
  const events = system.spawn<JobEvent>(() => ({
    receive(e) { for (const fn of listeners) { try { fn(e); } catch (err) { o.log.warn({ err }, 'job event listener threw'); } } },
  }), { name: EVENTS });
  const pool = createRunnerPool({ threads: Math.max(1, o.poolThreads) });
  const runner = system.spawn(algorithmRunnerBehaviour({
    matrixSource: o.matrixSource, pool, receptionist: member.receptionist, ...(o.runner ? { settings: o.runner } : {}),
  }), { name: runnerName(member.id) });

  const upPeers = (): string[] => member.membership.members().filter((m) => m.id !== member.id && m.state === 'up').map((m) => m.id);
  const peers = (): Map<string, ActorRef<ReplicaMessage>> => new Map(upPeers().map((id) => [id, member.refFor<ReplicaMessage>(id, `/user/${REPLICA}`)]));
  const publish = (e: JobEvent): void => {
    for (const id of [member.id, ...upPeers()]) member.refFor<JobEvent>(id, `/user/${EVENTS}`).tell(e);
  };

  const singleton = member.singleton<SchedulerMessage>(SCHEDULER_SINGLETON, (epoch) => schedulerBehaviour({
    dir: o.dir, epoch, receptionist: member.receptionist,
    ...(o.retainFinished === undefined ? {} : { settings: { retainFinished: o.retainFinished } }),
    // the newest journal among the reachable members, not just this member's copy (whole-cluster restarts)
    beforeOpen: async (journalPath) => {
      const wait = joinedAt + (o.startGraceMs ?? 3_000) - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // the member stopped while the scheduler waited: it does not open the journal any more
      if (closed) throw schedulerError('STRATA_SCHEDULER_CLOSED', 'this member\'s job service closed before the scheduler started');
      const adopted = await adoptNewestJournal({ system, journalPath, peers: peers() });
      if (adopted) o.log.warn({ from: adopted.from, position: adopted.position, previous: adopted.previous }, `the job scheduler starts from member ${adopted.from}'s journal copy, which is newer than this member's`);
    },
    replica: (e, journalPath) => peerJournalReplica({
      system, epoch: e, journalPath, peers,
      onKept: (peer, kept) => o.log.error({ code: 'STRATA_JOB_JOURNAL_NEWER_KEPT', peer, kept: kept.path, held: kept.held, incoming: kept.incoming }, `member ${peer} held a newer job journal than this scheduler (epoch ${e}) started from; it kept that copy in ${kept.path} on its machine: jobs recorded only there are missing here (docs/daemon.md: whole-cluster restart)`),
    }),
    onEvent: publish,
    onReady: (info) => {
      o.log.info({ epoch: info.epoch, recoveredJobs: info.recoveredJobs }, 'the cluster job scheduler runs on this member');
      // the scheduler logged it; the daemon of the member it runs on also shows it (recent errors, consoles)
      if (info.journal.skipped.length > 0) o.onJournalDamage?.({ code: 'STRATA_JOB_JOURNAL_CORRUPT', message: journalDamageMessage(info.journal) });
    },
    onStartFailed: (error) => { if (!closed) o.log.error({ code: error.code, err: error.message }, 'the cluster job scheduler could not open its journal'); },
  }), (e) => o.log.info({ epoch: e.epoch, member: e.member }, e.type === 'singleton.started' ? 'job scheduler singleton started here' : 'job scheduler singleton stopped here'));

  async function ask<R extends { type: string }>(build: (replyTo: ActorRef<R>) => SchedulerMessage, timeoutMs = askTimeoutMs): Promise<R> {
    if (closed) throw schedulerError('STRATA_SCHEDULER_CLOSED', 'this member\'s job service is closed (the daemon is stopping)');
    const holder = singleton.holder();
    if (holder === null) throw unavailable('no member holds the job scheduler right now (the cluster is moving it); retry', { cause: 'no-holder' });
    try {
      return await system.ask<SchedulerMessage, R>(member.refFor<SchedulerMessage>(holder, singleton.path), build as (replyTo: ActorRef<R>) => SchedulerMessage, { timeoutMs });
    } catch (e) {
      const err = e as { code?: string; message?: string };
      throw unavailable(`the job scheduler on ${holder} did not answer: ${err.code ?? ''} ${err.message ?? String(e)}; retry`, { holder, cause: err.code ?? 'unknown' });
    }
  }
  const stopped = (ref: AnyActorRef): Promise<void> => new Promise((resolve) => { system.watch(ref, () => resolve()); system.stop(ref); });

  return {
    ...schedulerCommands(ask),
    onEvent(fn) { listeners.add(fn); return () => { listeners.delete(fn); }; },
    // a member that stops does not pause the cluster's jobs: when it holds the scheduler, every running job
    // checkpoints now (the next holder resumes them from there); its own runner's job is requeued by deathwatch
    async drain() {
      if (!singleton.isRunningHere) return;
      try {
        await ask<DrainReply>((replyTo) => ({ type: 'scheduler.drain', replyTo }), 10_000);
      } catch (e) {
        o.log.warn({ err: e }, 'the job scheduler could not drain in time; its jobs resume from their last checkpoints');
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      // the singleton itself stops with the member (member.shutdown), after this member has left
      await stopped(runner);
      await Promise.all([stopped(events), stopped(replica)]);
      await pool.close();
    },
  };
}
