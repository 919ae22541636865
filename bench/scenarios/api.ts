// API benchmarks against a real daemon in a child process (one DuckDB store node, job scheduler, no demo), driven from
// this process: autocannon on GET /api/v1/status (token auth, metrics hook, the status document) next to a
// bare fastify hello-JSON endpoint served by the same child, same connections and duration; and WebSocket
// event latency from an actor event (the inspection stream, actor.started) to a subscribed client while an
// optimisation job and an ingest run, next to a bare ws server in the same child sending a timestamped
// message at the same moments. This file is also the child (`node api.ts --api-bench-child <dir>`).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import fastify from 'fastify';
import { pino } from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { compared, latencyResults, summarise, type Percentiles, type Scenario } from '../scenario.ts';

const TOKEN = 'bench-operator-token-0123456789abcdef';
const hrNow = (): number => performance.timeOrigin + performance.now();

interface Ready { ready: true; daemonUrl: string; helloUrl: string; wsUrl: string }

// ---- child: the daemon, a bare fastify hello server and a bare ws server ------------------------------

async function child(dir: string): Promise<void> {
  const { loadConfig } = await import('../../cluster/config/index.ts');
  const { startDaemon } = await import('../../cluster/daemon/index.ts');
  const { generateDataset, writeLargeBackinzoCsv } = await import('../../engine/formats/index.ts');
  const loaded = await loadConfig({
    env: {},
    set: { dataDir: join(dir, 'data'), logLevel: 'silent', 'api.port': 0, 'demo.enabled': false, 'workers.threads': 1, 'ingest.watchInbox': false, 'store.mode': 'single-node', 'api.tokens': [{ name: 'bench', role: 'operator', secret: TOKEN }] },
  });
  const daemon = await startDaemon({ loaded, logger: pino({ level: 'silent' }) });
  const hello = fastify({ logger: false });
  hello.get('/hello', async () => ({ hello: 'world' }));
  await hello.listen({ host: '127.0.0.1', port: 0 });
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.on('listening', () => r()));
  const send = (m: unknown) => process.send?.(m);
  const emitted = new Map<string, number>();
  daemon.system.inspect((e) => { if (e.type === 'actor.started' && e.path.startsWith('/user/probe-')) emitted.set(e.path, hrNow()); });
  // load for the latency figure: demo files ingested once, then a long job and a large ingest while probing
  const ds = await generateDataset({ outDir: join(dir, 'files'), strategies: 4, days: 120, seed: 2 });
  const files = [join(ds.outDir, 'f1_backinzo.csv'), join(ds.outDir, 'f5_backinzo_multi.csv'), join(ds.outDir, 'f3_tv_gen1.csv')];
  // a file interrupted by a store hiccup is rolled back and can simply be sent again (same bytes: idempotent)
  for (let attempt = 1; ; attempt++) {
    try { await daemon.services.ingest!.ingestPaths(files); break; } catch (e) { if (attempt >= 3) throw e; }
  }
  const range = (await daemon.services.store!.dayRange('ALL'))!;
  process.on('message', async (m: { cmd: string; n?: number; everyMs?: number; rows?: number }) => {
    if (m.cmd === 'load') {
      const job = await daemon.services.jobs!.submit({
        dateRange: { from: range.from, to: range.to }, problem: { objectives: ['netProfit', 'maxDrawdown'], kMin: 2, kMax: 4 },
        algorithm: { id: 'nsga2' }, budget: { evaluations: 50_000_000 }, seed: 3,
      });
      const big = join(dir, 'big.csv');
      await writeLargeBackinzoCsv(big, m.rows ?? 200_000, 9);
      void daemon.services.ingest!.ingestPaths([big]);
      send({ loaded: true, job: job.id });
    } else if (m.cmd === 'probe') {
      let i = 0;
      const timer = setInterval(() => {
        const name = `probe-${i++}`;
        const at = hrNow();
        for (const c of wss.clients) c.send(JSON.stringify({ name, at }));
        const ref = daemon.system.spawn(() => ({ receive() {} }), { name });
        daemon.system.stop(ref);
        if (i >= m.n!) {
          clearInterval(timer);
          setTimeout(() => send({ probed: Object.fromEntries(emitted) }), 200);
        }
      }, m.everyMs);
    } else if (m.cmd === 'stop') {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await hello.close();
      await daemon.stop('bench done');
      send({ stopped: true });
      process.exit(0);
    }
  });
  send({ ready: true, daemonUrl: daemon.url, helloUrl: (hello.server.address() as { port: number }).port, wsUrl: `ws://127.0.0.1:${(wss.address() as { port: number }).port}` });
}

if (process.argv[2] === '--api-bench-child') {
  await child(process.argv[3]!);
}

// ---- parent ---------------------------------------------------------------------------------------------

function nextMessage<T>(proc: ChildProcess, key: string, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`api bench child sent no ${key} within ${timeoutMs} ms`)), timeoutMs);
    const on = (m: Record<string, unknown>) => {
      if (!(key in m)) return;
      clearTimeout(timer);
      proc.off('message', on);
      resolve(m as T);
    };
    proc.on('message', on);
  });
}

async function cannon(url: string, seconds: number, headers: Record<string, string>): Promise<{ rps: number; p: Percentiles; non2xx: number }> {
  const r = await autocannon({ url, connections: 10, duration: seconds, headers });
  const l = r.latency as unknown as Record<string, number>;
  return { rps: r.requests.average, non2xx: r.non2xx + r.errors, p: { p50: l['p50']!, p90: l['p90']!, p99: l['p99']!, 'p99.9': l['p99_9'] ?? l['p99']!, max: l['max']! } };
}

