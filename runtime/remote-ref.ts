// A ref to an actor on another address (another thread now, another member later). Telling it hands an
// envelope to the transport, which batches per destination; when the address is down the message is dead.
import type { ActorRef } from './actor-ref.ts';
import { registerRefClass } from './codec.ts';
import type { Message, TellOutcome } from './message.ts';
import type { EnvelopeExtras } from './envelope.ts';

export interface RemoteTransport {
  /** queues a message for `path` at `address`; 'dead' when the address is known to be down */
  send(address: string, path: string, message: Message, extras?: EnvelopeExtras): TellOutcome;
}

export class RemoteRef implements ActorRef<Message> {
  readonly address: string;
  readonly path: string;
  readonly #transport: RemoteTransport;

  constructor(address: string, path: string, transport: RemoteTransport) {
    this.address = address;
    this.path = path;
    this.#transport = transport;
  }

  /** the network this ref routes through (threads, or the cluster) */
  get transport(): RemoteTransport {
    return this.#transport;
  }

  tell(message: Message): TellOutcome {
    return this.#transport.send(this.address, this.path, message);
  }

  /** Tells with envelope fields: `k` deduplication key, `n` attempt, `x` trace context, `pv` protocol
   *  version, `c` correlation id, `s` sender path (for at-least-once senders and tracing). */
  tellWith(message: Message, extras: EnvelopeExtras): TellOutcome {
    return this.#transport.send(this.address, this.path, message, extras);
  }

  offer(message: Message): TellOutcome {
    return this.tell(message);
  }
}

registerRefClass(RemoteRef);

/** A network for addresses beyond this process's threads (the cluster), plugged into a system with
 *  `system.attachExternalNetwork(network)`: refs to its addresses route through it, and deathwatch and ask
 *  failures on them go to it. */
export interface ExternalNetwork extends RemoteTransport {
  /** the actor at watcherPath (local) watches target; report its end through the hooks' deliverTerminated */
  watchRemote(watcherPath: string, target: RemoteRef): void;
  unwatchRemote(watcherPath: string, target: RemoteRef): void;
  /** tells the asker at replyTo's address that its ask failed */
  failRemoteAsk(replyTo: RemoteRef, error: import('./errors.ts').ErrorData): void;
}

/** What the system gives an external network in return. */
export interface ExternalNetworkHooks {
  /** the system's full ref resolver: local cells, thread refs, or refs routed through the external network */
  resolve(address: string, path: string): import('./actor-ref.ts').AnyActorRef;
  /** `watcherPath` may be qualified (`@t2.1/user/w`: a watcher on one of this process's threads); `from`
   *  is the address of the watched actor */
  deliverTerminated(watcherPath: string, event: import('./message.ts').Terminated, from?: string): void;
  /** `tempPath` may be qualified (an ask from one of this process's threads) */
  failAsk(tempPath: string, error: import('./errors.ts').ErrorData): void;
  /** runs the system's actors that have work now (after a network delivered a batch read from a socket) */
  runActorsNow(): void;
}
