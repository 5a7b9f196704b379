/**
 * Graphite plaintext (reference §4.2):
 * `<prefix>.<hostname>.<chart>.<dimension> <value> <unix_ts>\n`; netdata 1.37's connector
 * (`exporting/graphite/graphite.c` @1.37) adds graphite tags after the name: `;<host tags>` and
 * `;<label>=<value>` per label sent, a value's blanks, `;` and `~` as `_`.
 */
import type { BackendFormat, HostLabels, MetricPoint } from './format.js';

/** Carbon's plaintext line receiver port, used when a destination names none. */
export const GRAPHITE_DEFAULT_PORT = 2003;

/** One graphite plaintext line. */
export function formatGraphite(p: Readonly<MetricPoint>): string {
  return `${p.prefix}.${p.hostname}.${p.chartName}.${p.dimensionName} ${p.value} ${p.timestampS}\n`;
}

/** One line of netdata 1.37's graphite connector. */
export function formatGraphiteTagged(p: Readonly<MetricPoint>): string {
  const tags = p.hostTags ? `;${p.hostTags}` : '';
  return `${p.prefix}.${p.hostname}.${p.chartName}.${p.dimensionName}${tags}${p.hostLabels} ${p.value} ${p.timestampS}\n`;
}

/** `;name=value` per label (netdata's `sanitize_graphite_label_value` on the value). */
export function graphiteLabels(labels: HostLabels): string {
  return labels.map(([name, value]) => `;${name}=${value.replace(/[\s;~]/g, '_')}`).join('');
}

/** exporting.conf's `graphite` connector (1.37). */
export const GRAPHITE_1_37: BackendFormat = Object.freeze({
  type: 'graphite',
  defaultPort: GRAPHITE_DEFAULT_PORT,
  format: formatGraphiteTagged,
  renderLabels: graphiteLabels,
});

/** The `graphite` backend type. */
export const GRAPHITE: BackendFormat = Object.freeze({
  type: 'graphite',
  defaultPort: GRAPHITE_DEFAULT_PORT,
  format: formatGraphite,
});