function percentiles(values: number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), 'p99.9': at(0.999), max: s[s.length - 1]! };
}

export const scenario: Scenario = {
  area: 'api',
  description: 'daemon REST status endpoint under autocannon vs a bare fastify hello endpoint; WebSocket actor-event latency vs a bare ws send, under an optimisation and an ingest',
  baseline: 'a bare fastify hello-JSON endpoint in the same child process under the same autocannon load; a bare ws server sending a timestamped message at the same moments',
  async run(ctx) {
    // both sections need the daemon child, whose start (a daemon, demo files ingested) is worth skipping
    if (!ctx.wants('api.status') && !ctx.wants('api.events')) return;
    const dir = await mkdtemp(join(tmpdir(), 'strata-bench-api-'));
    const proc = fork(import.meta.filename, ['--api-bench-child', dir], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
    try {
      const ready = await nextMessage<Ready & { helloUrl: number }>(proc, 'ready');
      const statusUrl = `${ready.daemonUrl}/api/v1/status`;
      const helloUrl = `http://127.0.0.1:${ready.helloUrl}/hello`;
      const auth = { authorization: `Bearer ${TOKEN}` };
      if (ctx.wants('api.status')) {
        // autocannon stops on its 1 s sampling tick: durations are whole seconds
        const seconds = ctx.quick ? 1 : 10;
        const runs = ctx.quick ? 2 : 5;
        ctx.log(`autocannon, 10 connections, ${seconds} s per run, ${runs} runs each after a warm-up, alternating`);
        await cannon(helloUrl, 1, {});
        await cannon(statusUrl, 1, auth);
        const base: { rps: number; p: Percentiles }[] = [];
        const ours: { rps: number; p: Percentiles }[] = [];
        for (let i = 0; i < runs; i++) {
          base.push(await cannon(helloUrl, seconds, {}));
          const s = await cannon(statusUrl, seconds, auth);
          if (s.non2xx > 0) throw new Error(`status endpoint answered ${s.non2xx} non-2xx responses or errors`);
          ours.push(s);
        }
        const baseName = 'bare fastify hello-JSON endpoint, same child process, same autocannon load';
        ctx.emit(compared('api.status', 'throughput', 'req/s', summarise(ours.map((o) => o.rps)), { name: baseName, summary: summarise(base.map((b) => b.rps)) }, { ratio: '>=0.8' }));
        // autocannon reports whole milliseconds: a bare endpoint's 0 ms percentile gives no ratio, so that line
        // carries the baseline in its note instead
        const withBase = latencyResults('api.status', 'ms', ours.map((o) => o.p), { name: baseName, runs: base.map((b) => b.p) }, { p99: { value: '<=5' } });
        const without = latencyResults('api.status', 'ms', ours.map((o) => o.p), null, { p99: { value: '<=5' } });
        withBase.forEach((r, i) => ctx.emit(r.baseline && r.baseline.value > 0 ? r : { ...without[i]!, note: `${baseName}: ${r.baseline?.value ?? 0} ms (autocannon resolves whole ms)` }));
      }

      if (ctx.wants('api.events')) {
        ctx.log('WebSocket actor-event latency while an optimisation job and an ingest run');
        const events = new WebSocket(`${ready.daemonUrl.replace('http', 'ws')}/api/v1/events?topics=admin&types=actor.started&token=${TOKEN}`);
        const raw = new WebSocket(ready.wsUrl);
        await Promise.all([new Promise((r) => events.on('open', r)), new Promise((r) => raw.on('open', r))]);
        const received = new Map<string, number>();
        const rawLatency: number[] = [];
        events.on('message', (d) => {
          const e = JSON.parse(String(d)) as { type: string; data?: { path?: string } };
          if (e.type === 'actor.started' && e.data?.path?.startsWith('/user/probe-')) received.set(e.data.path, hrNow());
        });
        raw.on('message', (d) => { const m = JSON.parse(String(d)) as { at: number }; rawLatency.push((hrNow() - m.at) * 1000); });
        proc.send({ cmd: 'load', rows: ctx.quick ? 20_000 : 400_000 });
        await nextMessage(proc, 'loaded');
        const n = ctx.quick ? 200 : 5_000;
        proc.send({ cmd: 'probe', n, everyMs: 5 });
        const { probed } = await nextMessage<{ probed: Record<string, number> }>(proc, 'probed', 300_000);
        await new Promise((r) => setTimeout(r, 200));
        const eventLatency: number[] = [];
        for (const [path, at] of Object.entries(probed)) {
          const got = received.get(path);
          if (got !== undefined) eventLatency.push((got - at) * 1000);
        }
        events.close();
        raw.close();
        ctx.log(`${eventLatency.length} of ${n} actor events received, ${rawLatency.length} bare ws messages`);
        for (const r of latencyResults('api.events', 'µs', [percentiles(eventLatency)], { name: 'bare ws send of a timestamped message from the same child at the same moments', runs: [percentiles(rawLatency)] }, { p99: { value: '<=50000' } })) ctx.emit(r);
        ctx.emit(compared('api.events', 'delivered', 'fraction', summarise([eventLatency.length / n]), null, { value: '>=1' }));
      }
      proc.send({ cmd: 'stop' });
      await nextMessage(proc, 'stopped', 30_000).catch(() => {});
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  },
};
