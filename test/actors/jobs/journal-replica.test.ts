// Journal replication: every acknowledged append is also durable in a replica actor's folder (as a byte-exact
// journal), so a scheduler started on that folder — the singleton moved to the standby member — finds every
// job, and a job that was running there resumes from its checkpoint to the uninterrupted result. A replica
// refuses an older scheduler epoch, and never discards a copy that holds more than the scheduler replacing it
// started from (a whole-cluster restart that began with a member that had been out longer).
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createGeneratedMatrixSource, replayJournal, scanJournal, type JournalRecord } from '../../../engine/jobs/index.ts';
import {
  JOURNAL_FILE, actorJournalReplica, adoptNewestJournal, createJobService, createJournalReplicaActor, peerJournalReplica, type KeptCopy, type ReplicaMessage, type ReplicaReply,
} from '../../../actors/job-scheduler/index.ts';
import { createSystem } from '../../../runtime/index.ts';
import { UNIVERSE, createTempDirs, jobSpec, resultBytes, startService } from './support.ts';

const temp = createTempDirs();
afterAll(() => temp.cleanup());

describe('journal replication', () => {
  it('keeps a byte-exact durable copy from which a new scheduler resumes every job', async () => {
    const reference = await (async () => {
      const h = await startService(temp.make());
      const { job } = await h.service.submit(jobSpec());
      await h.service.whenFinished(job.id, 30_000);
      const r = resultBytes(await h.service.result(job.id));
      await h.close();
      return r;
    })();

    const primary = temp.make();
    const standby = temp.make();
    const system = createSystem({ name: 'primary', codecCheck: true, logger: pino({ level: 'silent' }) });
    const replica = system.spawn(createJournalReplicaActor({ dir: standby }), { name: 'replica' });
    const service = await createJobService({
      system, dir: primary, matrixSource: createGeneratedMatrixSource(UNIVERSE), poolThreads: 2,
      runner: { checkpointGenerations: 2, checkpointMs: 0 },
      replica: (epoch, journalPath) => actorJournalReplica(system, replica, { epoch, journalPath }),
    });
    const { job } = await service.submit(jobSpec({ priority: 'critical' }));
    const queued = (await service.submit(jobSpec({ priority: 'low', seed: 4 }))).job; // waits: one runner
    await new Promise<void>((resolve) => { const off = service.onEvent((e) => { if (e.type === 'job.checkpointed' && e.id === job.id) { off(); resolve(); } }); });
    // acknowledged = in the replica too; the replica is the primary's bytes up to the last replicated append
    await service.pause(queued.id);
    const copy = readFileSync(join(standby, JOURNAL_FILE));
    const original = readFileSync(join(primary, JOURNAL_FILE));
    expect(copy.length).toBeGreaterThan(8);
    expect(original.subarray(0, copy.length).equals(copy)).toBe(true);
    const replayed = replayJournal(scanJournal<JournalRecord>(copy).records);
    expect(replayed.jobs.get(queued.id)!.life.status).toBe('paused');
    // the primary "dies" with the job running: its service is abandoned, the standby takes over
    await system.terminate();
    await service.pool.close();

    const taken = await startService(standby);
    expect((await taken.service.get(queued.id)).status).toBe('paused');
    const done = await taken.service.whenFinished(job.id, 30_000);
    expect(done.status).toBe('completed');
    expect(done.interruptions).toBe(1);
    expect(resultBytes(await taken.service.result(job.id))).toBe(reference);
    await taken.close();
  });

  it('keeps its newer copy, and says so, when a scheduler that started from an older journal replaces it', async () => {
    const [primary, standby, up, stale] = [temp.make(), temp.make(), temp.make(), temp.make()];
    const system = createSystem({ name: 'replica-keep', codecCheck: true, logger: pino({ level: 'silent' }) });
    const replica = system.spawn(createJournalReplicaActor({ dir: standby }), { name: 'replica' });
    const kept: KeptCopy[] = [];
    const open = (dir: string, epoch: number) => createJobService({
      system, dir, epoch, matrixSource: createGeneratedMatrixSource(UNIVERSE), poolThreads: 1, runners: 0,
      replica: (e, journalPath) => peerJournalReplica({ system, epoch: e, journalPath, peers: () => new Map([['standby', replica]]), onKept: (_, k) => kept.push(k) }),
    });
    const journalOf = (dir: string) => replayJournal(scanJournal<JournalRecord>(readFileSync(join(dir, JOURNAL_FILE))).records);

    // epoch 1 accepts a; a member that goes out now keeps that journal (stale); b and c are accepted after
    const first = await open(primary, 1);
    const a = (await first.submit(jobSpec())).job;
    copyFileSync(join(primary, JOURNAL_FILE), join(stale, JOURNAL_FILE));
    const b = (await first.submit(jobSpec({ seed: 2 }))).job;
    const c = (await first.submit(jobSpec({ seed: 3 }))).job;
    await first.close();
    // a takeover from a complete copy replaces the replica's copy without keeping anything
    copyFileSync(join(standby, JOURNAL_FILE), join(up, JOURNAL_FILE));
    const second = await open(up, 2);
    await second.close();
    expect(kept).toEqual([]);
    expect([...journalOf(standby).jobs.keys()]).toEqual([a.id, b.id, c.id]);

    // the whole cluster restarts and the stale member comes up first: its scheduler (epoch 3) knows only a
    const third = await open(stale, 3);
    expect([...journalOf(standby).jobs.keys()]).toEqual([a.id]);
    expect(kept).toHaveLength(1);
    const copy = kept[0]!;
    expect(copy.path).toBe(join(standby, `${JOURNAL_FILE}.kept-before-epoch-3`));
    expect(existsSync(copy.path)).toBe(true);
    expect([...replayJournal(scanJournal<JournalRecord>(readFileSync(copy.path)).records).jobs.keys()]).toEqual([a.id, b.id, c.id]);
    expect(copy.held.epoch).toBe(2);
    expect(copy.incoming.epoch).toBe(1);
    await third.close();
    await system.terminate();
  });

  it('starts a scheduler from the newest copy among the peers\' replicas, not from its own older one', async () => {
    const [primary, newer, older, stale] = [temp.make(), temp.make(), temp.make(), temp.make()];
    const system = createSystem({ name: 'replica-adopt', codecCheck: true, logger: pino({ level: 'silent' }) });
    const replicaNewer = system.spawn(createJournalReplicaActor({ dir: newer }), { name: 'replica-newer' });
    const replicaOlder = system.spawn(createJournalReplicaActor({ dir: older }), { name: 'replica-older' });
    const peers = new Map([['newer', replicaNewer], ['older', replicaOlder]]);
    // epoch 1 writes to both replicas; after job a the "older" member is gone (its copy holds a only)
    const live = new Map(peers);
    const first = await createJobService({
      system, dir: primary, epoch: 1, matrixSource: createGeneratedMatrixSource(UNIVERSE), poolThreads: 1, runners: 0,
      replica: (e, journalPath) => peerJournalReplica({ system, epoch: e, journalPath, peers: () => live }),
    });
    const a = (await first.submit(jobSpec())).job;
    copyFileSync(join(primary, JOURNAL_FILE), join(stale, JOURNAL_FILE));
    live.delete('older');
    const b = (await first.submit(jobSpec({ seed: 2 }))).job;
    await first.close();
    expect((await system.ask<ReplicaMessage, any>(replicaOlder, (replyTo) => ({ type: 'replica.position', replyTo }))).position).toMatchObject({ epoch: 1 });

    // the whole cluster restarts; a member whose own copy is stale gets the scheduler: it adopts the newest copy
    let adopted: Awaited<ReturnType<typeof adoptNewestJournal>> = null;
    const next = await createJobService({
      system, dir: stale, epoch: 2, matrixSource: createGeneratedMatrixSource(UNIVERSE), poolThreads: 1, runners: 0,
      beforeOpen: async (journalPath) => { adopted = await adoptNewestJournal({ system, journalPath, peers }); },
      replica: (e, journalPath) => peerJournalReplica({ system, epoch: e, journalPath, peers: () => peers }),
    });
    expect(adopted).toMatchObject({ from: 'newer', previous: { epoch: 1 } });
    expect((await next.list()).map((j) => j.id)).toEqual([a.id, b.id]);
    // and with every copy as new as its own, nothing is adopted
    expect(await adoptNewestJournal({ system, journalPath: join(stale, JOURNAL_FILE), peers })).toBeNull();
    await next.close();
    await system.terminate();
  });

  it('refuses writes from an older epoch once a newer scheduler has written', async () => {
    const system = createSystem({ name: 'replica-fence', codecCheck: true, logger: pino({ level: 'silent' }) });
    const replica = system.spawn(createJournalReplicaActor({ dir: temp.make() }), { name: 'replica' });
    const ask = (m: (replyTo: import('../../../runtime/index.ts').ActorRef<ReplicaReply>) => ReplicaMessage) => system.ask<ReplicaMessage, ReplicaReply>(replica, m);
    const image = new Uint8Array(Buffer.from('STRJNL01', 'latin1'));
    expect((await ask((replyTo) => ({ type: 'replica.replace', epoch: 5, image, replyTo }))).type).toBe('replica.ok');
    const stale = await ask((replyTo) => ({ type: 'replica.append', epoch: 4, frames: new Uint8Array([1, 2]), replyTo }));
    expect(stale).toMatchObject({ type: 'replica.rejected', code: 'STRATA_JOB_STALE_EPOCH' });
    await system.terminate();
  });
});
