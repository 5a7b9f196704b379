/**
 * `/api/v1/allmetrics?format=prometheus|prometheus_all_hosts` (1.10 `src/backend_prometheus.c`;
 * reference §4.3): as collected (counters get `_total`, homogeneous charts one metric with a
 * `dimension` label) or average/sum of the stored points since this server's last scrape, over
 * the same window the backends use (`stored-value.ts`). The web part serves it.
 */
import type { Chart, Dimension, Host } from '../database/index.js';
import { backendDataSource, createSimplePattern, type BackendDataSource } from '../config/index.js';
import { formatStoredValue } from './format.js';
import { sentLabels, type LabelChoice } from './host-labels.js';
import { hostPatternName } from './selection.js';
import { storedValue, storedWindow, type StoredWindow } from './stored-value.js';

/** The content type of the prometheus formats (text exposition format 0.0.4). */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4';

/** One scrape's settings, from the request's parameters and `[backend]`'s defaults. */
export interface PrometheusRequest {
  prefix: string;
  source: BackendDataSource;
  help: boolean;
  types: boolean;
  names: boolean;
  timestamps: boolean;
  /** Who scrapes (the `server=` parameter, else the client address). */
  server: string;
  /** The backend's update every (s): the first scrape looks back this far. */
  updateEverySecs: number;
  nowS: number;
  /** Program name and version for `netdata_info` of the local host. */
  program: string;
  version: string;
  /** Whether a chart is exported (see {@link prometheusChartFilter}). */
  sendChart: (chart: Chart) => boolean;
  /** The host labels `netdata_info` carries (`send configured labels`, `send automatic labels`). */
  labels: Readonly<LabelChoice>;
}

/**
 * The charts a scrape exports, as 1.37's `can_send_rrdset`: those a simple pattern matches (the
 * request's `filter=`, else `send charts matching`), on the chart's name when `[prometheus:exporter]
 * send names instead of ids` is on, else on its id (whatever the request's `names=`).
 */
export function prometheusChartFilter(pattern: string, byName: boolean): (chart: Chart) => boolean {
  const matcher = createSimplePattern(pattern);
  return (chart) => matcher.matches(byName ? chart.fullName : chart.id);
}

/**
 * The hosts `format=prometheus_all_hosts` lists: those `send hosts matching` matches (`localhost`
 * for the agent's own). netdata 1.37 reads the key for `[prometheus:exporter]` and then lists
 * every host; Tributary applies it, as every other exporting instance does.
 */
export function prometheusHostFilter(pattern: string): (host: Host) => boolean {
  const matcher = createSimplePattern(pattern);
  return (host) => matcher.matches(hostPatternName(host));
}

/** Parses `data=`/`source=`; unknown keeps the previous (netdata logs and ignores it). */
export function parseDataSource(text: string, previous: BackendDataSource): BackendDataSource {
  return backendDataSource(text) ?? previous;
}

