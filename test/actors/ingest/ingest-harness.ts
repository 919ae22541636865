// Test support: a real DuckDB store file in a temp folder, an actor system with the codec check on, the
// ingest actor over a store-node sink, and helpers to ask, wait for events and read the store back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  createStoreNodeSink, foldersUnder, ingestBehaviour, listenToIngest,
  type FileOptions, type FileOutcome, type IngestActorOptions, type IngestCommand, type IngestEvent, type IngestFilesReply, type IngestFolders, type IngestSink, type IngestStatus,
} from '../../../actors/ingest/index.ts';
import { openDuckDbNode, resultRows, type StoreNode } from '../../../engine/store/index.ts';
import { createSystem, type ActorRef, type ActorSystem } from '../../../runtime/index.ts';
import { createEventLog, type EventLog } from '../../support/event-log.ts';

export interface Harness {
  readonly dir: string;
  readonly storePath: string;
  node: StoreNode;
  sink: IngestSink;
  system: ActorSystem;
  ingest: ActorRef<IngestCommand>;
  readonly folders: IngestFolders;
  readonly events: IngestEvent[];
  request(paths: readonly string[], options?: FileOptions): Promise<FileOutcome[]>;
  /** Resolves with the first event (seen so far or later) that matches. */
  waitFor(pred: (ev: IngestEvent) => boolean, timeoutMs?: number): Promise<IngestEvent>;
  count(table: 'strategies' | 'trades' | 'daily_pnl' | 'kv'): Promise<number>;
  /** daily_pnl of the stored strategy with this name, as day|zone → { pnl, n } */
  daily(name: string): Promise<Map<string, { pnl: number; n: number | null }>>;
  close(): Promise<void>;
}

/** The ingest actor's events as they are published, from now on. */
export function ingestEvents(system: ActorSystem, ingest: ActorRef<IngestCommand>): EventLog<IngestEvent> {
  const log = createEventLog<IngestEvent>('ingest');
  listenToIngest(system, ingest, (ev) => log.push(ev));
  return log;
}

/** Asks the ingest actor to read `paths` and waits for every outcome; a refused request throws. */
export async function requestFiles(system: ActorSystem, ingest: ActorRef<IngestCommand>, paths: readonly string[], options: FileOptions = {}): Promise<FileOutcome[]> {
  const reply = await system.ask<IngestCommand, IngestFilesReply>(ingest, (replyTo) => ({ type: 'ingest.files', paths, options, replyTo }), { timeoutMs: 60_000 });
  if (reply.type !== 'ingest.files.ok') throw new Error(`${reply.code}: ${reply.message}`);
  return [...reply.outcomes];
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface HarnessOptions extends Partial<Omit<IngestActorOptions, 'sink' | 'folders'>> {
  readonly dir?: string;
  /** wraps the real sink (fault injection, observation) */
  readonly wrapSink?: (sink: IngestSink) => IngestSink;
  readonly supervision?: { maxRestarts: number; withinMs: number };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = options.dir ?? tempDir('strata-ingest-');
  const storePath = join(dir, 'store.duckdb');
  const node = await openDuckDbNode({ path: storePath });
  await node.ensureSchema();
  const base = createStoreNodeSink(node);
  const sink = options.wrapSink ? options.wrapSink(base) : base;
  const folders = foldersUnder(join(dir, 'ingest'));
  const system = createSystem({
    name: 'ingest-test', codecCheck: true, logger: pino({ level: 'silent' }),
    guardianSupervision: { kind: 'one-for-one', maxRestarts: options.supervision?.maxRestarts ?? 5, withinMs: options.supervision?.withinMs ?? 60_000, backoff: { minMs: 5, maxMs: 20, factor: 2, jitter: 0 } },
  });
  const { dir: _d, wrapSink: _w, supervision: _s, ...actorOptions } = options;
  const ingest = system.spawn(ingestBehaviour({ scanIntervalMs: 0, progressIntervalMs: 0, ...actorOptions, sink, folders }), { name: 'ingest' });
  // The actor's started hook (folders, recovery) runs before any message: a status reply means it is ready.
  await system.ask<IngestCommand, IngestStatus>(ingest, (replyTo) => ({ type: 'ingest.status', replyTo }), { timeoutMs: 30_000 });
  const log = ingestEvents(system, ingest);
  const h: Harness = {
    dir, storePath, node, sink, system, ingest, folders, events: log.events,
    request: (paths, fileOptions = {}) => requestFiles(system, ingest, paths, fileOptions),
    waitFor: (pred, timeoutMs = 30_000) => log.waitFor(pred, timeoutMs),
    async count(table) {
      const r = await node.query(`SELECT COUNT(*) AS n FROM ${table}`);
      return Number(resultRows(r)[0]!['n']);
    },
    async daily(name) {
      const r = await node.query('SELECT d.trading_day, d.zone, d.pnl, d.n_trades FROM daily_pnl d JOIN strategies s ON s.strategy_id = d.strategy_id WHERE s.strategy_name = ?', [name]);
      const out = new Map<string, { pnl: number; n: number | null }>();
      for (const row of resultRows(r)) out.set(`${row['trading_day']}|${row['zone']}`, { pnl: row['pnl'] as number, n: row['n_trades'] as number | null });
      return out;
    },
    async close() {
      await system.terminate();
      await node.close();
    },
  };
  return h;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
