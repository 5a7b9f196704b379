/**
 * OpenTSDB telnet (reference §4.2):
 * `put <prefix>.<chart>.<dimension> <unix_ts> <value> host=<hostname>[ <host tags>]\n`.
 */
import type { BackendFormat, MetricPoint } from './format.js';

/** OpenTSDB's telnet port, used when a destination names none. */
export const OPENTSDB_DEFAULT_PORT = 4242;

/** One OpenTSDB `put` line. */
export function formatOpentsdb(p: Readonly<MetricPoint>): string {
  const tags = p.hostTags ? ` ${p.hostTags}` : '';
  return `put ${p.prefix}.${p.chartName}.${p.dimensionName} ${p.timestampS} ${p.value} host=${p.hostname}${tags}\n`;
}

/** The `opentsdb` (telnet) backend type. */
export const OPENTSDB: BackendFormat = Object.freeze({
  type: 'opentsdb',
  defaultPort: OPENTSDB_DEFAULT_PORT,
  format: formatOpentsdb,
});
