// Downing by keep-majority, decided separately from suspicion: once the set of unreachable members has been
// stable for the stable window, the side that still sees a majority of the up/leaving members downs the
// others, and a side that sees a minority downs itself, so two sides of a partition never both go on. On an
// exact half, the side holding the lowest member id stays. Pure: a function of the view.
import { isGone, type GossipState } from './gossip-state.ts';

export type DowningDecision =
  | { readonly kind: 'none' }
  /** this side keeps going: down these (unreachable) members */
  | { readonly kind: 'down-others'; readonly members: readonly string[] }
  /** this side is the minority: down ourselves */
  | { readonly kind: 'down-self' };

/** Whether `self`'s side holds a majority of the voting (up/leaving) members, by keep-majority. */
export function hasMajority(s: GossipState, self: string, unreachable: ReadonlySet<string>): boolean {
  const voting = Object.values(s.members).filter((m) => m.status === 'up' || m.status === 'leaving').map((m) => m.id).sort();
  if (voting.length === 0) return true;
  const reachable = voting.filter((id) => !unreachable.has(id) || id === self);
  if (reachable.length * 2 > voting.length) return true;
  if (reachable.length * 2 < voting.length) return false;
  return reachable.includes(voting[0]!);
}

export function keepMajority(s: GossipState, self: string, unreachable: ReadonlySet<string>): DowningDecision {
  const targets = [...unreachable].filter((id) => id !== self && s.members[id] !== undefined && !isGone(s.members[id]!.status)).sort();
  if (targets.length === 0) return { kind: 'none' };
  return hasMajority(s, self, unreachable) ? { kind: 'down-others', members: targets } : { kind: 'down-self' };
}
