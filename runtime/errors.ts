// The runtime's error catalogue: every expected failure of the actor core has a code here, with its
// retryable flag decided once. Errors cross threads as data ({ code, message, data }) and are rebuilt
// as StrataError on the other side; callers match on `code`, never on instanceof.

export interface ErrorSpec {
  readonly retryable: boolean;
  readonly summary: string;
}

export const catalogue = {
  STRATA_ASK_TIMEOUT: { retryable: true, summary: 'An ask got no reply within its timeout; the message names the target, the message type and the timeout.' },
  STRATA_MAILBOX_FULL: { retryable: true, summary: 'A tell or ask was refused because the target mailbox is full and its overflow policy is reject.' },
  STRATA_ACTOR_STOPPED: { retryable: false, summary: 'The target actor is stopped (or never existed); the message went to dead letters.' },
  STRATA_ACTOR_RESTARTING: { retryable: true, summary: 'The target is restarting and its restart policy is fail-fast, so the message was refused.' },
  STRATA_NAME_TAKEN: { retryable: false, summary: 'A child name or registry name is already in use.' },
  STRATA_INVALID_NAME: { retryable: false, summary: 'An actor or registry name is empty or contains "/", "#" or whitespace.' },
  STRATA_NOT_SERIALIZABLE: { retryable: false, summary: 'A message holds something msgpack cannot carry across a thread or machine (Date, Map, Set, class instance, undefined, function).' },
  STRATA_SYSTEM_TERMINATED: { retryable: false, summary: 'The actor system has been terminated; nothing can be spawned or sent.' },
  STRATA_INVALID_OPTION: { retryable: false, summary: 'An option given to the runtime is out of range (mailbox capacity, restart budget, backoff bounds, timeout).' },
  STRATA_ACTOR_FAILED: { retryable: false, summary: 'An actor failed and its supervisor stopped it or escalated; carries the original error.' },
  STRATA_ASK_CANCELLED: { retryable: false, summary: 'An ask was cancelled through its AbortSignal or because the system terminated.' },
  STRATA_ENVELOPE_MALFORMED: { retryable: false, summary: 'Bytes received from a peer are not a valid msgpack envelope batch, or an envelope lacks a required field.' },
  STRATA_ENVELOPE_TOO_LARGE: { retryable: false, summary: 'An envelope or batch exceeds the configured maximum size; it is refused, never truncated.' },
  STRATA_ENVELOPE_VERSION: { retryable: false, summary: 'An envelope carries a protocol version this runtime does not speak.' },
  STRATA_UNKNOWN_EXTENSION: { retryable: false, summary: 'A msgpack extension type in received bytes is not one the runtime registered.' },
  STRATA_UNKNOWN_BEHAVIOUR: { retryable: false, summary: 'A remote spawn named a behaviour that is not in the behaviour catalogue of the target thread.' },
  STRATA_THREAD_DIED: { retryable: true, summary: 'A worker thread exited (uncaught error, process.exit, out of memory, terminate); its actors are terminated.' },
  STRATA_INVALID_PLACEMENT: { retryable: false, summary: 'A placement names a thread that does not exist, or threads were not configured.' },
  STRATA_POOL_TASK_FAILED: { retryable: false, summary: 'A task run in the CPU worker pool threw; carries the task error.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof catalogue;

export interface ErrorData {
  readonly code: string;
  readonly message: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

export class StrataError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, data: Readonly<Record<string, unknown>> = {}, retryable?: boolean) {
    super(message);
    this.name = 'StrataError';
    this.code = code;
    this.data = data;
    this.retryable = retryable ?? (catalogue as Record<string, ErrorSpec>)[code]?.retryable ?? false;
  }

  /** The form that crosses threads and sockets: no stack, no class. */
  toData(): ErrorData {
    return { code: this.code, message: this.message, data: this.data };
  }
}

export function createError(code: ErrorCode, message: string, data: Readonly<Record<string, unknown>> = {}): StrataError {
  return new StrataError(code, message, data, catalogue[code].retryable);
}

/** Rebuilds a coded error from its data form; an unknown shape becomes a plain coded failure. */
export function fromErrorData(value: unknown): StrataError {
  if (value && typeof value === 'object' && typeof (value as ErrorData).code === 'string') {
    const d = value as ErrorData;
    return new StrataError(d.code, String(d.message ?? d.code), d.data ?? {});
  }
  return new StrataError('STRATA_ACTOR_FAILED', String(value));
}

/** Turns anything thrown into the data form, keeping the code of coded errors. */
export function toErrorData(err: unknown): ErrorData {
  if (err instanceof StrataError) return err.toData();
  if (err && typeof err === 'object' && typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('STRATA_')) {
    const e = err as { code: string; message?: unknown; data?: unknown };
    return { code: e.code, message: String(e.message ?? e.code), data: (e.data ?? {}) as Record<string, unknown> };
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { code: 'STRATA_ACTOR_FAILED', message, data: {} };
}
