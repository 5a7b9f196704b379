/**
 * exporting: netdata's backends (graphite, opentsdb, json) — pure formatters over the database
 * plus the streaming part's shared connection — and the `/api/v1/allmetrics` prometheus formats
 * the web part serves. Other parts import only from here.
 */
export { createBackend, type Backend, type BackendDeps } from './backend.js';
export type { BackendCounters } from './self-charts.js';
export { storedWindow, storedValue, type StoredWindow } from './stored-value.js';
export {
  allmetricsPrometheus, parseDataSource, PROMETHEUS_CONTENT_TYPE, ScrapeMemory, type PrometheusRequest,
} from './prometheus.js';
