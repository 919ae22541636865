// The public surface of engine/store: store nodes (DuckDB, HeavyDB) behind one interface, the schema, columnar
// batches and results, SQL parameters, partitioning, placement and scatter-gather merging.
export { catalogue, storeError } from './errors.ts';
export { noSpaceError } from './no-space.ts';
export type { StoreErrorCode } from './errors.ts';

export { createStoreNode, resultToBatch } from './store-node.ts';
export type { AppendOptions, CallOptions, KvEntry, NodeHealth, StoreDriver, StoreKind, StoreNode, StoreNodeOptions } from './store-node.ts';

export { openDuckDbNode, DEFAULT_CHUNK_ROWS, DEFAULT_FILE_MEMORY_LIMIT_MB, MIN_MEMORY_LIMIT_MB, DUCKDB_MEMORY_SQL, duckDbMemoryOf, DUCKDB_HEALTH_COUNTS_SQL, duckDbRowCountsOf, ROW_COUNT_EVERY_CHECKS } from './duckdb-node.ts';
export type { DuckDbNodeOptions } from './duckdb-node.ts';
export { canonicalDatabasePath, claimDatabaseFile, releaseDatabaseFilesOfThread } from './duckdb-file-registry.ts';
export type { FileClaim } from './duckdb-file-registry.ts';

export { openHeavyDbNode } from './heavydb-node.ts';
export type { HeavyDbNodeOptions } from './heavydb-node.ts';
export { parseHeavyDbUrl, HEAVYDB_HTTP_PORT } from './heavydb-url.ts';
export type { HeavyDbTarget } from './heavydb-url.ts';

export { TABLES, TABLE_NAMES, PARTITIONED_TABLES, PARTITION_COLUMN, tableSpec, createTableSql } from './schema.ts';
export type { ColumnSpec, ColumnType, PartitionedTableName, TableName, TableSpec } from './schema.ts';
export { normalizeBatch, isStorableText, isDictionaryColumn, gatherColumn, releaseBatchBuffers } from './column-batch.ts';
export type { ColumnBatch, ColumnInput, DictionaryColumn } from './column-batch.ts';
export { isUtf8Column, utf8ColumnValues, utf8ColumnValue, gatherUtf8, Utf8ColumnBuilder } from '../columns/index.ts';
export type { Utf8Column } from '../columns/index.ts';
export { cellValue, resultColumn, resultRows, EMPTY_RESULT } from './result-set.ts';
export type { ResultColumn, ResultSet } from './result-set.ts';
export { inlineParams, placeholderOffsets, sqlLiteral } from './sql-params.ts';
export { HASH_FILTER_BITS, LIST_CONTAINS_MAX, textCandidateFilter, textInFilter, type CandidateFilter } from './id-filter.ts';
export type { SqlParam } from './sql-params.ts';
export { bigintToSafeNumber } from './int64.ts';

export { checksumPartitions, partitionsToCopy } from './partition-checksum.ts';
export type { PartitionChecksum } from './partition-checksum.ts';
export { DEFAULT_PARTITION_COUNT, DEFAULT_SCHEME, partitionCount, partitionIds, partitionOf, splitByPartition, strategyHash, validateScheme } from './partitioning.ts';
export type { PartitionScheme } from './partitioning.ts';
export { DEFAULT_REPLICATION_FACTOR, nodeLoads, partitionsOfNode, placePartitions, placementMoves, planReads, rebalance, rendezvousScore } from './placement.ts';
export type { Placement, PlacementMove } from './placement.ts';
export { assemblePnlMatrix, concatResults, mergeSortedResults } from './scatter-gather.ts';
export type { MatrixOptions, PnlMatrix } from './scatter-gather.ts';
