// The ref a path resolves to when nothing lives there: every message goes to dead letters.
import type { ActorRef } from './actor-ref.ts';
import { registerRefClass } from './codec.ts';
import type { DeadLetters } from './dead-letters.ts';
import type { Message, TellOutcome } from './message.ts';

export class DeadRef implements ActorRef<Message> {
  readonly address: string;
  readonly path: string;
  readonly #deadLetters: DeadLetters;

  constructor(address: string, path: string, deadLetters: DeadLetters) {
    this.address = address;
    this.path = path;
    this.#deadLetters = deadLetters;
  }

  tell(message: Message): TellOutcome {
    this.#deadLetters.publish(this.path, message, 'stopped');
    return 'dead';
  }

  offer(message: Message): TellOutcome {
    return this.tell(message);
  }
}

registerRefClass(DeadRef);
