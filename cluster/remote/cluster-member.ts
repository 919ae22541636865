// One member, composed: the transport, membership, the remote-actor network, the cluster receptionist and
// singletons, around an actor system whose address is this member's id. Until the runtime takes an external
// network (docs/cluster.md, "Runtime integration"), the system is driven through its public API only.
import type { Logger } from 'pino';
import type { ActorRef, AnyActorRef } from '../../runtime/actor-ref.ts';
import type { Behaviour } from '../../runtime/behaviour.ts';
import type { Message } from '../../runtime/message.ts';
import { RemoteRef, type ExternalNetworkHooks } from '../../runtime/remote-ref.ts';
import { createSystem, type ActorSystem, type SystemOptions } from '../../runtime/system.ts';
import { clusterError } from '../errors.ts';
import { Membership, type MembershipEvent, type MembershipOptions } from '../membership/membership.ts';
import { Transport, type TransportOptions } from '../transport/transport.ts';
import { ClusterNetwork } from './cluster-network.ts';
import { ClusterReceptionist } from './cluster-receptionist.ts';
import { ClusterSingleton, type SingletonEvent } from './cluster-singleton.ts';

/** Behaviours other members may spawn here by name. */
export type BehaviourRegistry = Readonly<Record<string, (props: never) => Behaviour<never>>>;

export interface ClusterMemberOptions extends TransportOptions, Omit<MembershipOptions, 'now'> {
  readonly behaviours?: BehaviourRegistry;
  readonly system?: Omit<SystemOptions, 'address' | 'name' | 'logger'> & { readonly name?: string };
  /** called once when this member is out (downed or removed) and has shut itself down */
  readonly onStopped?: (reason: 'downed' | 'removed', code: string) => void;
}

export interface ClusterMember {
  readonly id: string;
  readonly system: ActorSystem;
  readonly transport: Transport;
  readonly membership: Membership;
  readonly network: ClusterNetwork;
  readonly receptionist: ClusterReceptionist;
  /** A ref to `path` on `member` (local ref when `member` is this one). */
  refFor<M extends Message>(member: string, path: string): ActorRef<M>;
  spawnRemote(member: string, behaviour: string, props: unknown, options?: { name?: string }): Promise<RemoteRef>;
  watch(ref: AnyActorRef, fn: (e: import('../../runtime/message.ts').Terminated) => void): () => void;
  singleton<M extends Message>(name: string, factory: (epoch: number) => Behaviour<M>, onEvent?: (e: SingletonEvent) => void): ClusterSingleton<M>;
  leave(): void;
  /** Stops everything (transport, membership, system) without leaving: the others will see it vanish. */
  shutdown(): Promise<void>;
}

