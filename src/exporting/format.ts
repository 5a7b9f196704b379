/**
 * A backend is a pure formatter plus the shared connection class (STYLE "Extension points"). A
 * formatter turns one metric into one line; it knows nothing of sockets, timers or hosts' lists.
 */
import type { Chart, Dimension } from '../database/index.js';
import type { BackendType } from '../config/index.js';

/** One metric to write: everything a line may carry, resolved by the caller. */
export interface MetricPoint {
  /** `[backend] prefix`, as configured (not sanitised, reference §4.2). */
  prefix: string;
  /** `[backend] hostname` for the local host, the host's own hostname for a mirrored one. */
  hostname: string;
  /** The host's tags (`''` when none). */
  hostTags: string;
  /** The host's labels as the connector writes them (`BackendFormat.renderLabels`), `''` when none. */
  hostLabels: string;
  chart: Chart;
  dimension: Dimension;
  /** Chart and dimension as `send names instead of ids` says, through `backendName`. */
  chartName: string;
  dimensionName: string;
  /** The value as netdata prints it: an integer as collected, `%0.7Lf` from the database. */
  value: string;
  timestampS: number;
}

/** Formats one metric as one line, newline included. Pure: same point, same line. */
export type MetricFormatter = (point: Readonly<MetricPoint>) => string;

/** A host's labels an instance sends: name and value as stored, in the host's order. */
export type HostLabels = ReadonlyArray<readonly [name: string, value: string]>;

/** A backend type: its formatter and the port a destination without one gets. */
export interface BackendFormat {
  readonly type: BackendType;
  readonly defaultPort: number;
  readonly format: MetricFormatter;
  /**
   * netdata 1.37's connectors write the host's labels on every line; this renders them once per
   * host and iteration into `MetricPoint.hostLabels`. 1.10's backends have none.
   */
  readonly renderLabels?: (labels: HostLabels) => string;
}

/** `%0.7Lf` (netdata's `CALCULATED_NUMBER_FORMAT`) for values read from the database. */
export function formatStoredValue(value: number): string {
  return value.toFixed(7);
}

/** `%lld` (netdata's `COLLECTED_NUMBER_FORMAT`) for values as collected. */
export function formatCollectedValue(value: number): string {
  return Math.trunc(value).toFixed(0);
}
