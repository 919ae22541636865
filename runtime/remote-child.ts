// The local stand-in for a child that runs on another thread. The parent supervises this proxy like any
// child: the proxy spawns the real actor on its thread when it starts, forwards every message to it, and
// watches it. When the remote actor fails or its thread dies, the proxy fails, so the PARENT's strategy
// decides; a restart spawns a fresh remote actor (on the restarted thread if it was the thread that died).
// Senders keep one ref throughout: messages sent meanwhile wait in the proxy's mailbox.
import type { Behaviour } from './behaviour.ts';
import { createError, fromErrorData } from './errors.ts';
import type { Message } from './message.ts';
import type { Placement, RemoteBehaviour } from './placement.ts';
import type { RemoteRef } from './remote-ref.ts';
import type { MailboxOptions } from './mailbox.ts';

export interface RemoteChildHost {
  addressFor(placement: Placement): Promise<string>;
  spawnRemote(address: string, behaviour: string, props: unknown, mailbox?: MailboxOptions): Promise<RemoteRef>;
  stopRemote(ref: RemoteRef): void;
  watchRemote(watcherPath: string, target: RemoteRef): void;
}

/** `mailbox` configures the REMOTE actor's mailbox (the proxy has the spawn's own mailbox options). */
export function remoteChild(host: RemoteChildHost, spec: RemoteBehaviour<Message>, placement: Placement, mailbox?: MailboxOptions): Behaviour<Message> {
  return (ctx) => {
    let remote: RemoteRef | null = null;
    return {
      async started() {
        const address = await host.addressFor(placement);
        remote = await host.spawnRemote(address, spec.name, spec.props, mailbox);
        host.watchRemote(ctx.path, remote);
      },
      receive(message) {
        remote!.tell(message);
      },
      terminated(event) {
        if (remote === null || event.path !== remote.path) return;
        remote = null;
        // the remote actor is gone: fail, so that the parent's supervision decides what happens next
        throw event.error ? fromErrorData(event.error) : createError('STRATA_ACTOR_FAILED', `remote actor ${event.path} stopped (${event.reason})`, { path: event.path });
      },
      stopping() {
        if (remote !== null) host.stopRemote(remote);
      },
      restarting() {
        if (remote !== null) host.stopRemote(remote);
      },
    };
  };
}
