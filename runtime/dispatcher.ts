// Runs actors: a ring of actors with work, drained in a microtask. Each actor processes up to `throughput`
// messages per turn (fairness); after `turnBudget` messages the loop yields to the event loop with
// setImmediate so timers and I/O are never starved by actors messaging each other forever.
import { RingQueue } from './ring-queue.ts';

export interface Runnable {
  /** processes system messages then up to `budget` user messages; returns true if it has more to do */
  run(budget: number): boolean;
}

export class Dispatcher {
  readonly #queue = new RingQueue<Runnable>(1024);
  readonly #throughput: number;
  readonly #turnBudget: number;
  #pending = false;
  /** a turn is running (runNow inside one does nothing) */
  #running = false;
  readonly #drain = (): void => this.#run();

  constructor(throughput = 64, turnBudget = 200_000) {
    this.#throughput = throughput;
    this.#turnBudget = turnBudget;
  }

  /** The caller guarantees a runnable is queued at most once (its `scheduled` flag). */
  schedule(r: Runnable): void {
    this.#queue.push(r);
    if (!this.#pending) {
      this.#pending = true;
      queueMicrotask(this.#drain);
    }
  }

  get queued(): number {
    return this.#queue.size;
  }

  /**
   * Runs the actors with work now instead of in the microtask queued for them. For a network that has just
   * delivered a batch read from a socket: the actors' answers then go out before Node unwinds the read (the
   * socket and stream callbacks, their nextTicks). The microtask still runs and finds nothing left. Never
   * nested: inside a turn it does nothing.
   */
  runNow(): void {
    if (this.#running || this.#queue.size === 0) return;
    this.#run();
  }

  #run(): void {
    if (this.#running) return;
    this.#running = true;
    try {
      this.#runTurn();
    } finally {
      this.#running = false;
    }
  }

  #runTurn(): void {
    const q = this.#queue;
    const throughput = this.#throughput;
    let spent = 0;
    while (spent < this.#turnBudget) {
      const r = q.shift();
      if (r === undefined) {
        this.#pending = false;
        return;
      }
      if (r.run(throughput)) q.push(r);
      spent += throughput;
    }
    // Still work to do: let the event loop breathe, then carry on.
    setImmediate(this.#drain);
  }
}
