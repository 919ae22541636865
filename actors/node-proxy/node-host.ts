// How a node-proxy reaches its store node: in-line (a StoreNode in this thread: HeavyDB clients, the daemon's
// embedded nodes below 8 cores), on a dedicated worker thread that owns the DuckDB file (the library's default),
// on one worker thread shared by the nodes hosted so (each on a MessagePort of its own), or in a child process
// that a test can kill -9. Every host offers the same numbered-call interface and reports its own death once.
import { fork, type ChildProcess } from 'node:child_process';
import { MessageChannel, Worker } from 'node:worker_threads';
import { EngineError } from '../../engine/engine-error.ts';
import { releaseDatabaseFilesOfThread, storeError, type StoreNode } from '../../engine/store/index.ts';
import { nodeProxyError } from './errors.ts';
import { decodeResultColumns, encodeBatchColumns } from './wire-columns.ts';
import { HOST_MEMORY_OP, isHostHello, toHostError, type HostConfig, type HostErrorData, type HostOp, type HostReply, type HostRequest } from './host-protocol.ts';

export type HostKind = 'inline' | 'thread' | 'shared-thread' | 'process';

export interface NodeHost {
  readonly hosting: HostKind;
  readonly kind: 'duckdb' | 'heavydb';
  readonly label: string;
  /** the hosting process (this one for inline and thread hosts) */
  readonly pid: number;
  /** the hosting worker thread, or null */
  readonly threadId: number | null;
  /** One StoreNode call (or `hostMemory`: the host's JS memory, null in-line); rejects with a coded EngineError.
   *  `deadlineMs` bounds the wait for the host itself. */
  call(op: HostOp, args: readonly unknown[], deadlineMs: number): Promise<unknown>;
  /** Runs once when the host dies (not after close()). */
  onExit(listener: (error: EngineError) => void): void;
  /** Closes the node and ends the thread/process. */
  close(): Promise<void>;
  /**
   * Ends the host abruptly, calls in flight unanswered: SIGKILL for a process; for a thread, exit as soon as no
   * DuckDB call runs natively in it (terminating it under one aborts the process); in-line: drop the node.
   */
  kill(): void;
}

export type HostSpec =
  | { readonly hosting: 'inline'; readonly open: () => Promise<StoreNode> }
  | { readonly hosting: 'thread' | 'shared-thread' | 'process'; readonly name: string; readonly config: HostConfig; readonly startTimeoutMs?: number };

const PROCESS_ENTRY = new URL('./process-host.ts', import.meta.url);
const THREAD_ENTRY = new URL('./thread-host.ts', import.meta.url);
const SHARED_THREAD_ENTRY = new URL('./shared-thread-host.ts', import.meta.url);

export function fromHostError(e: HostErrorData): EngineError {
  return new EngineError(e.code, e.retryable, e.message, e.data);
}

function asEngineError(e: unknown): EngineError {
  return e instanceof EngineError ? e : fromHostError(toHostError(e));
}

export async function startHost(spec: HostSpec): Promise<NodeHost> {
  if (spec.hosting === 'inline') return inlineHost(spec.open);
  if (spec.hosting === 'thread') return channelHost(spec, threadChannel(spec.config));
  return channelHost(spec, spec.hosting === 'shared-thread' ? sharedThreadChannel(spec.config) : processChannel(spec.config));
}

async function inlineHost(open: () => Promise<StoreNode>): Promise<NodeHost> {
  let node: StoreNode;
  let opened: StoreNode | null = null;
  try {
    node = opened = await open();
    await node.ensureSchema();
  } catch (e) {
    // a node opened whose schema step failed is closed: left open it would keep its file claimed, and every
    // restart of the host would be refused as "already open in this process"
    await opened?.close().catch(() => {});
    const err = asEngineError(e);
    throw nodeProxyError('STRATA_NODE_HOST_FAILED', `store node could not be opened: ${err.message}`, { cause: err.code });
  }
  const exitListeners: ((e: EngineError) => void)[] = [];
  let dead: EngineError | null = null;
  return {
    hosting: 'inline',
    kind: node.kind,
    label: node.label,
    pid: process.pid,
    threadId: null,
    async call(op, args) {
      if (dead) throw dead;
      if (op === HOST_MEMORY_OP) return null; // this thread's memory is the caller's own
      try {
        return await (node[op] as (...a: unknown[]) => Promise<unknown>).apply(node, args as unknown[]);
      } catch (e) {
        throw asEngineError(e);
      }
    },
    onExit(listener) { exitListeners.push(listener); },
    close: () => node.close(),
    kill() {
      if (dead) return;
      dead = nodeProxyError('STRATA_NODE_HOST_DIED', `store node ${node.label}: in-line node dropped`, { how: 'killed' });
      void node.close();
      for (const l of exitListeners) l(dead);
    },
  };
}

