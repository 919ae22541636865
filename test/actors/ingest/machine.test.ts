// The ingest machine alone (no I/O): one file at a time in arrival order, inbox files never queued twice,
// request files always queued, and a crash ends the machine.
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { ingestMachine, type NewWork } from '../../../actors/ingest/index.ts';

const inbox = (path: string): NewWork => ({ path, origin: 'inbox', options: {}, requestId: null });
const request = (path: string, requestId: number): NewWork => ({ path, origin: 'request', options: { lenient: true }, requestId });

function run() {
  const started: string[] = [];
  const failures: string[] = [];
  const actor = createActor(ingestMachine.provide({ actions: {
    startWork: ({ context }) => { started.push(context.current!.path); },
    failed: ({ context }) => { failures.push(context.crash!.code); },
  } }));
  actor.start();
  return { actor, started, failures };
}

describe('ingest machine', () => {
  it('starts files one at a time in arrival order', () => {
    const { actor, started } = run();
    actor.send({ type: 'enqueue', items: [inbox('/in/a.csv'), inbox('/in/b.csv')] });
    expect(started).toEqual(['/in/a.csv']);
    expect(actor.getSnapshot().context.queue.map((w) => w.path)).toEqual(['/in/b.csv']);
    actor.send({ type: 'work.done', id: 1 });
    expect(started).toEqual(['/in/a.csv', '/in/b.csv']);
    actor.send({ type: 'work.done', id: 2 });
    expect(actor.getSnapshot().value).toBe('idle');
  });

  it('does not queue an inbox file that is running or queued, but queues a requested path every time', () => {
    const { actor, started } = run();
    actor.send({ type: 'enqueue', items: [inbox('/in/a.csv'), inbox('/in/b.csv')] });
    actor.send({ type: 'enqueue', items: [inbox('/in/a.csv'), inbox('/in/b.csv'), inbox('/in/c.csv')] });
    actor.send({ type: 'enqueue', items: [request('/x/r.csv', 1), request('/x/r.csv', 2)] });
    expect(actor.getSnapshot().context.queue.map((w) => `${w.origin}:${w.path}`)).toEqual(['inbox:/in/b.csv', 'inbox:/in/c.csv', 'request:/x/r.csv', 'request:/x/r.csv']);
    expect(started).toEqual(['/in/a.csv']);
  });

  it('ignores a done event for a file that is not the current one', () => {
    const { actor, started } = run();
    actor.send({ type: 'enqueue', items: [inbox('/in/a.csv'), inbox('/in/b.csv')] });
    actor.send({ type: 'work.done', id: 2 });
    expect(started).toEqual(['/in/a.csv']);
    expect(actor.getSnapshot().context.current?.id).toBe(1);
  });

  it('stops at a crashed file and reports it', () => {
    const { actor, failures } = run();
    actor.send({ type: 'enqueue', items: [inbox('/in/a.csv')] });
    actor.send({ type: 'work.crashed', id: 1, code: 'STRATA_STORE_UNAVAILABLE', message: 'gone' });
    expect(actor.getSnapshot().status).toBe('done');
    expect(failures).toEqual(['STRATA_STORE_UNAVAILABLE']);
  });
});
