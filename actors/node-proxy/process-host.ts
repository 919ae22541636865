// Child-process entry of an embedded store node (`strata store-node`, or forked by a node-proxy so crash tests
// can kill -9 it): serves the node over the IPC channel (advanced serialization); exits when the parent goes.
import type { HostConfig } from './host-protocol.ts';
import { serveStoreNode } from './host-server.ts';

/** Serves a store node over this process's IPC channel until closed or until the parent disconnects. */
export async function serveOverIpc(config: HostConfig): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new Error('store-node host needs an IPC channel (fork it with serialization: "advanced")');
  process.on('disconnect', () => process.exit(0));
  await serveStoreNode(config, {
    send: (m) => { send(m); },
    onMessage: (h) => process.on('message', h),
  }, { transfer: false, onClosed: () => { process.disconnect?.(); } });
}

/** argv: --path FILE [--read-connections N] [--threads N] [--memory-limit-mb N] */
export function parseHostArgs(argv: readonly string[]): HostConfig {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const path = get('--path');
  if (!path) throw new Error('store-node host: --path FILE is required');
  const rc = get('--read-connections');
  const th = get('--threads');
  const ml = get('--memory-limit-mb');
  return { path, ...(rc ? { readConnections: Number(rc) } : {}), ...(th ? { threads: Number(th) } : {}), ...(ml ? { memoryLimitMb: Number(ml) } : {}) };
}

if (import.meta.main) await serveOverIpc(parseHostArgs(process.argv.slice(2)));
