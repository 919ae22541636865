// Inspection: a stream of lifecycle events, supervisor state changes and mailbox depths, for the admin
// console's actor tree. It costs one boolean check per event site when nobody listens.
import type { ErrorData } from './errors.ts';

export type InspectionEvent =
  | { readonly type: 'actor.started'; readonly path: string; readonly at: number }
  | { readonly type: 'actor.failed'; readonly path: string; readonly at: number; readonly error: ErrorData }
  | { readonly type: 'actor.restarted'; readonly path: string; readonly at: number }
  | { readonly type: 'actor.resumed'; readonly path: string; readonly at: number }
  | { readonly type: 'actor.stopped'; readonly path: string; readonly at: number; readonly reason: string }
  | {
      readonly type: 'supervisor.state';
      readonly path: string;
      /** the supervised child (one-for-one) or '*' (the whole group) */
      readonly scope: string;
      readonly state: string;
      readonly failuresInWindow: number;
      readonly backoffMs: number;
      readonly at: number;
    }
  | { readonly type: 'mailbox.depth'; readonly path: string; readonly depth: number; readonly at: number };

export type InspectionListener = (event: InspectionEvent) => void;

export class Inspection {
  #listeners = new Set<InspectionListener>();
  /** read at every event site: false means build nothing */
  active = false;
  #onActiveChange: (active: boolean) => void;

  constructor(onActiveChange: (active: boolean) => void) {
    this.#onActiveChange = onActiveChange;
  }

  subscribe(listener: InspectionListener): () => void {
    this.#listeners.add(listener);
    if (!this.active) {
      this.active = true;
      this.#onActiveChange(true);
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && this.active) {
        this.active = false;
        this.#onActiveChange(false);
      }
    };
  }

  emit(event: InspectionEvent): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        // a broken listener must not break the actor that emitted the event
      }
    }
  }
}
