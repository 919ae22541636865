// The protocol between a node-proxy and the thread or child process hosting its embedded store node: numbered
// requests naming a StoreNode operation, replies with the value or a coded error as data. Values are
// structured-clone data (typed arrays copy as memory blocks, no per-cell encoding on either side).
import type { StoreNode } from '../../engine/store/index.ts';

/** The StoreNode operations a host serves. */
export type StoreOp = Exclude<keyof StoreNode, 'kind' | 'label'>;

export const STORE_OPS: readonly StoreOp[] = [
  'ensureSchema', 'append', 'query', 'health', 'partitionChecksums', 'exportPartitions', 'deletePartitions',
  'deleteStrategies', 'putEntries', 'readEntries', 'deleteEntries', 'syncAppends', 'close',
];

/** A call to the host itself rather than its node: the JS memory of the thread or process that hosts it. */
export const HOST_MEMORY_OP = 'hostMemory';
export type HostOp = StoreOp | typeof HOST_MEMORY_OP;

/** What `hostMemory` answers: the hosting isolate's V8 heap (committed) and its external memory (array buffers and
 *  other memory its objects hold outside the heap), bytes. */
export interface HostMemory {
  readonly heapBytes: number;
  readonly externalBytes: number;
}

export interface HostErrorData {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface HostRequest {
  readonly id: number;
  readonly op: HostOp;
  readonly args: readonly unknown[];
}

export type HostReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: HostErrorData };

/** The host's first message: its node is open (or could not be opened). */
export type HostHello =
  | { readonly hello: true; readonly ok: true; readonly label: string; readonly kind: 'duckdb' | 'heavydb'; readonly pid: number; readonly threadId: number }
  | { readonly hello: true; readonly ok: false; readonly error: HostErrorData };

/** What the host needs to open its node. */
export interface HostConfig {
  readonly path: string;
  readonly readConnections?: number;
  readonly threads?: number;
  readonly memoryLimitMb?: number;
  readonly timeoutMs?: number;
}

export function isHostHello(m: unknown): m is HostHello {
  return typeof m === 'object' && m !== null && (m as { hello?: unknown }).hello === true;
}

export function toHostError(e: unknown): HostErrorData {
  const err = e as { code?: unknown; message?: unknown; retryable?: unknown; data?: unknown };
  const code = typeof err?.code === 'string' && err.code.startsWith('STRATA_') ? err.code : 'STRATA_STORE_QUERY_FAILED';
  const data = typeof err?.data === 'object' && err.data !== null ? err.data as Record<string, unknown> : {};
  return {
    code,
    message: typeof err?.message === 'string' ? err.message : String(e),
    retryable: typeof err?.retryable === 'boolean' ? err.retryable : false,
    data,
  };
}
