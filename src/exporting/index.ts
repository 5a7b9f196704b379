/**
 * exporting: netdata 1.37's exporting engine (exporting.conf instances: graphite, opentsdb, json
 * and Prometheus remote write, with disk queues and several destinations) and 1.10's `[backend]`
 * — pure formatters over the database plus the streaming part's shared connection or an HTTP
 * sender — and the `/api/v1/allmetrics` prometheus formats the web part serves. Other parts
 * import only from here.
 */
export { createBackend, createLineInstance, type Backend, type BackendDeps } from './backend.js';
export {
  createExporting, exportingWanted, LEGACY_BACKEND_NAME, type ExportingEngine, type ExportingInstance,
} from './engine.js';
export {
  createRemoteWriteInstance, type RemoteWriteInstance, type RemoteWriteDeps,
} from './remote-write-instance.js';
export type { BackendCounters } from './self-charts.js';
export { storedWindow, storedValue, type StoredWindow } from './stored-value.js';
export {
  allmetricsPrometheus, parseDataSource, PROMETHEUS_CONTENT_TYPE, prometheusChartFilter, prometheusHostFilter, ScrapeMemory,
  type PrometheusRequest,
} from './prometheus.js';
export type { LabelChoice } from './host-labels.js';
