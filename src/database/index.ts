/**
 * The database part: hosts, charts, dimensions, the four algorithms, interpolation onto
 * `update every` boundaries, and memory modes as one store interface. Its only public surface.
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
export { queryChart, DEFAULT_QUERY_OPTIONS, RELATIVE_TIME_MAX_SECS } from './query.js';
export type { QueryRequest, QueryResult, QueryOptions, GroupMethod } from './query.js';
