// Cluster members as the API and consoles show them: the membership view of a clustered daemon, or this one
// process alone when it runs standalone (`strata up`).
import type { ClusterMember } from '../remote/index.ts';
import type { MemberEvent, MemberView, MembersService, Unsubscribe } from './services.ts';

/** This process alone; its id is read when listed (the API's address is known only once it listens). */
export function standaloneMembers(id: () => string): MembersService {
  const self = (): MemberView => ({ id: id(), status: 'up', reachable: true, self: true, leader: true, upNumber: 1 });
  return { clustered: false, list: () => [self()], onEvent: (): Unsubscribe => () => {} };
}

export function clusterMembers(member: ClusterMember): MembersService {
  const m = member.membership;
  const view = (v: { id: string; state: string; status: string; upNumber: number }): MemberView => ({
    id: v.id, status: v.status, reachable: v.state !== 'unreachable', self: v.id === m.self, leader: v.id === m.leader, upNumber: v.upNumber,
  });
  return {
    clustered: true,
    list: () => m.members().map(view).sort((a, b) => a.id.localeCompare(b.id)),
    onEvent(fn: (e: MemberEvent) => void): Unsubscribe {
      return m.subscribe((e) => { if (e.type === 'member.changed') fn({ type: 'member.changed', member: view(e.member) }); });
    },
  };
}
