// Journal replication to another member: a replica actor on a standby member keeps a byte-exact copy of the
// scheduler's journal in its own folder (the same file name), fsync'd before it answers, so when the
// singleton moves there the new scheduler opens that folder and finds every acknowledged job. The scheduler
// side (`actorJournalReplica`) is the JournalReplica the journal awaits before acknowledging an append.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  JOURNAL_MAGIC, basePosition, comparePositions, jobError, journalPosition, replaceFileSync, scanJournal,
  type JournalPosition, type JournalRecord, type JournalReplica,
} from '../../engine/jobs/index.ts';
import type { ActorRef, ActorSystem, Behaviour } from '../../runtime/index.ts';
import { JOURNAL_FILE } from './actor.ts';

export type ReplicaMessage =
  | { readonly type: 'replica.append'; readonly epoch: number; readonly frames: Uint8Array; readonly replyTo: ActorRef<ReplicaReply> }
  | { readonly type: 'replica.replace'; readonly epoch: number; readonly image: Uint8Array; readonly replyTo: ActorRef<ReplicaReply> }
  /** what this copy holds (null: no copy, or one that cannot be read), and the copy itself on request */
  | { readonly type: 'replica.position'; readonly replyTo: ActorRef<ReplicaState> }
  | { readonly type: 'replica.image'; readonly replyTo: ActorRef<ReplicaState> };

export type ReplicaState =
  | { readonly type: 'replica.position'; readonly position: JournalPosition | null }
  | { readonly type: 'replica.image'; readonly position: JournalPosition | null; readonly image: Uint8Array | null };

/** A replica asked to take an image older than the copy it held: it kept that copy in `path`. */
export interface KeptCopy {
  readonly path: string;
  readonly held: JournalPosition;
  readonly incoming: JournalPosition;
}

export type ReplicaReply =
  | { readonly type: 'replica.ok'; readonly bytes: number; readonly kept?: KeptCopy }
  | { readonly type: 'replica.rejected'; readonly code: string; readonly message: string };

function writeAllSync(fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** The standby side: appends frames (and replaces the whole image after a compaction) durably. */
export function createJournalReplicaActor(options: { readonly dir: string }): Behaviour<ReplicaMessage> {
  return (ctx) => {
    mkdirSync(options.dir, { recursive: true });
    const file = join(options.dir, JOURNAL_FILE);
    let bytes = 0;
    let highestEpoch = 0;
    return {
      receive(m) {
        if (m.type === 'replica.position' || m.type === 'replica.image') {
          const image = existsSync(file) ? new Uint8Array(readFileSync(file)) : null;
          const position = image ? positionOf(image) : null;
          m.replyTo.tell(m.type === 'replica.position' ? { type: m.type, position } : { type: m.type, position, image: position ? image : null });
          return;
        }
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
        let kept: KeptCopy | null = null;
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
          kept = keepIfNewer(file, m.image, m.epoch);
          if (kept) ctx.log.error({ code: 'STRATA_JOB_JOURNAL_NEWER_KEPT', kept: kept.path, held: kept.held, incoming: kept.incoming }, `the job scheduler of epoch ${m.epoch} started from an older journal than this member's copy (a member that was out longer started first?): this copy is kept in ${kept.path}; jobs recorded only there are not in the running scheduler`);
          replaceFileSync(file, m.image, `${file}.replace`);
          bytes = m.image.length;
        }
        m.replyTo.tell(kept ? { type: 'replica.ok', bytes, kept } : { type: 'replica.ok', bytes });
      },
    };
  };
}

const positionOf = (bytes: Uint8Array): JournalPosition | null => {
  try { return journalPosition(scanJournal<JournalRecord>(bytes).records); } catch { return null; }
};

/**
 * Before a replica's copy is replaced by a scheduler's image: when the copy holds more than that scheduler
 * started from (its position is past the image's base, the records before the scheduler's own epoch record),
 * the copy is kept beside the journal, never discarded. A copy that cannot be read is kept too.
 */