/** smaller typed arrays of an append's batch go to a thread cloned with the message, bigger ones as copies
 *  moved (encodeBatchColumns): a transfer costs more than copying a few KiB */
const MOVE_FROM_BYTES = 16 * 1024;

/** The transport under a thread or process host. */
interface Channel {
  readonly pid: number;
  readonly threadId: number | null;
  post(request: HostRequest, transfer: ArrayBuffer[]): void;
  onMessage(handler: (m: unknown) => void): void;
  /** exit code or signal name */
  onExit(handler: (how: string) => void): void;
  /** a crash for tests and drills (see NodeHost.kill) */
  kill(): void;
  /** the last resort when the host does not end by itself: worker.terminate() / SIGKILL */
  terminate(): void;
}

function threadChannel(config: HostConfig): Channel {
  const worker = new Worker(THREAD_ENTRY, { workerData: config });
  const threadId = worker.threadId;
  // A terminated worker cannot release its file claim itself; DuckDB closes the file with the isolate.
  worker.once('exit', () => releaseDatabaseFilesOfThread(threadId));
  worker.on('error', () => undefined); // the exit event that follows is what counts
  return {
    pid: process.pid,
    threadId,
    post: (r, transfer) => worker.postMessage(r, transfer),
    onMessage: (h) => worker.on('message', h),
    onExit: (h) => worker.once('exit', (code) => h(`exit code ${code}`)),
    // Not worker.terminate(): ending the isolate under a running DuckDB call aborts this whole process, so the
    // thread is told to stop answering and exit as soon as no native call is running (calls stay unanswered).
    kill: () => worker.postMessage({ crash: true }),
    terminate: () => { void worker.terminate(); },
  };
}

// The worker that 'shared-thread' nodes share, while any is open: a node opened after the last one closed
// starts a new one (the old one was told to exit once its nodes are gone).
let shared: { worker: Worker; users: number } | null = null;

function sharedThreadChannel(config: HostConfig): Channel {
  if (shared === null) {
    const worker = new Worker(SHARED_THREAD_ENTRY);
    const threadId = worker.threadId;
    worker.once('exit', () => {
      releaseDatabaseFilesOfThread(threadId);
      if (shared?.worker === worker) shared = null;
    });
    worker.on('error', () => undefined); // the exit event that follows is what counts
    shared = { worker, users: 0 };
  }
  const group = shared;
  const worker = group.worker;
  group.users++;
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ open: config, port: port2 }, [port2]);
  const exitHandlers: ((how: string) => void)[] = [];
  let ended = false;
  const end = (how: string): void => {
    if (ended) return;
    ended = true;
    worker.off('exit', onWorkerExit);
    if (--group.users === 0 && shared === group) {
      shared = null;
      worker.postMessage({ shutdown: true });
    }
    for (const h of exitHandlers) h(how);
  };
  const onWorkerExit = (code: number): void => end(`exit code ${code} of the shared store thread`);
  worker.once('exit', onWorkerExit);
  port1.once('close', () => end('node closed'));
  return {
    pid: process.pid,
    threadId: worker.threadId,
    post: (r, transfer) => port1.postMessage(r, transfer),
    onMessage: (h) => port1.on('message', h),
    onExit: (h) => exitHandlers.push(h),
    // this node alone: the thread closes it once no DuckDB call of it is running, its calls unanswered
    kill: () => port1.postMessage({ crash: true }),
    // the node's port is closed, which ends it on the thread as well; the thread and its other nodes go on
    terminate: () => port1.close(),
  };
}

