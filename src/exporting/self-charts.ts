/**
 * The backend's own charts on the local host, with netdata's ids, dimensions and priorities
 * (reference §4.2): `netdata.backend_metrics`, `netdata.backend_bytes`, `netdata.backend_ops` for
 * 1.10's `[backend]`, and 1.37's `netdata.exporting_<instance>_metrics|bytes|ops` (family
 * `exporting_<instance>`, `exporting/send_internal_metrics.c` @1.37) for an exporting.conf instance.
 * Every value is what happened in the last iteration, except the buffered ones, which are what
 * waits in the buffer after it.
 */
import type { Algorithm, Chart, ChartDefinition, ChartType, Host } from '../database/index.js';

/** One iteration's figures; the backend fills them, `BackendCharts.update` stores them. */
export interface BackendCounters {
  /** Metrics in the buffer (kept across failed iterations until sent or dropped). */
  bufferedMetrics: number;
  lostMetrics: number;
  sentMetrics: number;
  bufferedBytes: number;
  lostBytes: number;
  sentBytes: number;
  receivedBytes: number;
  /** Successful sends. */
  writes: number;
  /** Buffers dropped after too many failures. */
  discards: number;
  reconnects: number;
  failures: number;
  /** Times the receiver sent us something. */
  reads: number;
}

/** All zero. */
export function emptyCounters(): BackendCounters {
  return {
    bufferedMetrics: 0, lostMetrics: 0, sentMetrics: 0, bufferedBytes: 0, lostBytes: 0, sentBytes: 0,
    receivedBytes: 0, writes: 0, discards: 0, reconnects: 0, failures: 0, reads: 0,
  };
}

type CounterName = keyof BackendCounters;

interface SelfChartSpec {
  id: string;
  /** 1.37's id after `exporting_<instance>_`, its context and title. */
  exportingId: string;
  exportingContext: string;
  exportingTitle: string;
  exportingUnits: string;
  exportingPriority: number;
  title: string;
  units: string;
  priority: number;
  chartType: ChartType;
  divisor: number;
  dimensions: ReadonlyArray<readonly [id: string, counter: CounterName]>;
}

const KIB = 1024;

/** netdata 1.10's backend charts, in its order. */
export const BACKEND_CHART_SPECS: readonly SelfChartSpec[] = [
  {
    id: 'backend_metrics', title: 'Netdata Buffered Metrics', units: 'metrics', priority: 130600,
    exportingId: 'metrics', exportingContext: 'exporting_buffer', exportingTitle: 'Netdata Buffered Metrics',
    exportingUnits: 'metrics', exportingPriority: 130610,
    chartType: 'line', divisor: 1,
    dimensions: [['buffered', 'bufferedMetrics'], ['lost', 'lostMetrics'], ['sent', 'sentMetrics']],
  },
  {
    id: 'backend_bytes', title: 'Netdata Backend Data Size', units: 'KB', priority: 130610,
    exportingId: 'bytes', exportingContext: 'exporting_data_size', exportingTitle: 'Netdata Exporting Data Size',
    exportingUnits: 'KiB', exportingPriority: 130620,
    chartType: 'area', divisor: KIB,
    dimensions: [['buffered', 'bufferedBytes'], ['lost', 'lostBytes'], ['sent', 'sentBytes'], ['received', 'receivedBytes']],
  },
  {
    id: 'backend_ops', title: 'Netdata Backend Operations', units: 'operations', priority: 130630,
    exportingId: 'ops', exportingContext: 'exporting_operations', exportingTitle: 'Netdata Exporting Operations',
    exportingUnits: 'operations', exportingPriority: 130630,
    chartType: 'line', divisor: 1,
    dimensions: [['write', 'writes'], ['discard', 'discards'], ['reconnect', 'reconnects'], ['failure', 'failures'], ['read', 'reads']],
  },
];

const ABSOLUTE: Algorithm = 'absolute';
const NETDATA_TYPE = 'netdata';
const FAMILY = 'backend';
const PLUGIN = 'backends';
const EXPORTING_PLUGIN = 'exporting';

/** netdata's `netdata_fix_chart_id`: what a chart id may not hold becomes `_`. */
const CHART_ID_UNSAFE = /[^A-Za-z0-9_.-]/g;

function chartDefinition(spec: SelfChartSpec, updateEverySecs: number, instance: string | null): ChartDefinition {
  const options = { obsolete: false, detail: false, hidden: false, storeFirst: false };
  if (instance === null) {
    const id = `${NETDATA_TYPE}.${spec.id}`;
    return {
      id, type: NETDATA_TYPE, name: null, title: spec.title, units: spec.units, family: FAMILY, context: id,
      chartType: spec.chartType, priority: spec.priority, updateEverySecs, options, plugin: PLUGIN, module: '',
    };
  }
  const id = `${NETDATA_TYPE}.exporting_${instance}_${spec.exportingId}`.replace(CHART_ID_UNSAFE, '_');
  return {
    id, type: NETDATA_TYPE, name: null, title: spec.exportingTitle, units: spec.exportingUnits,
    family: `exporting_${instance}`, context: spec.exportingContext, chartType: spec.chartType,
    priority: spec.exportingPriority, updateEverySecs, options, plugin: EXPORTING_PLUGIN, module: '',
  };
}

/**
 * The three charts, defined on `host` at construction and updated once per iteration;
 * `instance` null names them as 1.10's `[backend]`, else as 1.37's exporting instance.
 */
export class BackendCharts {
  readonly #charts: Array<{ chart: Chart; spec: SelfChartSpec; indexes: number[] }> = [];

  constructor(host: Host, updateEverySecs: number, instance: string | null = null) {
    for (const spec of BACKEND_CHART_SPECS) {
      const chart = host.defineChart(chartDefinition(spec, updateEverySecs, instance));
      const indexes = spec.dimensions.map(([id]) => chart.defineDimension({
        id, name: id, algorithm: ABSOLUTE, multiplier: 1, divisor: spec.divisor,
        options: { hidden: false, noReset: false, obsolete: false },
      }).index);
      this.#charts.push({ chart, spec, indexes });
    }
  }

  /** Stores one iteration's counters at `nowUs`. */
  update(counters: Readonly<BackendCounters>, nowUs: number): void {
    for (const { chart, spec, indexes } of this.#charts) {
      chart.begin(0, false, nowUs);
      spec.dimensions.forEach(([, counter], i) => chart.set(indexes[i]!, counters[counter]));
      chart.end(nowUs);
    }
  }
}
