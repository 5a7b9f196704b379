/**
 * Graphite plaintext (reference §4.2):
 * `<prefix>.<hostname>.<chart>.<dimension> <value> <unix_ts>\n`.
 */
import type { BackendFormat, MetricPoint } from './format.js';

/** Carbon's plaintext line receiver port, used when a destination names none. */
export const GRAPHITE_DEFAULT_PORT = 2003;

/** One graphite plaintext line. */
export function formatGraphite(p: Readonly<MetricPoint>): string {
  return `${p.prefix}.${p.hostname}.${p.chartName}.${p.dimensionName} ${p.value} ${p.timestampS}\n`;
}

/** The `graphite` backend type. */
export const GRAPHITE: BackendFormat = Object.freeze({
  type: 'graphite',
  defaultPort: GRAPHITE_DEFAULT_PORT,
  format: formatGraphite,
});
