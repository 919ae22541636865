// A real cluster member in its own process, driven by the test over IPC: it reports its membership view,
// singleton starts and stops, and its own shutdown; it obeys commands to spawn, ask, watch, find, leave and
// to block endpoints (the partition fault injection). Usage: node member-process.ts '<json config>'.
import { pino } from 'pino';
import type { ActorRef } from '../../runtime/actor-ref.ts';
import type { Behaviour } from '../../runtime/behaviour.ts';
import { serviceKey } from '../../runtime/receptionist.ts';
import { RemoteRef } from '../../runtime/remote-ref.ts';
import { createClusterMember, type ClusterMemberOptions } from '../../cluster/remote/index.ts';

export interface MemberConfig {
  readonly cluster: string;
  readonly secret: string;
  /** the address to listen on (the transport's `host`; default 127.0.0.1) */
  readonly host?: string;
  readonly port?: number;
  readonly seeds: string[];
  readonly incarnation?: number;
  readonly heartbeatIntervalMs?: number;
  readonly acceptableHeartbeatPauseMs?: number;
  readonly stableAfterMs?: number;
  readonly seedTimeoutMs?: number;
  readonly joinTimeoutMs?: number;
  readonly singleton?: boolean;
  readonly logLevel?: string;
  readonly maxHandshakeFailures?: number;
}

type Echo = { type: 'echo'; text: string; replyTo: ActorRef<EchoReply> };
type EchoReply = { type: 'echo.reply'; text: string; member: string };

const config = JSON.parse(process.argv[2] ?? '{}') as MemberConfig;
const send = (m: unknown) => process.send?.(m);
let selfId = '';

const echo = (): Behaviour<Echo> => () => ({ receive: (m) => void m.replyTo.tell({ type: 'echo.reply', text: m.text, member: selfId }) });
const echoKey = serviceKey<Echo>('echo');

const options: ClusterMemberOptions = {
  cluster: config.cluster,
  secret: config.secret,
  ...(config.host !== undefined ? { host: config.host } : {}),
  port: config.port ?? 0,
  ...(config.incarnation !== undefined ? { incarnation: config.incarnation } : {}),
  seeds: config.seeds,
  logger: pino({ level: config.logLevel ?? 'silent' }),
  ...(config.maxHandshakeFailures !== undefined ? { failureLimits: { maxFailures: config.maxHandshakeFailures, windowMs: 10_000, blockMs: 30_000 } } : {}),
  reconnectBackoff: { minMs: 50, maxMs: 500, factor: 2, jitter: 0.2 },
  ...(config.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: config.heartbeatIntervalMs } : {}),
  ...(config.acceptableHeartbeatPauseMs !== undefined ? { phi: { acceptableHeartbeatPauseMs: config.acceptableHeartbeatPauseMs } } : {}),
  ...(config.stableAfterMs !== undefined ? { stableAfterMs: config.stableAfterMs } : {}),
  ...(config.seedTimeoutMs !== undefined ? { seedTimeoutMs: config.seedTimeoutMs } : {}),
  ...(config.joinTimeoutMs !== undefined ? { joinTimeoutMs: config.joinTimeoutMs } : {}),
  behaviours: { echo } as unknown as ClusterMemberOptions['behaviours'] & object,
  onStopped: (reason, code) => {
    send({ ev: 'stopped', reason, code });
    setTimeout(() => process.exit(0), 50);
  },
};

let member: Awaited<ReturnType<typeof createClusterMember>>;
try {
  member = await createClusterMember(options);
} catch (err) {
  if (!process.send) process.stderr.write(`member failed: ${(err as Error).message}\n`);
  send({ ev: 'failed', code: (err as { code?: string }).code, message: (err as Error).message });
  setTimeout(() => process.exit(3), 50);
  await new Promise(() => {});
}
selfId = member!.id;
const m = member!;

const reportMembers = () => send({ ev: 'members', members: m.membership.members(), leader: m.membership.leader, at: Date.now() });
m.membership.subscribe(reportMembers);
const local = m.system.spawn(echo(), { name: 'echo' });
m.receptionist.register(echoKey, local);
if (config.singleton) {
  m.singleton('ticker', () => () => ({ receive: () => {} }), (e) => send({ ev: 'singleton', ...e, at: Date.now() }));
}

process.on('message', async (raw) => {
  const c = raw as { cmd: string; req?: number; [k: string]: unknown };
  const reply = (body: Record<string, unknown>) => send({ ev: 'reply', req: c.req, ...body });
  try {
    switch (c.cmd) {
      case 'block':
        m.transport.setBlocked(c['endpoints'] as string[]);
        return reply({});
      case 'leave':
        m.leave();
        return reply({});
      case 'spawn': {
        const ref = await m.spawnRemote(c['member'] as string, c['behaviour'] as string, c['props'] ?? null, c['name'] ? { name: c['name'] as string } : {});
        return reply({ address: ref.address, path: ref.path });
      }
      case 'ask': {
        const target = m.refFor<Echo>(c['member'] as string, c['path'] as string);
        const r = await m.system.ask<Echo, EchoReply>(target, (replyTo) => ({ type: 'echo', text: c['text'] as string, replyTo }), { timeoutMs: (c['timeoutMs'] as number) ?? 5_000 });
        return reply({ reply: r });
      }
      case 'ask-service': {
        const refs = m.receptionist.find(echoKey);
        const out = [];
        for (const ref of refs) out.push(await m.system.ask<Echo, EchoReply>(ref, (replyTo) => ({ type: 'echo', text: 'svc', replyTo }), { timeoutMs: 5_000 }));
        return reply({ members: out.map((r) => r.member).sort() });
      }
      case 'watch': {
        const ref = m.refFor(c['member'] as string, c['path'] as string);
        m.watch(ref, (e) => send({ ev: 'terminated', path: e.path, reason: e.reason, code: e.error?.code, at: Date.now(), remote: ref instanceof RemoteRef }));
        return reply({});
      }
      case 'actor-watch': {
        // an actor (not a callback) watches the remote ref: ctx.watch through the runtime's external-network hook
        const ref = m.refFor(c['member'] as string, c['path'] as string);
        m.system.spawn<{ type: 'noop' }>((ctx) => {
          ctx.watch(ref);
          return { receive: () => {}, terminated: (e) => void send({ ev: 'actor-terminated', path: e.path, reason: e.reason, code: e.error?.code, watcher: ctx.path }) };
        });
        return reply({});
      }
      case 'stop-remote': {
        m.network.stopRemote(m.refFor(c['member'] as string, c['path'] as string) as unknown as RemoteRef);
        return reply({});
      }
      case 'stats':
        return reply({ transport: m.transport.stats(), network: m.network.stats() });
      case 'members':
        return reply({ members: m.membership.members(), leader: m.membership.leader });
      default:
        return reply({ error: { code: 'UNKNOWN_COMMAND', message: c.cmd } });
    }
  } catch (err) {
    reply({ error: { code: (err as { code?: string }).code, message: (err as Error).message } });
  }
});

send({ ev: 'ready', id: m.id, port: m.transport.port });
reportMembers();