function processChannel(config: HostConfig): Channel {
  const args = ['--path', config.path];
  if (config.readConnections !== undefined) args.push('--read-connections', String(config.readConnections));
  if (config.threads !== undefined) args.push('--threads', String(config.threads));
  if (config.memoryLimitMb !== undefined) args.push('--memory-limit-mb', String(config.memoryLimitMb));
  const child: ChildProcess = fork(PROCESS_ENTRY, args, { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  child.on('error', () => undefined);
  return {
    pid: child.pid ?? -1,
    threadId: null,
    post: (r) => { if (child.connected) child.send(r); },
    onMessage: (h) => child.on('message', h),
    onExit: (h) => child.once('exit', (code, signal) => h(signal ? `signal ${signal}` : `exit code ${code}`)),
    kill: () => { child.kill('SIGKILL'); },
    terminate: () => { child.kill('SIGKILL'); },
  };
}

function channelHost(spec: Extract<HostSpec, { hosting: 'thread' | 'shared-thread' | 'process' }>, channel: Channel): Promise<NodeHost> {
  const pending = new Map<number, { op: HostOp; resolve(v: unknown): void; reject(e: EngineError): void; timer: ReturnType<typeof setTimeout> }>();
  const exitListeners: ((e: EngineError) => void)[] = [];
  let nextId = 1;
  let dead: EngineError | null = null;
  let closing = false;
  let label = spec.config.path;
  let kind: 'duckdb' | 'heavydb' = 'duckdb';

  return new Promise<NodeHost>((resolveStart, rejectStart) => {
    let started = false;
    const startTimer = setTimeout(() => {
      if (started) return;
      started = true;
      channel.terminate();
      rejectStart(nodeProxyError('STRATA_NODE_HOST_FAILED', `store node ${spec.name} (${spec.hosting}) did not open ${spec.config.path} within ${spec.startTimeoutMs ?? 15_000} ms`, { node: spec.name }));
    }, spec.startTimeoutMs ?? 15_000);

    channel.onExit((how) => {
      dead = nodeProxyError('STRATA_NODE_HOST_DIED', `store node ${spec.name}: its ${spec.hosting === 'process' ? `process ${channel.pid}` : spec.hosting === 'thread' ? 'thread' : 'place on the shared store thread'} ended (${how})`, { node: spec.name, how });
      for (const [, p] of pending) { clearTimeout(p.timer); p.reject(dead); }
      pending.clear();
      if (!started) {
        started = true;
        clearTimeout(startTimer);
        rejectStart(nodeProxyError('STRATA_NODE_HOST_FAILED', `store node ${spec.name} (${spec.hosting}) ended before opening ${spec.config.path} (${how})`, { node: spec.name, how }));
        return;
      }
      if (!closing) for (const l of exitListeners) l(dead);
    });

    channel.onMessage((m) => {
      if (isHostHello(m)) {
        if (started) return;
        started = true;
        clearTimeout(startTimer);
        if (!m.ok) {
          channel.terminate();
          rejectStart(nodeProxyError('STRATA_NODE_HOST_FAILED', `store node ${spec.name} could not open ${spec.config.path}: ${m.error.message}`, { node: spec.name, cause: m.error.code }));
          return;
        }
        label = m.label;
        kind = m.kind;
        resolveStart(host);
        return;
      }
      const reply = m as HostReply;
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      clearTimeout(p.timer);
      if (!reply.ok) p.reject(fromHostError(reply.error));
      else if (p.op === 'query') p.resolve(decodeResultColumns(reply.value));
      else p.resolve(reply.value);
    });

    const host: NodeHost = {
      hosting: spec.hosting,
      get kind() { return kind; },
      get label() { return label; },
      pid: channel.pid,
      threadId: channel.threadId,
      call(op, args, deadlineMs) {
        if (dead) return Promise.reject(dead);
        return new Promise((resolve, reject) => {
          const id = nextId++;
          // The node enforces its own timeout; this one catches a host that stopped answering altogether.
          const timer = setTimeout(() => {
            pending.delete(id);
            reject(storeError('STRATA_STORE_TIMEOUT', `store node ${spec.name}: ${op} got no answer from its ${spec.hosting} within ${deadlineMs} ms`, { node: spec.name, op, timeoutMs: deadlineMs }));
          }, deadlineMs);
          pending.set(id, { op, resolve, reject, timer });
          // Only buffers made here are transferred: the caller's own typed arrays are copied, never detached.
          const transfer: ArrayBuffer[] = [];
          // to a thread, big typed arrays go as copies moved (a process gets the batch through its IPC channel)
          const moveFrom = spec.hosting === 'process' ? Infinity : MOVE_FROM_BYTES;
          const wireArgs = op === 'append' ? [args[0], encodeBatchColumns(args[1], transfer, moveFrom), ...args.slice(2)] : args;
          channel.post({ id, op, args: wireArgs }, transfer);
        });
      },
      onExit(listener) { exitListeners.push(listener); },
      async close() {
        if (dead) return;
        closing = true;
        const exited = new Promise<void>((r) => channel.onExit(() => r()));
        try {
          await host.call('close', [], 10_000);
        } catch {
          // a host that cannot close cleanly is ended below
        }
        const forced = setTimeout(() => channel.terminate(), 2_000);
        await exited;
        clearTimeout(forced);
      },
      kill() { channel.kill(); },
    };
  });
}
