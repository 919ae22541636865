// The narrow faces the daemon, the API and the consoles need from the store, the jobs layer and ingest. The
// composition root adapts whatever implements them (the StoreCluster and job-service facades when present,
// a single store node and the in-process job runner otherwise); a service that is absent is null and the API
// answers 503 STRATA_API_SERVICE_UNAVAILABLE for its routes.
import type { ErrorData } from '../../runtime/index.ts';
import type { AlgorithmInfo } from '../../actors/job-scheduler/index.ts';
import type { FileOutcome, IngestEvent, IngestSink, RecoveryWait, RetryingFile, StoredFile } from '../../actors/ingest/index.ts';
import type { StoreClusterEvent } from '../../actors/store/index.ts';
import type { MatrixSource, SlaStatus } from '../../engine/jobs/index.ts';

export type Unsubscribe = () => void;

// ---- store

export interface StoreNodeView {
  readonly name: string;
  /** file path or URL without password */
  readonly label: string;
  readonly kind: string;
  /** 'up' | 'down' | 'catching-up' (a node being brought up to date before it serves reads) */
  readonly state: string;
  /** circuit breaker of the node's proxy: 'closed' | 'open' | 'half-open'; null without a proxy */
  readonly breaker: string | null;
  readonly latencyMs: { readonly p50: number; readonly p99: number } | null;
  readonly inFlight: number | null;
  readonly rowCounts: Readonly<Record<string, number>> | null;
  readonly lastError: ErrorData | null;
  /** epoch ms */
  readonly checkedAt: number;
  /** DuckDB's own memory (its cache of the file and what else it tracks, capped by store.memoryLimitMb) at the
   *  last health check, bytes; null for HeavyDB nodes */
  readonly memoryBytes: number | null;
  /** the V8 heap plus external memory of the thread or process hosting the node, bytes; null when it runs on the
   *  daemon's own thread (single-node mode, HeavyDB) */
  readonly hostHeapBytes: number | null;
  /** the process hosting the node when it runs in a child process, else null */
  readonly pid: number | null;
}

export interface StoreStatus {
  /** 'cluster': partitioned and replicated over several nodes; 'single-node': one DuckDB file */
  readonly mode: 'cluster' | 'single-node';
  readonly nodes: readonly StoreNodeView[];
  /** enough nodes are up that every partition can be read and written */
  readonly quorum: boolean;
  readonly replicationFactor: number;
}

export type StoreEvent =
  | { readonly type: 'store.node.changed'; readonly node: StoreNodeView; readonly previous: string | null }
  /** anything else the store reports (breaker changes, catch-up progress, rebalancing), published as is */
  | { readonly type: 'store.activity'; readonly event: StoreClusterEvent };

export interface StoreService {
  readonly mode: StoreStatus['mode'];
  /** the last known status (cheap, from the health loop) */
  status(): StoreStatus;
  /** checks every node now */
  refresh(): Promise<StoreStatus>;
  ingestSink(): IngestSink;
  matrixSource(): MatrixSource;
  /** the trading-day range of the stored daily P&L (null when empty) */
  dayRange(zone?: string): Promise<{ readonly from: string; readonly to: string; readonly strategies: number } | null>;
  onEvent(fn: (e: StoreEvent) => void): Unsubscribe;
  close(): Promise<void>;
}

// ---- jobs

