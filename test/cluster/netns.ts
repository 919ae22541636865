// Real network partitions for the cluster tests, made with Linux network namespaces: a hub namespace holds a
// bridge, and every member gets its own namespace joined to the bridge by a veth pair. Cutting a member sets
// its hub-side veth down, so the kernel drops every packet to and from it, both ways, for every peer; healing
// sets it up again. Needs root and `ip netns` (iproute2); `netnsAvailable()` says why not otherwise.
import { execFileSync } from 'node:child_process';

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
}

/** true when namespaces can be made here, otherwise the reason they cannot. */
export function netnsAvailable(): true | string {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'network namespaces need root (not running as uid 0)';
  const probe = `stprobe${process.pid % 100_000}`;
  try {
    ip(['netns', 'add', probe]);
  } catch (err) {
    return `\`ip netns add\` does not work here: ${firstLine(err)}`;
  }
  try {
    ip(['netns', 'del', probe]);
  } catch (err) {
    return `\`ip netns del\` does not work here: ${firstLine(err)}`;
  }
  return true;
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string; code?: string };
  const text = (e.stderr && e.stderr.trim()) || e.message || String(err);
  return (e.code === 'ENOENT' ? 'the `ip` command (iproute2) is not installed' : text).split('\n')[0]!;
}

export interface NetnsMember {
  /** the member's namespace */
  readonly ns: string;
  /** its address on the bridge's subnet */
  readonly host: string;
  /** its veth end in the hub namespace (what `cut` sets down) */
  readonly hubIf: string;
}

export interface Topology {
  readonly prefix: string;
  readonly hub: string;
  readonly members: Readonly<Record<string, NetnsMember>>;
  /** Cuts the member off from all others, both ways (its hub-side link goes down in the kernel). */
  cut(name: string): void;
  /** Undoes `cut`. */
  heal(name: string): void;
  /** Deletes every namespace of this topology (their veths go with them). Safe to call twice. */
  teardown(): void;
}

/** The namespaces of a prefix that exist now. */
function namespacesOf(prefix: string): string[] {
  return ip(['netns', 'list'])
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(prefix) && /^[a-z]$/.test(n.slice(prefix.length)));
}

function deleteNamespaces(prefix: string): void {
  for (const ns of namespacesOf(prefix)) {
    try {
      ip(['netns', 'del', ns]);
    } catch {
      // gone already
    }
  }
}

/**
 * Builds a hub with a bridge and one namespace per member name (single lower-case letters: 'a', 'b', ...),
 * each with an address 10.213.X.(10+i)/24 where X comes from the pid. Stale namespaces of the same prefix (a
 * crashed earlier run with the same pid) are removed first; on any failure everything made is removed again.
 */
export function createTopology(names: readonly string[]): Topology {
  const prefix = `st${process.pid % 100_000}`;
  const hub = `${prefix}h`;
  const octet = (process.pid % 250) + 1;
  if (names.some((n) => !/^[a-g]$/.test(n))) throw new Error(`member names must be single letters a-g, got ${JSON.stringify(names)}`);
  deleteNamespaces(prefix);
  const members: Record<string, NetnsMember> = {};
  try {
    ip(['netns', 'add', hub]);
    ip(['-n', hub, 'link', 'set', 'lo', 'up']);
    ip(['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', hub, 'link', 'set', 'br0', 'up']);
    names.forEach((name, i) => {
      const ns = `${prefix}${name}`;
      const hubIf = `${prefix}${name}`; // ≤ 8 characters; interface names are per namespace anyway
      const host = `10.213.${octet}.${10 + i}`;
      ip(['netns', 'add', ns]);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', hubIf, 'netns', hub]);
      ip(['-n', ns, 'addr', 'add', `${host}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', hub, 'link', 'set', hubIf, 'master', 'br0']);
      ip(['-n', hub, 'link', 'set', hubIf, 'up']);
      members[name] = { ns, host, hubIf };
    });
  } catch (err) {
    deleteNamespaces(prefix);
    throw new Error(`could not build the network namespaces: ${firstLine(err)}`);
  }
  const member = (name: string): NetnsMember => {
    const m = members[name];
    if (!m) throw new Error(`no member ${name} in this topology`);
    return m;
  };
  return {
    prefix,
    hub,
    members,
    cut: (name) => void ip(['-n', hub, 'link', 'set', member(name).hubIf, 'down']),
    heal: (name) => void ip(['-n', hub, 'link', 'set', member(name).hubIf, 'up']),
    teardown: () => deleteNamespaces(prefix),
  };
}