function keepIfNewer(file: string, image: Uint8Array, epoch: number): KeptCopy | null {
  if (!existsSync(file)) return null;
  const current = new Uint8Array(readFileSync(file));
  if (current.length <= JOURNAL_MAGIC.length) return null;
  const held = positionOf(current);
  let incoming: JournalPosition;
  try { incoming = basePosition(scanJournal<JournalRecord>(image).records, epoch); } catch { return null; }
  if (held !== null && comparePositions(held, incoming) <= 0) return null;
  const path = `${file}.kept-before-epoch-${epoch}`;
  replaceFileSync(path, current);
  return { path, held: held ?? { epoch: -1, generation: 0, records: 0 }, incoming };
}

/**
 * Before a scheduler opens its journal (SchedulerOptions.beforeOpen): asks the replica of every peer for its
 * position and, when one is past the local copy, puts that peer's copy in place (written to a temporary file,
 * fsync'd, renamed): a scheduler then starts from the newest journal among the members it can reach, not
 * from whatever its own member happened to hold (a whole-cluster restart that began with a member that had
 * been out longer). A peer that does not answer in time is left out.
 */
export async function adoptNewestJournal(options: {
  readonly system: ActorSystem;
  readonly journalPath: string;
  readonly peers: ReadonlyMap<string, ActorRef<ReplicaMessage>>;
  readonly timeoutMs?: number;
}): Promise<{ readonly from: string; readonly position: JournalPosition; readonly previous: JournalPosition | null } | null> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const local = existsSync(options.journalPath) ? positionOf(new Uint8Array(readFileSync(options.journalPath))) : null;
  const answers = await Promise.all([...options.peers].map(async ([id, peer]) => {
    try {
      const r = await options.system.ask<ReplicaMessage, ReplicaState>(peer, (replyTo) => ({ type: 'replica.position', replyTo }), { timeoutMs });
      return r.position ? { id, peer, position: r.position } : null;
    } catch { return null; }
  }));
  let best: { id: string; peer: ActorRef<ReplicaMessage>; position: JournalPosition } | null = null;
  for (const a of answers) if (a && comparePositions(a.position, best?.position ?? local ?? { epoch: -1, generation: 0, records: 0 }) > 0) best = a;
  if (!best) return null;
  const r = await options.system.ask<ReplicaMessage, ReplicaState>(best.peer, (replyTo) => ({ type: 'replica.image', replyTo }), { timeoutMs });
  if (r.type !== 'replica.image' || !r.image || !r.position || comparePositions(r.position, best.position) < 0) return null;
  replaceFileSync(options.journalPath, r.image, `${options.journalPath}.adopt`);
  return { from: best.id, position: r.position, previous: local };
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
  /** a peer kept its copy because it held more than this scheduler started from (see keepIfNewer) */
  readonly onKept?: (peer: string, kept: KeptCopy) => void;
}): JournalReplica {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const inStep = new Set<string>();
  const send = async (id: string, peer: ActorRef<ReplicaMessage>, build: (replyTo: ActorRef<ReplicaReply>) => ReplicaMessage): Promise<void> => {
    const reply = await options.system.ask<ReplicaMessage, ReplicaReply>(peer, build, { timeoutMs });
    if (reply.type === 'replica.rejected') throw jobError(reply.code === 'STRATA_JOB_STALE_EPOCH' ? 'STRATA_JOB_STALE_EPOCH' : 'STRATA_JOB_JOURNAL_WRITE_FAILED', reply.message);
    if (reply.kept) options.onKept?.(id, reply.kept);
  };
  const toAll = async (frames: Uint8Array | null): Promise<void> => {
    const peers = options.peers();
    if (peers.size === 0) return;
    let acks = 0;
    const failures: string[] = [];
    await Promise.all([...peers].map(async ([id, peer]) => {
      const replace = async (): Promise<void> => {
        const image = new Uint8Array(readFileSync(options.journalPath));
        await send(id, peer, (replyTo) => ({ type: 'replica.replace', epoch: options.epoch, image, replyTo }));
        inStep.add(id);
      };
      try {
        if (frames && inStep.has(id)) {
          // a replica that lost step (restarted, refused) is brought back with the whole image at once
          try { await send(id, peer, (replyTo) => ({ type: 'replica.append', epoch: options.epoch, frames, replyTo })); } catch (e) {
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
