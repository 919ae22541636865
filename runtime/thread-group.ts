// The worker threads of a system. Each thread is kept by an actor under /system/threads, so a thread's
// death is an actor failure: supervision restarts it (with backoff and a budget) as a new incarnation with
// a new address (t1.1 → t1.2), and every watcher of an actor that lived there is told at once.
import { MessageChannel, Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import type { ActorRef } from './actor-ref.ts';
import type { Message } from './message.ts';
import type { Behaviour, SpawnOptions } from './behaviour.ts';
import { createError } from './errors.ts';
import type { Placement } from './placement.ts';
import type { StrategyOptions } from './supervision.ts';
import type { ThreadNetwork } from './thread-network.ts';
import type { EnvelopeLimits } from './envelope.ts';

export interface ThreadsOptions {
  /** number of worker threads, >= 1 */
  readonly count: number;
  /** module URL (file:) exporting `behaviours = defineBehaviours({...})`, imported by every thread */
  readonly behaviours: string | URL;
  readonly resourceLimits?: ResourceLimits;
  /** how dead threads are restarted (default: restart, 5 within 60 s, backoff 100 ms – 5 s) */
  readonly supervision?: StrategyOptions;
  /** how long to wait for a thread to come up before its start counts as a failure */
  readonly startTimeoutMs?: number;
}

export interface WorkerData {
  readonly address: string;
  readonly systemName: string;
  readonly behaviours: string;
  readonly control: MessagePort;
  /** the bulk lane: envelope batches */
  readonly bulk: MessagePort;
  readonly limits: Partial<EnvelopeLimits>;
  readonly codecCheck: boolean;
}

/** What the group needs from its system. */
export interface ThreadGroupHost {
  readonly name: string;
  spawnSystem<M extends Message>(behaviour: Behaviour<M>, options?: SpawnOptions): ActorRef<M>;
}

type KeeperMsg = { type: 'thread.exited'; code: number; error: string };

const HOST_URL = new URL('./thread-host.ts', import.meta.url);

export class ThreadGroup {
  readonly #system: ThreadGroupHost;
  readonly #network: ThreadNetwork;
  readonly #options: ThreadsOptions;
  readonly #addresses: (string | null)[];
  readonly #waiters: ((address: string) => void)[][];
  readonly #placed: number[];
  readonly #workers = new Set<Worker>();
  readonly #bulkLanes = new Map<string, MessagePort>();
  /** per worker: settles once it is ready or has exited (it is no longer loading modules) */
  readonly #booted = new Map<Worker, Promise<void>>();
  /** terminations under way (a keeper that stops or restarts terminates its worker without waiting) */
  readonly #ending = new Set<Promise<void>>();
  #closing = false;

  constructor(system: ThreadGroupHost, network: ThreadNetwork, options: ThreadsOptions, limits: Partial<EnvelopeLimits>, codecCheck: boolean) {
    if (!Number.isInteger(options.count) || options.count < 1) {
      throw createError('STRATA_INVALID_OPTION', `threads.count must be a whole number >= 1, got ${options.count}`, { count: options.count });
    }
    this.#system = system;
    this.#network = network;
    this.#options = options;
    this.#addresses = Array.from({ length: options.count }, () => null);
    this.#waiters = Array.from({ length: options.count }, () => []);
    this.#placed = Array.from({ length: options.count }, () => 0);
    const supervision: StrategyOptions = { maxRestarts: 5, withinMs: 60_000, backoff: { minMs: 100, maxMs: 5_000 }, ...options.supervision };
    const group = this;
    const threads = system.spawnSystem<{ type: 'noop' }>((ctx) => {
      for (let i = 1; i <= options.count; i++) ctx.spawn(group.#keeper(i, limits, codecCheck), { name: `t${i}` });
      return { receive: () => {} };
    }, { name: 'threads', supervision });
    void threads;
  }

  /** The current address of a thread, waiting while it (re)starts. */
  addressFor(placement: Placement): Promise<string> {
    let index: number;
    if (placement === 'any') {
      index = this.#placed.indexOf(Math.min(...this.#placed));
    } else {
      index = placement.thread - 1;
      if (!Number.isInteger(placement.thread) || index < 0 || index >= this.#addresses.length) {
        return Promise.reject(createError('STRATA_INVALID_PLACEMENT', `placement thread ${placement.thread} does not exist (threads 1..${this.#addresses.length})`, { thread: placement.thread }));
      }
    }
    this.#placed[index]!++;
    const address = this.#addresses[index];
    if (address) return Promise.resolve(address);
    return new Promise((resolve) => this.#waiters[index]!.push(resolve));
  }

  get count(): number {
    return this.#addresses.length;
  }

  /** Addresses of the running threads, index 0 = thread 1 (null while restarting). */
  addresses(): readonly (string | null)[] {
    return [...this.#addresses];
  }

  /** The Worker objects, for tests and the console (e.g. to terminate one on purpose). */
  workers(): readonly Worker[] {
    return [...this.#workers];
  }

  /** The main side of a running thread's bulk lane (envelope batches), for tests and diagnostics that
   *  must put bytes on the lane itself: what arrives there is decoded as strictly as any batch. */
  bulkLane(address: string): MessagePort | undefined {
    return this.#bulkLanes.get(address);
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all([...[...this.#workers].map((w) => this.#terminate(w)), ...this.#ending]);
    this.#workers.clear();
  }

  /**
   * Terminates a worker, but never while it is still starting: ending an isolate while a native addon's module
   * initialisation runs in it (a module the behaviours import) aborts the whole process (seen with ws's
   * bufferutil: `Init: Assertion status == napi_ok failed`). A starting thread is let finish (ready or exit),
   * within the start timeout, and terminated then.
   */
  #terminate(w: Worker): Promise<void> {
    const booted = this.#booted.get(w);
    const ending = (async () => {
      if (booted) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([booted, new Promise<void>((r) => { timer = setTimeout(r, this.#options.startTimeoutMs ?? 10_000); })]);
        clearTimeout(timer);
      }
      await w.terminate();
    })();
    this.#ending.add(ending);
    const done = (): void => { this.#ending.delete(ending); };
    void ending.then(done, done);
    return ending;
  }

  #keeper(index: number, limits: Partial<EnvelopeLimits>, codecCheck: boolean): Behaviour<KeeperMsg> {
    let incarnation = 0;
    return (ctx) => {
      let worker: Worker | null = null;
      let address = '';
      let exited = false;
      const release = () => {
        this.#addresses[index - 1] = null;
        if (worker) {
          this.#workers.delete(worker);
          if (!exited) void this.#terminate(worker);
        }
      };
      return {
        started: () =>
          new Promise<void>((resolve, reject) => {
            address = `t${index}.${++incarnation}`;
            const control = new MessageChannel();
            // the bulk lane is a channel of its own rather than the Worker object: posting through a Worker
            // goes through its public port and re-emits each message on the Worker, a few µs per hop
            const bulk = new MessageChannel();
            const data: WorkerData = {
              address,
              systemName: this.#system.name,
              behaviours: String(this.#options.behaviours),
              control: control.port2,
              bulk: bulk.port2,
              limits,
              codecCheck,
            };
            const w = new Worker(HOST_URL, {
              workerData: data,
              transferList: [control.port2, bulk.port2],
              ...(this.#options.resourceLimits ? { resourceLimits: this.#options.resourceLimits } : {}),
            });
            worker = w;
            this.#workers.add(w);
            let booted!: () => void;
            this.#booted.set(w, new Promise<void>((r) => { booted = r; }));
            let ready = false;
            let lastError = '';
            const timer = setTimeout(() => {
              if (!ready) reject(createError('STRATA_THREAD_DIED', `thread ${address} did not come up within ${this.#options.startTimeoutMs ?? 10_000} ms`, { address }));
            }, this.#options.startTimeoutMs ?? 10_000);
            control.port1.on('message', (m: { op?: string }) => {
              if (m?.op !== 'ready' || ready) return;
              ready = true;
              booted();
              this.#booted.delete(w);
              clearTimeout(timer);
              this.#network.attach(address, bulk.port1 as never, control.port1 as never);
              this.#bulkLanes.set(address, bulk.port1);
              this.#addresses[index - 1] = address;
              for (const wake of this.#waiters[index - 1]!.splice(0)) wake(address);
              resolve();
            });
            w.on('error', (err) => {
              lastError = err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err);
            });
            w.on('exit', (code) => {
              exited = true;
              booted();
              this.#booted.delete(w);
              clearTimeout(timer);
              control.port1.close();
              bulk.port1.close();
              this.#bulkLanes.delete(address);
              this.#workers.delete(w);
              if (this.#closing) return;
              const reason = lastError || `exit code ${code}`;
              // noticed at once: the address goes down now, not when the keeper's mailbox gets to it
              this.#addresses[index - 1] = null;
              this.#network.detach(address, createError('STRATA_THREAD_DIED', `thread ${address} died (${reason})`, { address, code }).toData());
              if (!ready) reject(createError('STRATA_THREAD_DIED', `thread ${address} exited while starting (${reason})`, { address, code }));
              else ctx.self.tell({ type: 'thread.exited', code, error: reason });
            });
          }),
        receive: (m) => {
          throw createError('STRATA_THREAD_DIED', `thread ${address} died (${m.error})`, { address, code: m.code });
        },
        restarting: release,
        stopping: release,
      };
    };
  }
}

