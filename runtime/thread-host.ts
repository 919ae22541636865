// Entry point of a worker thread: an actor system of its own at the address main gave it, linked to main
// by the thread network, building actors from the behaviour catalogue on request. Actors spawned here for a
// parent elsewhere are stopped on failure: their supervisor is the parent's proxy, on the parent's side.
import { parentPort, workerData } from 'node:worker_threads';
import { createSystem } from './system.ts';
import { createError } from './errors.ts';
import { flushCompiled } from './compile-cache.ts';
import type { BehaviourCatalogue } from './placement.ts';
import type { WorkerData } from './thread-group.ts';
import type { Behaviour } from './behaviour.ts';
import type { Message } from './message.ts';
import type { AnyActorRef } from './actor-ref.ts';

const data = workerData as WorkerData;
if (parentPort === null) throw new Error('thread-host.ts runs only as a worker thread');

const mod = (await import(data.behaviours)) as { behaviours?: BehaviourCatalogue };
const catalogue = mod.behaviours;
flushCompiled(); // the modules loaded so far, for the next thread (runtime/compile-cache.ts)
if (!catalogue) throw new Error(`behaviour catalogue ${data.behaviours} does not export \`behaviours\``);

const system = createSystem({
  name: data.systemName,
  address: data.address,
  codecCheck: data.codecCheck,
  guardianSupervision: { decide: () => 'stop' },
  workerHost: {
    bulk: data.bulk,
    control: data.control,
    limits: data.limits,
    spawnFromCatalogue: (name, props, mailbox) => {
      const factory = catalogue[name];
      if (typeof factory !== 'function') {
        throw createError('STRATA_UNKNOWN_BEHAVIOUR', `behaviour ${JSON.stringify(name)} is not in the catalogue (${Object.keys(catalogue).join(', ')})`, { behaviour: name });
      }
      return system.spawn(factory(props as never) as Behaviour<Message>, mailbox ? { mailbox } : {}) as AnyActorRef;
    },
  },
});

data.control.postMessage({ op: 'ready', to: 'main', from: data.address });
