// The ingest actor's decisions as an xstate machine: one file at a time, in arrival order; an inbox file
// already queued or running is not queued twice (the inbox is scanned on a timer while a file runs); a
// crashed file stops the machine so the actor fails and its supervisor restarts it (recovery then cleans up).
// Pure: the wiring provides `startWork` (it reads context.current) and `failed`.
import { assign, setup } from 'xstate';
import type { FileOptions, IngestOrigin } from './sink.ts';

export interface WorkItem {
  readonly id: number;
  readonly path: string;
  readonly origin: IngestOrigin;
  readonly options: FileOptions;
  /** the request this file belongs to (null for inbox files and recovery retries) */
  readonly requestId: number | null;
  /** failed attempts before this one (absent: the first); a retry first rolls back what an earlier attempt left */
  readonly attempts?: number;
}

export type NewWork = Omit<WorkItem, 'id'>;

export interface IngestContext {
  readonly queue: readonly WorkItem[];
  readonly current: WorkItem | null;
  readonly nextId: number;
  readonly crash: { readonly code: string; readonly message: string } | null;
}

export type IngestMachineEvent =
  | { readonly type: 'enqueue'; readonly items: readonly NewWork[] }
  | { readonly type: 'work.done'; readonly id: number }
  | { readonly type: 'work.crashed'; readonly id: number; readonly code: string; readonly message: string };

const isInbox = (origin: IngestOrigin): boolean => origin !== 'request';

/** The items an enqueue adds: inbox files already queued or running are left out. */
export function admitted(context: IngestContext, items: readonly NewWork[]): WorkItem[] {
  const busy = new Set([...context.queue, ...(context.current ? [context.current] : [])].map((w) => w.path));
  const out: WorkItem[] = [];
  let id = context.nextId;
  for (const item of items) {
    if (isInbox(item.origin) && busy.has(item.path)) continue;
    busy.add(item.path);
    out.push({ ...item, id: id++ });
  }
  return out;
}

export const ingestMachine = setup({
  types: {
    context: {} as IngestContext,
    events: {} as IngestMachineEvent,
  },
  actions: {
    startWork: () => {},
    failed: () => {},
    enqueue: assign(({ context, event }) => {
      if (event.type !== 'enqueue') return {};
      const add = admitted(context, event.items);
      return { queue: [...context.queue, ...add], nextId: context.nextId + add.length };
    }),
    takeNext: assign(({ context }) => ({ current: context.queue[0] ?? null, queue: context.queue.slice(1) })),
    finish: assign({ current: null }),
    recordCrash: assign({ crash: ({ event }) => (event.type === 'work.crashed' ? { code: event.code, message: event.message } : null) }),
  },
  guards: {
    hasQueued: ({ context }) => context.queue.length > 0,
    isCurrent: ({ context, event }) => event.type !== 'enqueue' && context.current?.id === event.id,
  },
}).createMachine({
  id: 'ingest',
  context: { queue: [], current: null, nextId: 1, crash: null },
  initial: 'idle',
  states: {
    idle: {
      always: { guard: 'hasQueued', target: 'working' },
      on: { enqueue: { actions: 'enqueue' } },
    },
    working: {
      entry: ['takeNext', 'startWork'],
      on: {
        enqueue: { actions: 'enqueue' },
        'work.done': { guard: 'isCurrent', target: 'idle', actions: 'finish' },
        'work.crashed': { guard: 'isCurrent', target: 'crashed', actions: 'recordCrash' },
      },
    },
    crashed: { type: 'final', entry: 'failed' },
  },
});
