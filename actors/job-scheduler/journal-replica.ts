// Journal replication to another member: a replica actor on a standby member keeps a byte-exact copy of the
// scheduler's journal in its own folder (the same file name), fsync'd before it answers, so when the
// singleton moves there the new scheduler opens that folder and finds every acknowledged job. The scheduler
// side (`actorJournalReplica`) is the JournalReplica the journal awaits before acknowledging an append.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_MAGIC, jobError, type JournalReplica } from '../../engine/jobs/index.ts';
import type { ActorRef, ActorSystem, Behaviour } from '../../runtime/index.ts';
import { JOURNAL_FILE } from './actor.ts';

export type ReplicaMessage =
  | { readonly type: 'replica.append'; readonly epoch: number; readonly frames: Uint8Array; readonly replyTo: ActorRef<ReplicaReply> }
  | { readonly type: 'replica.replace'; readonly epoch: number; readonly image: Uint8Array; readonly replyTo: ActorRef<ReplicaReply> };

export type ReplicaReply =
  | { readonly type: 'replica.ok'; readonly bytes: number }
  | { readonly type: 'replica.rejected'; readonly code: string; readonly message: string };

function writeAllSync(fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** The standby side: appends frames (and replaces the whole image after a compaction) durably. */
export function createJournalReplicaActor(options: { readonly dir: string }): Behaviour<ReplicaMessage> {
  return () => {
    mkdirSync(options.dir, { recursive: true });
    const file = join(options.dir, JOURNAL_FILE);
    let bytes = 0;
    let highestEpoch = 0;
    return {
      receive(m) {
        // fencing: a scheduler older than one already seen (a stale singleton instance) writes nothing
        if (m.epoch < highestEpoch) {
          m.replyTo.tell({ type: 'replica.rejected', code: 'STRATA_JOB_STALE_EPOCH', message: `replica refused epoch ${m.epoch}: epoch ${highestEpoch} already seen` });
          return;
        }
        if (m.epoch > highestEpoch && m.type === 'replica.append') {
          // a new scheduler starts with a full image; frames appended on top of an older image would not fit
          m.replyTo.tell({ type: 'replica.rejected', code: 'STRATA_JOB_STALE_ASSIGNMENT', message: `replica needs a full image from epoch ${m.epoch}` });
          return;
        }
        highestEpoch = m.epoch;
        if (m.type === 'replica.append') {
          const fresh = !existsSync(file);
          const fd = openSync(file, 'a');
          try {
            if (fresh) writeAllSync(fd, JOURNAL_MAGIC);
            writeAllSync(fd, m.frames);
            fsyncSync(fd);
          } finally { closeSync(fd); }
          bytes += m.frames.length;
        } else {
          const tmp = `${file}.replace`;
          const fd = openSync(tmp, 'w');
          try { writeAllSync(fd, m.image); fsyncSync(fd); } finally { closeSync(fd); }
          renameSync(tmp, file);
          bytes = m.image.length;
        }
        m.replyTo.tell({ type: 'replica.ok', bytes });
      },
    };
  };
}

/**
 * The scheduler side: after each local fsync the frames go to the replica actor of every peer (on other
 * members; `peers()` is the wiring's current list, keyed by member). A peer not yet in step (new, or one
 * whose last write failed) gets the whole journal image instead. The append is acknowledged once at least
 * one peer holds it durably; with no peers (a cluster of one) the local fsync is all there is.
 */
export function peerJournalReplica(options: {
  readonly system: ActorSystem;
  readonly epoch: number;
  /** the local journal file (for full images) */
  readonly journalPath: string;
  readonly peers: () => ReadonlyMap<string, ActorRef<ReplicaMessage>>;
  readonly timeoutMs?: number;
}): JournalReplica {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const inStep = new Set<string>();
  const send = async (peer: ActorRef<ReplicaMessage>, build: (replyTo: ActorRef<ReplicaReply>) => ReplicaMessage): Promise<void> => {
    const reply = await options.system.ask<ReplicaMessage, ReplicaReply>(peer, build, { timeoutMs });
    if (reply.type === 'replica.rejected') throw jobError(reply.code === 'STRATA_JOB_STALE_EPOCH' ? 'STRATA_JOB_STALE_EPOCH' : 'STRATA_JOB_JOURNAL_WRITE_FAILED', reply.message);
  };
  const toAll = async (frames: Uint8Array | null): Promise<void> => {
    const peers = options.peers();
    if (peers.size === 0) return;
    let acks = 0;
    const failures: string[] = [];
    await Promise.all([...peers].map(async ([id, peer]) => {
      const replace = async (): Promise<void> => {
        const image = new Uint8Array(readFileSync(options.journalPath));
        await send(peer, (replyTo) => ({ type: 'replica.replace', epoch: options.epoch, image, replyTo }));
        inStep.add(id);
      };
      try {
        if (frames && inStep.has(id)) {
          // a replica that lost step (restarted, refused) is brought back with the whole image at once
          try { await send(peer, (replyTo) => ({ type: 'replica.append', epoch: options.epoch, frames, replyTo })); } catch (e) {
            inStep.delete(id);
            if ((e as { code?: string }).code === 'STRATA_JOB_STALE_EPOCH') throw e;
            await replace();
          }
        } else {
          await replace();
        }
        acks++;
      } catch (e) {
        inStep.delete(id);
        failures.push(`${id}: ${(e as { code?: string }).code ?? ''} ${(e as Error).message}`);
      }
    }));
    for (const id of inStep) if (!peers.has(id)) inStep.delete(id);
    if (acks === 0) throw jobError('STRATA_JOB_JOURNAL_WRITE_FAILED', `no other member acknowledged the journal append (${failures.join('; ')})`, { peers: peers.size });
  };
  return {
    replicate: (frames) => toAll(new Uint8Array(frames)),
    replaceAll: () => toAll(null),
  };
}

/** The scheduler side with one fixed replica actor. */
export function actorJournalReplica(system: ActorSystem, replica: ActorRef<ReplicaMessage>, options: { readonly epoch: number; readonly journalPath: string; readonly timeoutMs?: number }): JournalReplica {
  const peers = new Map([['replica', replica]]);
  return peerJournalReplica({ system, epoch: options.epoch, journalPath: options.journalPath, peers: () => peers, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
}
