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
