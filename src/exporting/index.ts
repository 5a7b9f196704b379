/**
 * exporting: netdata's backends (graphite, opentsdb, json) — pure formatters over the database
 * plus the streaming part's shared connection. Other parts import only from here.
 */
export {
  createBackend, BACKEND_FORMATS, BACKEND_CONNECTION_BUFFER_BYTES, BACKEND_RECONNECT_DELAY_MS,
  type Backend, type BackendDeps,
} from './backend.js';
export type { BackendFormat, MetricFormatter, MetricPoint } from './format.js';
export { formatCollectedValue, formatStoredValue } from './format.js';
export { formatGraphite, GRAPHITE, GRAPHITE_DEFAULT_PORT } from './graphite.js';
export { formatOpentsdb, OPENTSDB, OPENTSDB_DEFAULT_PORT } from './opentsdb.js';
export { formatJson, JSON_LINES, JSON_DEFAULT_PORT } from './json.js';
export { backendName, RRD_ID_LENGTH_MAX } from './names.js';
export { storedWindow, storedValue, type StoredWindow } from './stored-value.js';
export { BACKEND_CHART_SPECS, type BackendCounters } from './self-charts.js';
