// A function-shaped subscription to the ingest event stream for in-process callers (the CLI's progress bar,
// tests): a small actor subscribes on their behalf and calls the function for each event.
import type { ActorRef, ActorSystem, Behaviour } from '../../runtime/index.ts';
import type { IngestCommand, IngestEvent } from './messages.ts';

export interface IngestListener {
  readonly ref: ActorRef<IngestEvent>;
  /** Unsubscribes and stops the listener actor. */
  close(): void;
}

export function listenToIngest(system: ActorSystem, ingest: ActorRef<IngestCommand>, onEvent: (ev: IngestEvent) => void, name?: string): IngestListener {
  const behaviour: Behaviour<IngestEvent> = () => ({ receive(ev) { onEvent(ev); } });
  const ref = system.spawn(behaviour, name === undefined ? {} : { name });
  ingest.tell({ type: 'ingest.subscribe', subscriber: ref });
  return {
    ref,
    close() {
      ingest.tell({ type: 'ingest.unsubscribe', subscriber: ref });
      system.stop(ref);
    },
  };
}