export const JOB_STATES = ['queued', 'running', 'paused', 'backingOff', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
/** states a job never leaves */
export const FINISHED_JOB_STATES: ReadonlySet<JobState> = new Set<JobState>(['completed', 'failed', 'cancelled']);

export interface JobProgressView {
  readonly evaluations: number;
  readonly budget: number | null;
  /** 0..1, or null when the budget is wall time only */
  readonly fraction: number | null;
  readonly evaluationsPerSec: number;
  readonly etaMs: number | null;
  readonly best: readonly number[] | null;
}

export interface JobView {
  readonly id: string;
  readonly state: JobState;
  readonly priority: string;
  readonly algorithm: string;
  readonly owner: string | null;
  /** epoch ms */
  readonly submittedAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly progress: JobProgressView | null;
  readonly error: ErrorData | null;
  /** what the durable scheduler knows of the job's runs; null from the local (not durable) job service */
  readonly run: JobRunView | null;
}

/** A job's runs as the durable scheduler records them (its journal): attempts, checkpoints, runner, SLA. */
export interface JobRunView {
  /** times a runner started it (a resume after a crash or a pause counts again) */
  readonly attempts: number;
  /** attempts that ended in an error and were retried (or failed the job) */
  readonly failures: number;
  /** attempts cut short by a runner, thread or member that went away, resumed from a checkpoint */
  readonly interruptions: number;
  /** attempts that failed because the store could not answer (every replica of some partition down or unreachable):
   *  the job waits for the store with the retry backoff, outside its failure budget */
  readonly storeWaits: number;
  readonly checkpoints: number;
  /** evaluations done at the last durable checkpoint (a finished job: those of its result) */
  readonly checkpointEvaluations: number;
  /** the runner working on it now (an actor path), or null */
  readonly runner: string | null;
  readonly idempotencyKey: string | null;
  /** epoch ms, or null without a deadline */
  readonly deadline: number | null;
  /** against its deadline: 'none' without one */
  readonly sla: SlaStatus;
  /** epoch ms, or null when unknown */
  readonly expectedStartAt: number | null;
  readonly expectedFinishAt: number | null;
  readonly hasResult: boolean;
}

export type JobEvent =
  | { readonly type: 'job.changed'; readonly job: JobView }
  | { readonly type: 'job.progress'; readonly job: JobView };

/** An algorithm as the API lists it (the job service's AlgorithmInfo). */
export type AlgorithmView = AlgorithmInfo;

export interface JobMetrics {
  readonly byState: Readonly<Record<JobState, number>>;
  readonly evaluationsTotal: number;
  readonly evaluationsPerSec: number;
}

export interface JobService {
  /** 'scheduler': durable, actors/job-scheduler; 'local': in-process runner over engine/jobs, not durable */
  readonly mode: 'scheduler' | 'local';
  /** validates the spec (STRATA_JOB_INVALID_SPEC with every issue) and queues the job */
  submit(spec: unknown): Promise<JobView>;
  cancel(id: string): Promise<JobView>;
  pause(id: string): Promise<JobView>;
  resume(id: string): Promise<JobView>;
  reprioritise(id: string, priority: string): Promise<JobView>;
  get(id: string): Promise<JobView | null>;
  list(): Promise<readonly JobView[]>;
  /** the finished job's result (STRATA_JOB_NOT_FINISHED before) */
  result(id: string): Promise<unknown>;
  algorithms(): readonly AlgorithmView[];
  metrics(): JobMetrics;
  onEvent(fn: (e: JobEvent) => void): Unsubscribe;
  /** graceful shutdown: running jobs checkpoint and stop; nothing new starts */
  drain(): Promise<void>;
  close(): Promise<void>;
}

// ---- ingest

export interface UploadView {
  readonly id: string;
  readonly name: string;
  readonly sizeBytes: number;
  /** epoch ms */
  readonly receivedAt: number;
  /** 'stored' (waiting for process) | 'processing' | the outcome's status */
  readonly state: 'stored' | 'processing' | FileOutcome['status'];
  readonly outcome: FileOutcome | null;
}

export interface IngestStatusView {
  readonly state: string;
  readonly current: string | null;
  readonly queued: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly inbox: string | null;
  /** parse threads (ingest.parseThreads) and what they did since the daemon started; null when there are none */
  readonly parse: { readonly threads: number; readonly chunks: number; readonly recuts: number; readonly parsedHere: number } | null;
  /** files the store could not take for now (a full disk, no writable replica), each read again at nextAt (epoch ms) */
  readonly retrying: readonly RetryingFile[];
  /** the store's journal could not be read when the ingest actor started (state `recovering`): no file is read
   *  until it can; null once recovery is done */
  readonly recovery: RecoveryWait | null;
}

/**
 * How files are read, as the CLI's file flags spell them (`strata ingest --format --zones --session --tz --lenient
 * --max-problems`); the service turns them into the ingest actor's FileOptions and checks them first
 * (STRATA_FORMAT_INVALID_OPTION naming the bad one).
 */
export interface IngestFileOptions {
  /** a format id, full (`FORMAT_3_TRADING_VIEW_CSV`) or short (`FORMAT_3`, `3`) */
  readonly format?: string;
  /** zone mode: equal[:n] | freeform:HH:MM,… | custom:HH:MM-HH:MM,… (with `session` alone: equal:4) */
  readonly zones?: string;
  /** the trading session the zones divide, HH:MM-HH:MM */
  readonly session?: string;
  /** IANA time zone of the files' local times */
  readonly tz?: string;
  readonly lenient?: boolean;
  /** problems listed per file (all are counted), a whole number >= 1 */
  readonly maxProblems?: number;
  /** the content hash (64 hex digits) of a stored file this one replaces: its rows go once this one is committed */
  readonly replaces?: string;
}

/** Just the file options of a larger object (a request body, the CLI's flags), the unset ones left out. */
export function pickFileOptions(o: IngestFileOptions): IngestFileOptions {
  return {
    ...(o.format !== undefined ? { format: o.format } : {}),
    ...(o.zones !== undefined ? { zones: o.zones } : {}),
    ...(o.session !== undefined ? { session: o.session } : {}),
    ...(o.tz !== undefined ? { tz: o.tz } : {}),
    ...(o.lenient ? { lenient: true } : {}),
    ...(o.maxProblems !== undefined ? { maxProblems: o.maxProblems } : {}),
    ...(o.replaces !== undefined ? { replaces: o.replaces } : {}),
  };
}

export interface IngestService {
  /** stores an uploaded file's bytes (not read yet) */
  upload(name: string, source: AsyncIterable<Uint8Array>, limitBytes: number): Promise<UploadView>;
  /**
   * reads the given uploads (or every stored one); resolves once they are queued, outcomes come as events. Bad
   * options throw (STRATA_FORMAT_INVALID_OPTION) before any upload changes state.
   */
  process(uploadIds: readonly string[] | null, options: IngestFileOptions): Promise<readonly UploadView[]>;
  /** looks at the inbox folders now */
  scanInbox(): void;
  /** ingests files by path and waits for their outcomes (the demo data, the CLI) */
  ingestPaths(paths: readonly string[], options?: IngestFileOptions): Promise<readonly FileOutcome[]>;
  status(): Promise<IngestStatusView>;
  /** the stored files (the ingest journal's committed records), oldest first */
  files(): Promise<readonly StoredFile[]>;
  /** removes a stored file's rows from every table and its journal record (STRATA_INGEST_UNKNOWN_FILE, STRATA_INGEST_FILE_BUSY) */
  removeFile(contentHash: string): Promise<StoredFile>;
  uploads(): readonly UploadView[];
  getUpload(id: string): UploadView | null;
  onEvent(fn: (e: IngestEvent) => void): Unsubscribe;
  /** stops taking files (inbox, uploads) */
  stopIntake(): void;
}

// ---- members

export interface MemberView {
  readonly id: string;
  readonly status: string;
  readonly reachable: boolean;
  readonly self: boolean;
  readonly leader: boolean;
  readonly upNumber: number;
}

export type MemberEvent = { readonly type: 'member.changed'; readonly member: MemberView };

export interface MembersService {
  readonly clustered: boolean;
  list(): readonly MemberView[];
  onEvent(fn: (e: MemberEvent) => void): Unsubscribe;
}

export interface Services {
  readonly store: StoreService | null;
  readonly jobs: JobService | null;
  readonly ingest: IngestService | null;
  readonly members: MembersService;
}
