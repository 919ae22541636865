// Starts job-process.ts as a real child process on a journal folder and collects what it reports over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import type { JobProcessConfig } from './job-process.ts';

const script = new URL('./job-process.ts', import.meta.url).pathname;

export interface ProcEvent { readonly ev: string; readonly [k: string]: unknown }

export class JobProc {
  readonly child: ChildProcess;
  readonly events: ProcEvent[] = [];
  exited: Promise<number | string>;

  constructor(config: JobProcessConfig) {
    this.child = fork(script, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    this.child.on('message', (m) => { this.events.push(m as ProcEvent); });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  }

  count(pred: (e: ProcEvent) => boolean): number {
    return this.events.filter(pred).length;
  }

  finished(): ProcEvent | undefined {
    return this.events.find((e) => e.ev === 'finished');
  }

  kill9(): Promise<number | string> {
    this.child.kill('SIGKILL');
    return this.exited;
  }
}

export async function until(fn: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A small deterministic generator for the random kill points (the seed is printed on failure). */
export function seededPoints(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

/** runner-member-process.ts's configuration */
export interface RunnerMemberConfig {
  readonly cluster: string;
  readonly secret: string;
  readonly seeds: string[];
  readonly universe: { readonly nStrategies: number; readonly nDays: number; readonly seed: number };
  readonly checkpointGenerations: number;
  /** offer the runner under RUNNER_SERVICE_KEY in the member's cluster receptionist (runners found through the receptionist) */
  readonly register?: boolean;
}

/** Starts runner-member-process.ts as a real cluster member; `children` collects it for the test's cleanup. */
export function startRunnerMember(config: RunnerMemberConfig, children: ChildProcess[]): Promise<{ child: ChildProcess; id: string; path: string }> {
  const child = fork(new URL('./runner-member-process.ts', import.meta.url).pathname, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  children.push(child);
  return new Promise((resolve) => child.on('message', (m) => {
    const msg = m as { ev: string; id: string; path: string };
    if (msg.ev === 'ready') resolve({ child, id: msg.id, path: msg.path });
  }));
}

export const FAST_MEMBERSHIP = {
  heartbeatIntervalMs: 200, phi: { acceptableHeartbeatPauseMs: 1_000 }, stableAfterMs: 500, seedTimeoutMs: 300,
  reconnectBackoff: { minMs: 50, maxMs: 500, factor: 2, jitter: 0.2 },
} as const;


/** scheduler-member-process.ts's configuration */
export interface SchedulerMemberConfig {
  readonly cluster: string;
  readonly secret: string;
  readonly seeds: string[];
  readonly dir: string;
  readonly universe: { readonly nStrategies: number; readonly nDays: number; readonly seed: number };
  readonly checkpointGenerations: number;
}

/** A scheduler member process with request/reply over IPC. */
export class SchedulerMemberProc {
  readonly child: import('node:child_process').ChildProcess;
  readonly events: ProcEvent[] = [];
  id = '';
  port = 0;
  #req = 1;
  readonly #waiting = new Map<number, (r: Record<string, unknown>) => void>();

  constructor(config: SchedulerMemberConfig) {
    this.child = fork(new URL('./scheduler-member-process.ts', import.meta.url).pathname, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    this.child.on('message', (raw) => {
      const m = raw as ProcEvent;
      this.events.push(m);
      if (m.ev === 'ready') { this.id = m['id'] as string; this.port = m['port'] as number; }
      if (m.ev === 'reply') { const fn = this.#waiting.get(m['req'] as number); this.#waiting.delete(m['req'] as number); fn?.(m); }
    });
  }

  async ready(): Promise<this> {
    await until(() => this.id !== '', 'member ready', 20_000);
    return this;
  }

  request(cmd: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const req = this.#req++;
    return new Promise((resolve) => {
      this.#waiting.set(req, resolve);
      this.child.send({ cmd, req, ...body });
    });
  }
}
