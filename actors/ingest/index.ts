// actors/ingest: the ingest actor (inbox folders, explicit requests, journal-backed all-or-nothing writes,
// quarantine with reports, progress events) and the sink it writes through.
export { PROTOCOL } from './messages.ts';
export type { IngestCommand, IngestEvent, IngestFilesReply, IngestListReply, IngestMessage, IngestProgress, IngestRemoveReply, IngestStatus, FileOutcome, RecoveryWait, RetryingFile, StoredFile } from './messages.ts';
export { ingestBehaviour, DEFAULT_ZONE_OPTIONS } from './actor.ts';
export type { IngestActorOptions } from './actor.ts';
export { ingestMachine, admitted } from './machine.ts';
export type { IngestContext, IngestMachineEvent, WorkItem, NewWork } from './machine.ts';
export { JOURNAL_NAMESPACE } from './sink.ts';
export type { IngestSink, JournalRecord, FileOptions, IngestOrigin } from './sink.ts';
export { createStoreNodeSink, namesBut, withPartitions } from './store-node-sink.ts';
export { createJournalledSink, parseJournalRecord } from './journalled-sink.ts';
export type { JournalStore } from './journalled-sink.ts';
export type { StoreNodeSinkOptions } from './store-node-sink.ts';
export { foldersUnder, ensureFolders, listFiles, isCandidateName, InboxWatch, placeFile, freeName } from './folders.ts';
export type { IngestFolders } from './folders.ts';
export { asRetrying, PendingFiles, retryDelayMs } from './pending-files.ts';
export type { PendingFile } from './pending-files.ts';
export { reportText, writeReport } from './report.ts';
export type { FileReport } from './report.ts';
export { listenToIngest } from './listener.ts';
export type { IngestListener } from './listener.ts';
export { catalogue, ingestError } from './errors.ts';
export type { IngestErrorCode } from './errors.ts';
