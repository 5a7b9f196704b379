/**
 * JSON plaintext, one object per line (reference §4.2). Keys, their order and the odd spaces
 * after `chart_context`, `units` and `timestamp` are netdata's. Names are not sanitised here.
 */
import type { BackendFormat, HostLabels, MetricPoint } from './format.js';

/** netdata's default port for the json backend. */
export const JSON_DEFAULT_PORT = 5448;

/**
 * netdata writes strings unescaped; escaping `"` and `\` keeps every line valid JSON and leaves
 * every name without them byte-identical to netdata's.
 */
function str(text: string): string {
  return /["\\]/.test(text) ? text.replace(/["\\]/g, '\\$&') : text;
}

/** Tags that already look like JSON are written raw, anything else as a string. */
function hostTags(tags: string): string {
  if (!tags) return '';
  const first = tags[0];
  if (first === '{' || first === '[' || first === '"') return `"host_tags":${tags},`;
  return `"host_tags":"${str(tags)}",`;
}

/** One JSON object line. */
export function formatJson(p: Readonly<MetricPoint>): string {
  const c = p.chart.definition;
  const d = p.dimension.definition;
  return `{"prefix":"${str(p.prefix)}","hostname":"${str(p.hostname)}",${hostTags(p.hostTags)}`
    + `"chart_id":"${str(p.chart.id)}","chart_name":"${str(p.chart.fullName)}",`
    + `"chart_family":"${str(c.family)}","chart_context": "${str(c.context)}",`
    + `"chart_type":"${str(c.type)}","units": "${str(c.units)}",`
    + `"id":"${str(d.id)}","name":"${str(d.name)}","value":${p.value},"timestamp": ${p.timestampS}}\n`;
}

/**
 * One object line of netdata 1.37's json connector (`exporting/json/json.c` @1.37): the odd
 * spaces are gone, `"labels":{...}` follows the host tags, `chart_type` is the chart's type.
 */
export function formatJsonLabelled(p: Readonly<MetricPoint>): string {
  const c = p.chart.definition;
  const d = p.dimension.definition;
  return `{"prefix":"${str(p.prefix)}","hostname":"${str(p.hostname)}",${hostTags(p.hostTags)}${p.hostLabels}`
    + `"chart_id":"${str(p.chart.id)}","chart_name":"${str(p.chart.fullName)}",`
    + `"chart_family":"${str(c.family)}","chart_context":"${str(c.context)}",`
    + `"chart_type":"${str(c.type)}","units":"${str(c.units)}",`
    + `"id":"${str(d.id)}","name":"${str(d.name)}","value":${p.value},"timestamp":${p.timestampS}}\n`;
}

/** `"labels":{"name":"value",...},` (netdata's `sanitize_json_string`: control characters as `_`). */
export function jsonLabels(labels: HostLabels): string {
  const json = (text: string): string => str(text).replace(/[\u0000-\u001e]/g, '_');
  return `"labels":{${labels.map(([name, value]) => `"${json(name)}":"${json(value)}"`).join(',')}},`;
}

/** exporting.conf's `json` connector (1.37). */
export const JSON_1_37: BackendFormat = Object.freeze({
  type: 'json',
  defaultPort: JSON_DEFAULT_PORT,
  format: formatJsonLabelled,
  renderLabels: jsonLabels,
});

/** The `json` backend type. */
export const JSON_LINES: BackendFormat = Object.freeze({
  type: 'json',
  defaultPort: JSON_DEFAULT_PORT,
  format: formatJson,
});
