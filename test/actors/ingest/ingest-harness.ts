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
  const events: IngestEvent[] = [];
  const waiters: { pred: (ev: IngestEvent) => boolean; resolve: (ev: IngestEvent) => void }[] = [];
  listenToIngest(system, ingest, (ev) => {
    events.push(ev);
    for (const w of [...waiters]) if (w.pred(ev)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(ev); }
  });
  const h: Harness = {
    dir, storePath, node, sink, system, ingest, folders, events,
    async request(paths, fileOptions = {}) {
      const reply = await system.ask<IngestCommand, IngestFilesReply>(ingest, (replyTo) => ({ type: 'ingest.files', paths, options: fileOptions, replyTo }), { timeoutMs: 60_000 });
      if (reply.type !== 'ingest.files.ok') throw new Error(`${reply.code}: ${reply.message}`);
      return [...reply.outcomes];
    },
    waitFor(pred, timeoutMs = 30_000) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching ingest event within ${timeoutMs} ms; saw ${events.map((e) => e.type).join(', ')}`)), timeoutMs);
        waiters.push({ pred, resolve: (ev) => { clearTimeout(t); resolve(ev); } });
      });
    },
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
