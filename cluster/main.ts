// `npm run demo` (`npm start` runs the daemon, `strata up`): a short demonstration of the actor runtime on one
// machine that says what each step shows: a supervised tree, tell and ask, a crash and a restart with
// backoff, escalation past a restart budget, deathwatch, dead letters, and the inspection stream.
import { pino } from 'pino';
import { createSystem, type ActorRef, type Behaviour, type InspectionEvent } from '../runtime/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Reply = { type: 'count.ok'; count: number; instance: number };
type Counter = { type: 'count.add'; n: number } | { type: 'count.get'; replyTo: ActorRef<Reply> } | { type: 'count.crash' };

let instances = 0;
const counter: Behaviour<Counter> = (ctx) => {
  const instance = ++instances;
  let count = 0;
  return {
    started: () => {
      say(`  ${ctx.path} started (instance #${instance})`);
    },
    receive: (m) => {
      if (m.type === 'count.add') count += m.n;
      else if (m.type === 'count.get') m.replyTo.tell({ type: 'count.ok', count, instance });
      else throw new Error('asked to crash');
    },
  };
};

// failures are the point of this demo: log only errors unless asked otherwise
const system = createSystem({ name: 'demo', codecCheck: true, logger: pino({ level: process.env['STRATA_LOG_LEVEL'] ?? 'error' }) });
const events: InspectionEvent[] = [];
system.inspect((e) => events.push(e));

say('Strata runtime demonstration (the daemon itself: npm start, i.e. strata up).');
say('\n1. A supervisor with two counters (one-for-one, restart budget 2 in 10 s, backoff 50 ms doubling):');
const workers: Record<string, ActorRef<Counter>> = {};
const supervisor = system.spawn<{ type: 'noop' }>((ctx) => {
  workers['left'] = ctx.spawn(counter, { name: 'left' });
  workers['right'] = ctx.spawn(counter, { name: 'right' });
  return { receive: () => {} };
}, { name: 'supervisor', supervision: { kind: 'one-for-one', maxRestarts: 2, withinMs: 10_000, backoff: { minMs: 50, factor: 2, jitter: 0 } } });
await pause(10);

say('\n2. tell 1..100 to the left counter, then ask for the total (every message crosses the msgpack codec):');
for (let n = 1; n <= 100; n++) workers['left']!.tell({ type: 'count.add', n });
const first = await system.ask<Counter, Reply>(workers['left']!, (replyTo) => ({ type: 'count.get', replyTo }));
say(`  left says count = ${first.count} (expected 5050)`);

say('\n3. Crash the left counter: its supervisor restarts it after the backoff with fresh state; right is untouched:');
workers['right']!.tell({ type: 'count.add', n: 7 });
workers['left']!.tell({ type: 'count.crash' });
await pause(120);
const afterRestart = await system.ask<Counter, Reply>(workers['left']!, (replyTo) => ({ type: 'count.get', replyTo }));
const right = await system.ask<Counter, Reply>(workers['right']!, (replyTo) => ({ type: 'count.get', replyTo }));
say(`  left: count = ${afterRestart.count}, instance #${afterRestart.instance}; right: count = ${right.count} (unchanged)`);

say('\n4. An ask that nobody answers fails with a coded error naming target, message type and timeout:');
const silent = system.spawn<{ type: 'ping' }>(() => ({ receive: () => {} }), { name: 'silent' });
await system.ask(silent, () => ({ type: 'ping' }), { timeoutMs: 50 }).catch((e: { code: string; message: string }) => say(`  ${e.code}: ${e.message}`));

say('\n5. Crash the left counter twice more: the third failure inside the window exceeds the budget, so the');
say('   supervisor escalates to ITS parent (the /user guardian), which restarts the supervisor, and with it both');
say('   counters: the right counter loses its state too, which is what escalation means:');
for (let i = 0; i < 2; i++) {
  workers['left']!.tell({ type: 'count.crash' });
  await pause(250);
}
const rightAfter = await system.ask<Counter, Reply>(workers['right']!, (replyTo) => ({ type: 'count.get', replyTo }));
say(`  right: count = ${rightAfter.count}, instance #${rightAfter.instance}`);

say('\n6. Deathwatch and dead letters: stop an actor, its watcher is told, later messages are dead letters:');
const letters: string[] = [];
system.deadLetters.subscribe((l) => letters.push(`${l.path} ${l.messageType} (${l.reason})`));
system.watch(silent, (t) => say(`  deathwatch: ${t.path} terminated (${t.reason})`));
system.stop(silent);
silent.tell({ type: 'ping' });
say(`  dead letters: ${letters.join(', ')}`);

say('\n7. The inspection stream the admin console will draw from (counts by event type):');
const byType = new Map<string, number>();
for (const e of events) byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
for (const [type, n] of byType) say(`  ${type}: ${n}`);
const supervisorStates = events
  .flatMap((e) => (e.type === 'supervisor.state' && e.path === '/user/supervisor' && e.scope === 'left' ? [e.state] : []))
  .join(' → ');
say(`  supervisor states for left: ${supervisorStates}`);

await system.terminate();
say('\nDone. Run `npm test` for the full suite and `npm run bench -- runtime` for the figures.');
