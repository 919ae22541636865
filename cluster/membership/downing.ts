// Downing by keep-majority, decided separately from suspicion: once the reachability picture has been stable for
// the stable window, the side that still holds a majority of the up/leaving members downs the others, and a side
// that holds a minority downs itself, so two sides of a partition never both go on. On an exact half, the side
// holding the lowest member id stays. Pure: a function of the view.
//
// Reachability is per observer (Akka's rule). A member's side is what it observes itself, plus agreement: itself,
// and every live member that its own failure detector finds reachable and that does not report it unreachable.
// Other members' suspicion of a third member does not move that member off its side, and a member never counts
// itself unreachable. So a member that was cut off and gossips its (stale) suspicion of everybody after healing
// cannot make a member that still reaches a majority think it lost it: that member's own records put it on a
// side of one, which downs nobody but itself.
import { isGone, leaderOf, observedUnreachable, reportersOf, unreachableSet, type GossipState } from './gossip-state.ts';

export type DowningDecision =
  | { readonly kind: 'none' }
  /** this side keeps going: down these members (those not on it) */
  | { readonly kind: 'down-others'; readonly members: readonly string[] }
  /** this side is the minority: down ourselves */
  | { readonly kind: 'down-self' };

/** `self`'s side: itself and every live member it reaches both ways as far as it knows (its own failure detector
 *  finds the member reachable, and the member does not report `self` unreachable). */
export function sideOf(s: GossipState, self: string): Set<string> {
  const mine = observedUnreachable(s, self);
  const against = reportersOf(s, self);
  const side = new Set<string>();
  for (const m of Object.values(s.members)) {
    if (isGone(m.status)) continue;
    if (m.id === self || (!mine.has(m.id) && !against.has(m.id))) side.add(m.id);
  }
  return side;
}

/** Whether `self`'s side (`sideOf`) holds a majority of the voting (up/leaving) members, by keep-majority. */
export function hasMajority(s: GossipState, self: string): boolean {
  const voting = Object.values(s.members).filter((m) => m.status === 'up' || m.status === 'leaving').map((m) => m.id).sort();
  if (voting.length === 0) return true;
  const side = sideOf(s, self);
  const reachable = voting.filter((id) => side.has(id));
  if (reachable.length * 2 > voting.length) return true;
  if (reachable.length * 2 < voting.length) return false;
  return reachable.includes(voting[0]!);
}

/** The decision for `self` (acted on once the picture is stable; down-others by the leader only). */
export function keepMajority(s: GossipState, self: string): DowningDecision {
  const side = sideOf(s, self);
  const targets = Object.values(s.members).filter((m) => !isGone(m.status) && !side.has(m.id)).map((m) => m.id).sort();
  if (targets.length === 0) return { kind: 'none' };
  return hasMajority(s, self) ? { kind: 'down-others', members: targets } : { kind: 'down-self' };
}

/** The members that, as far as this view tells, could down `self` although `self` holds a majority itself: they
 *  report `self` unreachable, hold a majority by their own observations, and lead their side. That happens in an
 *  asymmetric cut (the link between `self` and such a member is down, a third member reaches both): the leader of
 *  the other majority downs `self` after the stable window, so a singleton on `self` must stop at once. A member
 *  that was cut off and still gossips its stale suspicion is not one of them: its own records show it alone. */
export function downableBy(s: GossipState, self: string): string[] {
  const out: string[] = [];
  for (const x of reportersOf(s, self)) {
    const m = s.members[x];
    if (m === undefined || x === self || (m.status !== 'up' && m.status !== 'leaving')) continue;
    if (leaderOf(s, unreachableSet(s, x)) === x && hasMajority(s, x)) out.push(x);
  }
  return out.sort();
}
