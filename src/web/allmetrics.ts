/**
 * `/api/v1/allmetrics?format=shell|json` (1.10 `src/rrd2json.c`; reference §4.3), and where
 * `format=prometheus` takes its defaults from.
 */
import { dirname, resolve } from 'node:path';
import { createSimplePattern, type BackendDataSource, type NetdataConfig, type ExportingConfig } from '../config/index.js';
import type { Chart, Host } from '../database/index.js';
import type { HealthApi } from '../health/index.js';
import { formatRounded, jsonEscape } from './number-format.js';
import { isViewable } from './api-charts.js';

/** Uppercase, every non-alphanumeric as `_` (netdata's `shell_name_copy`). */
export function shellName(text: string): string {
  return text.replace(/[^A-Za-z0-9]/g, '_').toUpperCase();
}

function shellChart(chart: Chart): string {
  const name = shellName(chart.fullName);
  const units = chart.definition.units;
  let out = `\n# chart: ${chart.id} (name: ${chart.fullName})\n`;
  if (!isViewable(chart)) return out;
  let total = 0;
  for (const dim of chart.dimensions) {
    if (!dim.collections) continue;
    const d = dim.definition;
    const variable = `NETDATA_${name}_${shellName(d.name)}`;
    let n = dim.lastStoredValue;
    if (!Number.isFinite(n)) {
      out += `${variable}=""      # ${units}\n`;
      continue;
    }
    if (d.multiplier < 0 || d.divisor < 0) n = -n;
    n = Math.round(n);
    if (!d.options.hidden) total += n;
    out += `${variable}="${formatRounded(n)}"      # ${units}\n`;
  }
  return out + `NETDATA_${name}_VISIBLETOTAL="${formatRounded(total)}"      # ${units}\n`;
}

/** An alarm as the allmetrics formats need it, read from health's `/api/v1/alarms` body. */
export interface AlarmValue { chart: string; name: string; value: number; status: string; units: string }

/** Every alarm of a host with its chart, value and status; empty without health. */
export function alarmValues(host: Host, health: HealthApi | undefined): AlarmValue[] {
  const body = health?.alarmsJson(host, true) as { alarms?: Record<string, Record<string, unknown>> } | undefined;
  return Object.values(body?.alarms ?? {}).map((a) => ({
    chart: String(a.chart ?? ''),
    name: String(a.name ?? ''),
    value: a.value === null || a.value === undefined ? NaN : Number(a.value),
    status: String(a.status ?? 'UNDEFINED'),
    units: String(a.units ?? ''),
  }));
}

/** Which charts are printed: all, or with `filter=` those it matches (1.37). */
export type ChartFilter = (chart: Chart) => boolean;

/**
 * The chart filter of a `filter=` simple pattern, as 1.37's shell and json formats apply it:
 * on the chart's name for shell, on its id or its name for json; every chart without one.
 */
export function allmetricsFilter(pattern: string | undefined, on: 'name' | 'id or name'): ChartFilter {
  if (pattern === undefined) return () => true;
  const matcher = createSimplePattern(pattern);
  if (on === 'name') return (chart) => matcher.matches(chart.fullName);
  return (chart) => matcher.matches(chart.id) || matcher.matches(chart.fullName);
}

/** `format=shell`: one `NETDATA_CHART_DIMENSION="value"` line per collected dimension. */
export function allmetricsShell(host: Host, health: HealthApi | undefined, sendChart: ChartFilter = () => true): string {
  let out = '';
  for (const chart of host.charts.values()) if (sendChart(chart)) out += shellChart(chart);
  out += '\n# NETDATA ALARMS RUNNING\n';
  for (const alarm of alarmValues(host, health)) {
    const chart = host.chart(alarm.chart);
    const prefix = `NETDATA_ALARM_${shellName(chart ? chart.fullName : alarm.chart)}_${shellName(alarm.name)}`;
    const value = Number.isFinite(alarm.value) ? formatRounded(alarm.value) : '';
    out += `${prefix}_VALUE="${value}"      # ${alarm.units}\n`;
    out += `${prefix}_STATUS="${alarm.status}"\n`;
  }
  return out;
}

/** `%0.7f` as netdata's CALCULATED_NUMBER_FORMAT prints a value. */
function fixed7(value: number): string {
  return Number.isFinite(value) ? value.toFixed(7) : 'null';
}

/** `format=json`: each viewable chart with its collected dimensions' last stored values. */
export function allmetricsJson(host: Host, sendChart: ChartFilter = () => true): string {
  const charts: string[] = [];
  for (const chart of host.charts.values()) {
    if (!isViewable(chart) || !sendChart(chart)) continue;
    const dims = chart.dimensions.filter((d) => d.collections > 0).map((d) =>
      `\n\t\t\t"${jsonEscape(d.definition.id)}": {\n\t\t\t\t"name": "${jsonEscape(d.definition.name)}",` +
      `\n\t\t\t\t"value": ${fixed7(d.lastStoredValue)}\n\t\t\t}`);
    charts.push(`\n\t"${jsonEscape(chart.id)}": {\n\t\t"name":"${jsonEscape(chart.fullName)}",` +
      `\n\t\t"context":"${jsonEscape(chart.definition.context)}",\n\t\t"units":"${jsonEscape(chart.definition.units)}",` +
      `\n\t\t"last_updated": ${chart.lastEntryS()},\n\t\t"dimensions": {${dims.join(',')}\n\t\t}\n\t}`);
  }
  return `{${charts.join(',')}\n}`;
}

/** The settings of `format=prometheus` that a request's parameters override. */
export interface PrometheusDefaults {
  prefix: string;
  dataSource: BackendDataSource;
  sendNamesInsteadOfIds: boolean;
  /** How far back a server's first scrape looks (s). */
  updateEverySecs: number;
  sendChartsMatching: string;
  sendHostsMatching: string;
  /** Host labels on `netdata_info` (1.10's `[backend]` has none). */
  labels: { sendConfiguredLabels: boolean; sendAutomaticLabels: boolean };
}

/**
 * Where `format=prometheus` takes its defaults from. netdata 1.37 reads exporting.conf's
 * `[prometheus:exporter]` (each key falling back to `[exporting:global]`, then 1.37's defaults;
 * `web/api/exporters/allmetrics.c`, `exporting/read_config.c`) and ignores `[backend]`. So
 * the operator's own exporting.conf (in the config directory) wins even when netdata.conf has a
 * `[backend]`. The stock exporting.conf alone, which every netdata package installs, wins only
 * when `[backend]` is off: a 1.10 setup that enabled `[backend]` keeps its defaults, as in 1.10.
 */
export function prometheusDefaults(netdata: NetdataConfig, exporting: ExportingConfig | undefined): PrometheusDefaults {
  const file = exporting?.file ?? null;
  const own = file !== null && dirname(resolve(file)) === resolve(netdata.global.directories.config);
  const exporter = exporting && file !== null && (own || !netdata.backend.enabled) ? exporting.prometheusExporter : null;
  const from = exporter ?? netdata.backend;
  return {
    prefix: from.prefix,
    dataSource: from.dataSource,
    sendNamesInsteadOfIds: from.sendNamesInsteadOfIds,
    updateEverySecs: from.updateEverySecs,
    sendChartsMatching: from.sendChartsMatching,
    sendHostsMatching: from.sendHostsMatching,
    labels: exporter
      ? { sendConfiguredLabels: exporter.sendConfiguredLabels, sendAutomaticLabels: exporter.sendAutomaticLabels }
      : { sendConfiguredLabels: false, sendAutomaticLabels: false },
  };
}
