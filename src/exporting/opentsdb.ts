/**
 * OpenTSDB telnet (reference §4.2):
 * `put <prefix>.<chart>.<dimension> <unix_ts> <value> host=<hostname>[ <host tags>]\n`; netdata
 * 1.37's connector (`exporting/opentsdb/opentsdb.c` @1.37) adds ` <label>=<value>` per label sent,
 * a value's characters other than letters, digits, `-`, `.`, `/` and UTF-8 as `_`. (1.37 also
 * leaves a space at the end of the line when labels are on and none passes; not copied.)
 */
import type { BackendFormat, HostLabels, MetricPoint } from './format.js';

/** OpenTSDB's telnet port, used when a destination names none. */
export const OPENTSDB_DEFAULT_PORT = 4242;

/** One OpenTSDB `put` line. */
export function formatOpentsdb(p: Readonly<MetricPoint>): string {
  const tags = p.hostTags ? ` ${p.hostTags}` : '';
  return `put ${p.prefix}.${p.chartName}.${p.dimensionName} ${p.timestampS} ${p.value} host=${p.hostname}${tags}\n`;
}

/** One `put` line of netdata 1.37's opentsdb connector. */
export function formatOpentsdbLabelled(p: Readonly<MetricPoint>): string {
  const tags = p.hostTags ? ` ${p.hostTags}` : '';
  return `put ${p.prefix}.${p.chartName}.${p.dimensionName} ${p.timestampS} ${p.value} host=${p.hostname}${tags}${p.hostLabels}\n`;
}

/** netdata's `sanitize_opentsdb_label_value`. */
function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9./\-\u0080-\uffff]/g, '_');
}

/** ` name=value` per label. */
export function opentsdbLabels(labels: HostLabels): string {
  return labels.map(([name, value]) => ` ${name}=${tagValue(value)}`).join('');
}

/**
 * One object of netdata 1.37's `opentsdb:http` (`/api/put`): metric, timestamp, value and
 * `tags` with `host` (the host's tags after a space, as 1.37 writes them) and the labels sent.
 */
export function formatOpentsdbJson(p: Readonly<MetricPoint>): string {
  const host = p.hostTags ? `${p.hostname} ${p.hostTags}` : p.hostname;
  return `{"metric":"${p.prefix}.${p.chartName}.${p.dimensionName}","timestamp":${p.timestampS},"value":${p.value},`
    + `"tags":{"host":"${host.replace(/["\\]/g, '\\$&')}"${p.hostLabels}}}\n`;
}

/** `,"name":"value"` per label. */
export function opentsdbJsonLabels(labels: HostLabels): string {
  return labels.map(([name, value]) => `,"${name.replace(/["\\]/g, '\\$&')}":"${tagValue(value)}"`).join('');
}

/** exporting.conf's `opentsdb:http` connector (1.37): objects of a JSON list. */
export const OPENTSDB_HTTP_1_37: BackendFormat = Object.freeze({
  type: 'opentsdb',
  defaultPort: OPENTSDB_DEFAULT_PORT,
  format: formatOpentsdbJson,
  renderLabels: opentsdbJsonLabels,
});

/** exporting.conf's `opentsdb` (telnet) connector (1.37). */
export const OPENTSDB_1_37: BackendFormat = Object.freeze({
  type: 'opentsdb',
  defaultPort: OPENTSDB_DEFAULT_PORT,
  format: formatOpentsdbLabelled,
  renderLabels: opentsdbLabels,
});

/** The `opentsdb` (telnet) backend type. */
export const OPENTSDB: BackendFormat = Object.freeze({
  type: 'opentsdb',
  defaultPort: OPENTSDB_DEFAULT_PORT,
  format: formatOpentsdb,
});