export async function createClusterMember(options: ClusterMemberOptions): Promise<ClusterMember> {
  const transport = new Transport(options);
  const logger: Logger = transport.logger;
  let network!: ClusterNetwork;
  let membership!: Membership;
  let receptionist!: ClusterReceptionist;
  const pendingControl: [string, import('../transport/transport.ts').ControlMessage][] = [];
  const id = await transport.listen({
    bulk: (from, bytes) => network?.receiveBulk(from, bytes),
    control: (from, m) => {
      if (membership === undefined) return void pendingControl.push([from, m]);
      if (membership.handle(from, m)) return;
      if (receptionist.handle(from, m)) return;
      network.handle(from, m);
    },
    undeliverable: (target, e, error) => network?.undeliverable(target, e, error),
  });
  const system = createSystem({ ...options.system, name: options.system?.name ?? options.cluster, address: id, logger });
  // filled in once the network is attached: the system's resolver, termination delivery and ask failure
  let hooks: ExternalNetworkHooks | null = null;
  const behaviours = options.behaviours ?? {};
  network = new ClusterNetwork(
    {
      address: id,
      logger,
      deadLetters: system.deadLetters,
      resolveLocal: (path) => system.resolve(path),
      resolveRef: (address, path) => (hooks ? hooks.resolve(address, path) : system.resolve(path)),
      failAsk: (path, error) => hooks?.failAsk(path, error),
      runActorsNow: () => hooks?.runActorsNow(),
      deliverTerminated: (watcher, event, from) => hooks?.deliverTerminated(watcher, event, from),
      watchLocal: (ref, fn) => system.watch(ref, fn),
      spawnByName: (behaviour, props, name) => {
        const factory = Object.hasOwn(behaviours, behaviour) ? behaviours[behaviour] : undefined;
        if (factory === undefined) throw clusterError('STRATA_CLUSTER_UNKNOWN_BEHAVIOUR', `behaviour ${JSON.stringify(behaviour)} is not registered on member ${id} (registered: ${Object.keys(behaviours).join(', ') || 'none'})`, { behaviour, member: id });
        return system.spawn((factory as unknown as (p: unknown) => Behaviour<Message>)(props), name ? { name } : {});
      },
      stopLocal: (ref) => system.stop(ref),
    },
    transport,
  );
  hooks = system.attachExternalNetwork(network);
  membership = new Membership(transport, options);
  const livePeers = () => Object.values(membership.state.members).filter((m) => m.id !== id && (m.status === 'up' || m.status === 'joining' || m.status === 'leaving')).map((m) => m.id);
  receptionist = new ClusterReceptionist({
    self: id,
    peers: livePeers,
    sendControl: (to, m) => transport.sendControl(to, m),
    watchLocal: (ref, fn) => system.watch(ref, fn),
    resolve: (member, path) => network.resolve(member, path),
  });
  const singletons: ClusterSingleton<Message>[] = [];
  let stopped = false;
  const shutdown = async () => {
    if (stopped) return;
    stopped = true;
    clearInterval(rebroadcast);
    for (const s of singletons) s.stop();
    membership.stop();
    await transport.close();
    await system.terminate();
  };
  membership.subscribe((e: MembershipEvent) => {
    if (e.type === 'member.changed') {
      const { id: member, state } = e.member;
      if (member !== id && (state === 'down' || state === 'removed')) {
        network.memberDown(member, state);
        receptionist.memberGone(member);
      }
      if (member !== id && e.previous === null && state !== 'down' && state !== 'removed') receptionist.broadcast(member);
    } else if (e.type === 'self.stopped') {
      void shutdown().then(() => options.onStopped?.(e.reason, e.code));
    }
  });
  const rebroadcast = setInterval(() => receptionist.broadcast(), 1_000);
  rebroadcast.unref?.();
  try {
    await membership.start();
  } catch (err) {
    await shutdown();
    throw err;
  }
  for (const [from, m] of pendingControl.splice(0)) if (!membership.handle(from, m) && !receptionist.handle(from, m)) network.handle(from, m);

  return {
    id,
    system,
    transport,
    membership,
    network,
    receptionist,
    refFor: <M extends Message>(member: string, path: string) => network.resolve(member, path) as ActorRef<M>,
    spawnRemote: (member, behaviour, props, o) => network.spawnRemote(member, behaviour, props, o),
    watch: (ref, fn) => (ref instanceof RemoteRef ? network.watch(ref, fn) : system.watch(ref, fn)),
    singleton: <M extends Message>(name: string, factory: (epoch: number) => Behaviour<M>, onEvent?: (e: SingletonEvent) => void) => {
      const s = new ClusterSingleton<M>(
        name,
        factory,
        membership,
        {
          spawn: (b, n) => system.spawn(b, { name: n }),
          stop: (ref) => system.stop(ref),
          resolve: (member, path) => network.resolve(member, path),
        },
        onEvent,
      );
      singletons.push(s as unknown as ClusterSingleton<Message>);
      return s;
    },
    leave: () => membership.leave(),
    shutdown,
  };
}
