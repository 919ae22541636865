// `strata console` and `strata nodes` against a real daemon: one frame with members, store nodes, jobs with
// progress and recent errors; the node table with its exit status; an unreachable daemon exits 1.
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerConsole, renderConsole } from '../../cluster/cli/commands/console.ts';
import { register as registerNodes } from '../../cluster/cli/commands/nodes.ts';
import type { CliIo } from '../../cluster/cli/commands/inspect.ts';
import type { IngestStatusView } from '../../cluster/daemon/services.ts';
import { VIEWER, startHarness, type Harness } from '../api/daemon-harness.ts';

let h: Harness;

function capture(): CliIo & { text: string; errors: string; code: number | null } {
  const io = {
    text: '', errors: '', code: null as number | null, interactive: false,
    out(t: string) { io.text += t; },
    err(t: string) { io.errors += t; },
    setExitCode(c: number) { io.code = c; },
    exit(e: CommanderError): never { throw e; },
  };
  return io;
}

async function cli(register: (p: Command, io: CliIo) => void, args: string[]) {
  const io = capture();
  const program = new Command('strata').exitOverride();
  register(program, io);
  await program.parseAsync(['node', 'strata', ...args]);
  return io;
}

beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.close(); });

describe('strata console', () => {
  it('prints one frame with members, store nodes, ingest and recent errors', async () => {
    h.daemon.hub.recordError({ at: Date.UTC(2026, 0, 1, 12, 0, 0), source: 'test', code: 'STRATA_TEST_ERROR', message: 'something went wrong' });
    const io = await cli(registerConsole, ['console', '--once', '--url', h.url, '--token', VIEWER]);
    expect(io.code).toBe(0);
    expect(io.text).toMatch(/MEMBERS \(1\)\n {2}\S+ +up +reachable {2}leader {2}\(this\)/);
    expect(io.text).toMatch(/STORE single-node · quorum yes\n {2}node-1 +up/);
    // the node's trades rows, from its last health check
    expect(io.text).toMatch(/\n {2}node-1 +up .* ms {2}\d+ trades\n/);
    expect(io.text).toContain('INGEST idle');
    expect(io.text).toContain('12:00:00 STRATA_TEST_ERROR test: something went wrong');
  });

  it('draws jobs with progress bars and ETA', () => {
    const frame = renderConsole({
      url: 'http://x', at: 0, connected: true, members: [], store: null, ingest: null, errors: [],
      jobs: [{ id: 'job-1', state: 'running', priority: 'high', algorithm: 'nsga2', owner: null, submittedAt: 0, startedAt: 0, finishedAt: null, error: null, run: null,
        progress: { evaluations: 5_000, budget: 10_000, fraction: 0.5, evaluationsPerSec: 2_500, etaMs: 2_000, best: null } }],
    });
    expect(frame).toContain('JOBS (1 active, 1 total)');
    expect(frame).toContain('job-1                    running   high     nsga2                [##########..........] 5,000 evals · 2,500/s · ETA 2s');
    // a job the scheduler resumed after an interruption says so; a finished one without progress draws no '?' bar
    const resumed = renderConsole({
      url: 'http://x', at: 0, connected: true, members: [], store: null, ingest: null, errors: [],
      jobs: [
        { id: 'job-2', state: 'running', priority: 'normal', algorithm: 'cma-es', owner: null, submittedAt: 0, startedAt: 0, finishedAt: null, error: null, progress: null,
          run: { attempts: 2, failures: 0, interruptions: 1, storeWaits: 0, checkpoints: 3, checkpointEvaluations: 900, runner: null, idempotencyKey: null, deadline: null, sla: 'none', expectedStartAt: null, expectedFinishAt: null, hasResult: false } },
        { id: 'job-3', state: 'failed', priority: 'normal', algorithm: 'tpe', owner: null, submittedAt: 0, startedAt: 0, finishedAt: 1, error: { code: 'STRATA_JOB_MATRIX_EMPTY', message: 'empty' }, progress: null, run: null },
      ],
    });
    expect(resumed).toMatch(/job-2 .* · resumed ×1\n/);
    expect(resumed).toContain('job-3                    failed    normal   tpe                  [....................]  · STRATA_JOB_MATRIX_EMPTY');
  });

  it('says on the ingest line how many files wait to be read again, and why the first one does', () => {
    const ingest = { state: 'idle', current: null, queued: 0, counts: { committed: 3, duplicate: 0, rejected: 0, failed: 2 }, inbox: null, parse: null, retrying: [], recovery: null };
    const frame = (retrying: IngestStatusView['retrying']) => renderConsole({ url: 'http://x', at: 0, connected: true, members: [], store: null, jobs: [], errors: [], ingest: { ...ingest, retrying } });
    expect(frame([])).toMatch(/^INGEST idle · queued 0 · committed 3, duplicate 0, rejected 0, failed 2$/m);
    const waiting = frame([{ file: '/d/ingest/uploads/u1/a.csv', attempts: 2, firstFailedAt: 0, nextAt: 4_000, code: 'STRATA_STORE_NO_SPACE', message: 'the disk is full' }]);
    expect(waiting).toMatch(/^INGEST idle · queued 0 · committed 3, duplicate 0, rejected 0, failed 2 · waiting for the store 1 \(STRATA_STORE_NO_SPACE\)$/m);
 
    // recovery waiting for the store's journal at the ingest actor's start
    const recovering = renderConsole({ url: 'http://x', at: 0, connected: true, members: [], store: null, jobs: [], errors: [], ingest: { ...ingest, state: 'recovering', queued: 1, recovery: { attempts: 2, firstFailedAt: 0, nextAt: 2_000, code: 'STRATA_LB_NO_REPLICA', message: 'no replica' } } });
    expect(recovering).toMatch(/^INGEST recovering · queued 1 · committed 3, duplicate 0, rejected 0, failed 2 · the store's journal cannot be read \(STRATA_LB_NO_REPLICA\): no file is read until it can$/m);
  });

  it('exits 1 with a coded message when the daemon cannot be reached or refuses the token', async () => {
    const down = await cli(registerConsole, ['console', '--once', '--url', 'http://127.0.0.1:9', '--token', VIEWER]);
    expect(down.code).toBe(1);
    expect(down.errors).toMatch(/STRATA_API_SERVICE_UNAVAILABLE: cannot reach the daemon at http:\/\/127\.0\.0\.1:9/);
    const refused = await cli(registerConsole, ['console', '--once', '--url', h.url, '--token', 'nope-nope-nope-nope']);
    expect(refused.code).toBe(1);
    expect(refused.errors).toContain('STRATA_API_UNAUTHENTICATED');
  });
});

describe('strata nodes', () => {
  it('lists the store nodes and exits 0 with quorum', async () => {
    const io = await cli(registerNodes, ['nodes', '--url', h.url, '--token', VIEWER]);
    expect(io.code).toBe(0);
    expect(io.text).toContain('store: single-node, replication 1, quorum yes');
    expect(io.text).toMatch(/node-1 +up +- +\d+\.\d\d/);
    // DuckDB's own memory per node, in MiB
    expect(io.text).toMatch(/DuckDB MiB/);
    expect(io.text).toMatch(/node-1 +up .* \d+ +\S*node-1\.duckdb/);
    const json = await cli(registerNodes, ['nodes', '--json', '--url', h.url, '--token', VIEWER]);
    expect(JSON.parse(json.text).nodes[0].name).toBe('node-1');
  });

  it('finds the daemon from the data dir that strata up wrote', async () => {
    const io = await cli(registerNodes, ['nodes', '--data-dir', h.daemon.dataDir, '--token', VIEWER]);
    expect(io.code).toBe(0);
    expect(io.text).toContain(h.daemon.dataDir);
  });
});
