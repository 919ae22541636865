// Behaviours that run on another thread are named, not passed: a function cannot cross a thread. Each
// worker thread imports the same behaviour catalogue module and builds actors from a name plus props.
import type { Behaviour } from './behaviour.ts';
import type { Message } from './message.ts';

/** A catalogue module exports `behaviours = defineBehaviours({ name: (props) => behaviour, … })`. */
export type BehaviourCatalogue = Readonly<Record<string, (props: never) => unknown>>;

export function defineBehaviours<C extends BehaviourCatalogue>(catalogue: C): C {
  return catalogue;
}

/** thread n (1-based), or 'any' (the thread with the fewest actors placed so far) */
export type Placement = { readonly thread: number } | 'any';

export interface RemoteBehaviour<M extends Message> {
  readonly kind: 'remote-behaviour';
  readonly name: string;
  readonly props: unknown;
  /** phantom: the protocol of the actor it builds */
  readonly _protocol?: (m: M) => void;
}

type ProtocolOfFactory<F> = F extends (props: never) => Behaviour<infer M> ? M : never;
type PropsOfFactory<F> = F extends (props: infer P) => unknown ? P : never;

/** Names a catalogue behaviour with its props, typed by the catalogue: spawn it with a placement. */
export function remote<C extends BehaviourCatalogue, K extends keyof C & string>(
  _catalogue: C | null,
  name: K,
  props: PropsOfFactory<C[K]>,
): RemoteBehaviour<ProtocolOfFactory<C[K]>> {
  return { kind: 'remote-behaviour', name, props };
}

export function isRemoteBehaviour(b: unknown): b is RemoteBehaviour<Message> {
  return typeof b === 'object' && b !== null && (b as { kind?: unknown }).kind === 'remote-behaviour';
}
