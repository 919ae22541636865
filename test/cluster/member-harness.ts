// Starts member-process.ts as a real child process and talks to it over IPC: requests with replies, the
// latest membership view it reported, and every event it sent. With `{ netns }` the process runs inside that
// Linux network namespace (`ip netns exec` execs node in place, so the child is node itself and the IPC
// channel passes through).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import type { MemberConfig } from './member-process.ts';
import { eventually } from './support.ts';

const script = new URL('./member-process.ts', import.meta.url).pathname;

export interface MemberInfo {
  id: string;
  state: string;
  status: string;
  upNumber: number;
}

export interface StartOptions {
  /** run the member in this network namespace (needs root and iproute2) */
  readonly netns?: string;
}

export class MemberProc {
  readonly child: ChildProcess;
  id = '';
  port = 0;
  readonly host: string;
  members: MemberInfo[] = [];
  leader: string | null = null;
  readonly events: { ev: string; [k: string]: unknown }[] = [];
  exited: number | null | 'signal' = null;
  #req = 1;
  readonly #waiting = new Map<number, (r: Record<string, unknown>) => void>();

  constructor(config: MemberConfig, options: StartOptions = {}) {
    this.host = config.host ?? '127.0.0.1';
    this.child = options.netns === undefined
      ? fork(script, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] })
      : spawn('ip', ['netns', 'exec', options.netns, process.execPath, script, JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (raw) => {
      const m = raw as { ev: string; [k: string]: unknown };
      this.events.push(m);
      if (m.ev === 'ready') {
        this.id = m['id'] as string;
        this.port = m['port'] as number;
      } else if (m.ev === 'members') {
        this.members = m['members'] as MemberInfo[];
        this.leader = m['leader'] as string | null;
      } else if (m.ev === 'reply') {
        const fn = this.#waiting.get(m['req'] as number);
        this.#waiting.delete(m['req'] as number);
        fn?.(m);
      }
    });
    this.child.on('exit', (code, signal) => {
      this.exited = signal ? 'signal' : code;
    });
  }

  static async start(config: MemberConfig, options: StartOptions = {}): Promise<MemberProc> {
    const p = new MemberProc(config, options);
    await eventually(() => p.id !== '' || p.events.some((e) => e.ev === 'failed') || p.exited !== null, 'member process ready', 20_000);
    return p;
  }

  get endpoint(): string {
    return `${this.host}:${this.port}`;
  }

  request(cmd: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const req = this.#req++;
    if (this.exited !== null || !this.child.connected) return Promise.resolve({ error: { code: 'EXITED', message: `member ${this.id} has exited` } });
    return new Promise((resolve) => {
      this.#waiting.set(req, resolve);
      this.child.send({ cmd, req, ...body });
    });
  }

  stateOf(id: string): string | undefined {
    return this.members.find((m) => m.id === id)?.state;
  }

  /** Waits until this member sees exactly `ids` as up. */
  async seesUp(ids: string[], what: string, timeoutMs = 15_000): Promise<void> {
    await eventually(() => ids.every((id) => this.stateOf(id) === 'up'), `${what} (${this.id} sees ${ids.length} up; sees ${JSON.stringify(this.members.map((m) => [m.id, m.state]))})`, timeoutMs);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.exited !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGKILL');
    await exited;
  }
}
