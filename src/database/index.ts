/**
 * The database part: hosts, charts, dimensions, the four algorithms, interpolation onto
 * `update every` boundaries, memory modes as one store interface, and the checked record log
 * that map's journal and the streaming spool share. Its only public surface.
 */
export type * from './types.js';
export type { ChartStore, ChartStoreRequest, RingPosition, StoreFactory, StoreFactories } from './store.js';
export { createHostRegistry, type ManagedHostRegistry, type RegistryOptions } from './registry.js';
export {
  DEFAULT_SAVE_EVERY_SECS,
  DEFAULT_CHECKPOINT_EVERY_SECS,
  type PersistenceOptions,
  type SavedHost,
} from './file-stores.js';
export { CacheLockError, CACHE_LOCK_FILE } from './cache-lock.js';
export { DEFAULT_DISK_RETRY_SECS, type DiskStats } from './disk-faults.js';
export {
  createHost,
  normalizeSettings,
  DEFAULT_HISTORY_ENTRIES,
  DEFAULT_GAP_WHEN_LOST_ITERATIONS_ABOVE,
  MIN_HISTORY_ENTRIES,
  MAX_HISTORY_ENTRIES,
  type HostOptions,
} from './host.js';
export { ramStoreFactory, noneStoreFactory } from './ram-store.js';
export { queryChart, querySlots, DEFAULT_QUERY_OPTIONS, RELATIVE_TIME_MAX_SECS } from './query.js';
export { QueryScratch } from './query-scratch.js';
export type { QueryRequest, QueryResult, QueryOptions, GroupMethod } from './query.js';
export { RecordLogWriter, RECORD_PREFIX_BYTES, type RecordLogWriterOptions } from './record-log.js';
export { scanRecordFile, scanRecords, type RecordScan, type RecordScanOptions, type RecordVisitor } from './record-log-scan.js';
export { heldRanges, type HeldRange } from './held-ranges.js';
export { sharedChartMemory } from './chart.js';
export type { SharedChartMemory } from './shared-chart.js';
export { ShadowChart, shadowMeta, type ChartShadowMeta } from './shadow-chart.js';