const name = (text: string) => text.replace(/[^A-Za-z0-9]/g, '_');
const label = (text: string) => text.replace(/["\\\n]/g, (c) => `\\${c}`);

/** `_percent`, `_persec` or the units with non-alphanumerics as `_` (netdata's units copy). */
export function prometheusUnits(units: string): string {
  if (units === '%') return '_percent';
  if (units.length > 2 && units.endsWith('/s')) return `_${name(units.slice(0, -2))}_persec`;
  return `_${name(units)}`;
}

/** Remembers when each (server, host) scraped last. */
export class ScrapeMemory {
  readonly #last = new Map<string, number>();

  /** The previous access (0 = first) and records `nowS` as the new one. */
  touch(server: string, host: Host, nowS: number): number {
    const key = `${server}\u0000${host.machineGuid}`;
    const last = this.#last.get(key) ?? 0;
    this.#last.set(key, nowS);
    return last;
  }
}

function homogeneous(chart: Chart): boolean {
  const [first] = chart.dimensions;
  return chart.dimensions.every((d) => d.definition.algorithm === first.definition.algorithm &&
    Math.abs(d.definition.multiplier) === Math.abs(first.definition.multiplier) &&
    Math.abs(d.definition.divisor) === Math.abs(first.definition.divisor));
}

function asCollected(chart: Chart, dim: Dimension, req: PrometheusRequest, labels: string, same: boolean): string {
  const d = dim.definition;
  const counter = d.algorithm === 'incremental' || d.algorithm === 'percentage-of-incremental-row';
  const suffix = counter ? '_total' : '';
  const context = name(chart.definition.context);
  const chartName = label(req.names ? chart.fullName : chart.id);
  const dimName = req.names ? d.name : d.id;
  const metric = same ? `${req.prefix}_${context}${suffix}` : `${req.prefix}_${context}_${name(dimName)}${suffix}`;
  let out = '';
  if (req.help) {
    out += `# COMMENT ${metric}: chart "${req.names ? chart.fullName : chart.id}", context "${chart.definition.context}", ` +
      `family "${chart.definition.family}", dimension "${dimName}", value * ${d.multiplier} / ${d.divisor} ` +
      `${counter ? 'delta gives' : 'gives'} ${chart.definition.units} (${counter ? 'counter' : 'gauge'})\n`;
  }
  if (req.types) out += `# COMMENT TYPE ${metric} ${counter ? 'counter' : 'gauge'}\n`;
  const dimLabel = same ? `,dimension="${label(dimName)}"` : '';
  const stamp = req.timestamps ? ` ${Math.floor(dim.lastCollectedTimeUs / 1000)}` : '';
  return out + `${metric}{chart="${chartName}",family="${label(chart.definition.family)}"${dimLabel}${labels}} ` +
    `${dim.lastCollectedValue}${stamp}\n`;
}

/** One average/sum metric over `window` (the backends' window, reference §4.2); '' when it has no value. */
function stored(chart: Chart, dim: Dimension, req: PrometheusRequest, labels: string, afterS: number,
  window: Readonly<StoredWindow>): string {
  const value = storedValue(chart, dim.index, window, req.source === 'sum');
  if (!Number.isFinite(value)) return '';
  const d = dim.definition;
  const suffix = req.source === 'sum' ? '_sum' : '_average';
  const units = req.source === 'average' ? prometheusUnits(chart.definition.units) : '';
  const metric = `${req.prefix}_${name(chart.definition.context)}${units}${suffix}`;
  const dimName = req.names ? d.name : d.id;
  let out = '';
  if (req.help) {
    out += `# COMMENT ${metric}: dimension "${dimName}", value is ${chart.definition.units}, gauge, ` +
      `dt ${afterS} to ${window.lastS} inclusive\n`;
  }
  if (req.types) out += `# COMMENT TYPE ${metric} gauge\n`;
  const stamp = req.timestamps ? ` ${window.lastS * 1000}` : '';
  return out + `${metric}{chart="${label(req.names ? chart.fullName : chart.id)}",family="${label(chart.definition.family)}",` +
    `dimension="${label(dimName)}"${labels}} ${formatStoredValue(value)}${stamp}\n`;
}

function hostMetrics(host: Host, req: PrometheusRequest, afterS: number, allHosts: boolean): string {
  const instance = label(host.hostname);
  const program = host.isLocal ? req.program : host.identity.programName ?? '';
  const version = host.isLocal ? req.version : host.identity.programVersion ?? '';
  const stamp = req.timestamps ? ` ${req.nowS * 1000}` : '';
  let out = `netdata_info{instance="${instance}",application="${label(program)}",version="${label(version)}"` +
    `${infoLabels(host, req.labels)}} 1${stamp}\n`;
  const tags = host.identity.tags;
  if (tags) {
    const inst = allHosts ? `instance="${instance}",` : '';
    out += `netdata_host_tags_info{${inst}${tags}} 1${stamp}\nnetdata_host_tags{${inst}${tags}} 1${stamp}\n`;
  }
  const labels = allHosts ? `,instance="${instance}"` : '';
  for (const chart of host.charts.values()) {
    if (chart.definition.options.obsolete || !chart.dimensions.length || !req.sendChart(chart)) continue;
    const same = req.source !== 'as collected' || homogeneous(chart);
    if (req.help) {
      out += `\n# COMMENT ${same ? 'homogeneus' : 'heterogeneous'} chart "${req.names ? chart.fullName : chart.id}", ` +
        `context "${chart.definition.context}", family "${chart.definition.family}", units "${chart.definition.units}"\n`;
    }
    const window = req.source === 'as collected' ? undefined : storedWindow(chart, afterS, req.nowS);
    for (const dim of chart.dimensions) {
      if (!dim.collections) continue;
      if (req.source === 'as collected') out += asCollected(chart, dim, req, labels, same);
      else if (window) out += stored(chart, dim, req, labels, afterS, window);
    }
  }
  return out;
}

/** `,name="value"` for each host label sent (1.37's `format_host_labels_prometheus`); names with non-alphanumerics as `_`. */
function infoLabels(host: Host, choice: Readonly<LabelChoice>): string {
  let out = '';
  for (const [key, value] of sentLabels(host, choice)) {
    const k = name(key);
    if (k && value) out += `,${k}="${label(value)}"`;
  }
  return out;
}

/** The `# COMMENT netdata ... to prometheus ...` header (with `help=yes`) and the window start. */
function preamble(host: Host, req: PrometheusRequest, memory: ScrapeMemory): { text: string; afterS: number } {
  const server = req.server || 'default';
  let after = memory.touch(server, host, req.nowS);
  const firstSeen = after === 0;
  if (firstSeen || after > req.nowS) after = req.nowS - req.updateEverySecs;
  if (!req.help) return { text: '', afterS: after };
  let text = `# COMMENT netdata "${host.hostname}" to ${firstSeen ? 'FIRST SEEN ' : ''}prometheus "${server}", ` +
    `source "${req.source}", last seen ${firstSeen ? 0 : req.nowS - after} ${firstSeen ? 'never' : 'seconds ago'}`;
  if (req.source !== 'as collected') text += `, time range ${after} to ${req.nowS}`;
  return { text: text + '\n\n', afterS: after };
}

/** `format=prometheus` for one host, or every host with an `instance` label. */
export function allmetricsPrometheus(host: Host, hosts: Host[] | undefined, req: PrometheusRequest,
  memory: ScrapeMemory): string {
  const { text, afterS } = preamble(host, req, memory);
  if (!hosts) return text + hostMetrics(host, req, afterS, false);
  return text + hosts.map((h) => hostMetrics(h, req, afterS, true)).join('');
}
