// Child process for the crash test: runs the ingest actor over a DuckDB store file in `dir` (the layout the
// test harness uses) on one requested file, printing `rows N` after each written batch, until killed. Grouped
// appends commit every 4,000 rows (two batches) here, so a kill mid-file finds committed rows of the file.
import { join } from 'node:path';
import { pino } from 'pino';
import { createStoreNodeSink, foldersUnder, ingestBehaviour, listenToIngest, type IngestCommand, type IngestFilesReply } from '../../../actors/ingest/index.ts';
import { openDuckDbNode } from '../../../engine/store/index.ts';
import { createSystem } from '../../../runtime/index.ts';

const [dir, file] = process.argv.slice(2) as [string, string];
const node = await openDuckDbNode({ path: join(dir, 'store.duckdb'), groupCommitRows: 4_000 });
await node.ensureSchema();
const system = createSystem({ name: 'crash-child', logger: pino({ level: 'silent' }) });
const ingest = system.spawn(ingestBehaviour({ sink: createStoreNodeSink(node), folders: foldersUnder(join(dir, 'ingest')), scanIntervalMs: 0, progressIntervalMs: 0, batchRows: 2000 }), { name: 'ingest' });
listenToIngest(system, ingest, (ev) => { if (ev.type === 'ingest.file.progress' && ev.progress.rows > 0) process.stdout.write(`rows ${ev.progress.rows}\n`); });
const reply = await system.ask<IngestCommand, IngestFilesReply>(ingest, (replyTo) => ({ type: 'ingest.files', paths: [file], options: {}, replyTo }), { timeoutMs: 600_000 });
process.stdout.write(`done ${JSON.stringify(reply.type === 'ingest.files.ok' ? reply.outcomes.map((o) => o.status) : reply)}\n`);
await system.terminate();
await node.close();
