// A ref to an actor on another address (another thread now, another member later). Telling it hands an
// envelope to the transport, which batches per destination; when the address is down the message is dead.
import type { ActorRef } from './actor-ref.ts';
import { registerRefClass } from './codec.ts';
import type { Message, TellOutcome } from './message.ts';

export interface RemoteTransport {
  /** queues a message for `path` at `address`; 'dead' when the address is known to be down */
  send(address: string, path: string, message: Message): TellOutcome;
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

  offer(message: Message): TellOutcome {
    return this.tell(message);
  }
}

registerRefClass(RemoteRef);
