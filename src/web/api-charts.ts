/**
 * `/api/v1/charts` and `/api/v1/chart?chart=` in netdata 1.10's shape
 * (`src/rrd2json.c rrd_stats_api_v1_charts`; reference §6), with 1.37's `chart_labels` and
 * `functions` (the functions a plugin registered with the chart).
 */
import type { Chart, Host, HostRegistry } from '../database/index.js';
import type { HealthApi } from '../health/index.js';
import { chartFunctionsInfo, type RegisteredFunction } from './api-function.js';

/** Charts a viewer sees: not obsolete, not hidden, with dimensions, in a mode that keeps data. */
export function isViewable(chart: Chart): boolean {
  const o = chart.definition.options;
  return !o.obsolete && !o.hidden && chart.dimensions.length > 0 && chart.historyEntries > 0;
}

/** Charts of a host sorted as netdata lists them (priority, then id). */
export function viewableCharts(host: Host): Chart[] {
  return [...host.charts.values()].filter(isViewable).sort((a, b) =>
    a.definition.priority - b.definition.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

interface AlarmBrief { id: number; status: string; units: string; update_every: number }

/** Per chart alarm summaries from health's `/api/v1/alarms?all` body (empty without health). */
function chartAlarms(host: Host, health: HealthApi | undefined): Map<string, Record<string, AlarmBrief>> {
  const byChart = new Map<string, Record<string, AlarmBrief>>();
  const body = health?.alarmsJson(host, true) as { alarms?: Record<string, Record<string, unknown>> } | undefined;
  for (const alarm of Object.values(body?.alarms ?? {})) {
    const chart = String(alarm.chart ?? '');
    const list = byChart.get(chart) ?? {};
    list[String(alarm.name)] = {
      id: Number(alarm.id), status: String(alarm.status), units: String(alarm.units ?? ''),
      update_every: Number(alarm.update_every),
    };
    byChart.set(chart, list);
  }
  return byChart;
}

/**
 * A chart's labels as 1.37 shows them: `_collect_plugin` and `_collect_module` first (netdata
 * gives every chart these from its plugin and module, `[none]` for an empty value), then the
 * labels the collector or child set (CLABEL), a label of the same name replacing the value.
 */
export function chartLabels(chart: Chart): Record<string, string> {
  const d = chart.definition;
  const labels: Record<string, string> = { _collect_plugin: d.plugin || '[none]', _collect_module: d.module || '[none]' };
  for (const [name, label] of chart.labels) labels[name] = label.value || '[none]';
  return labels;
}

/** One chart object (also the body of `/api/v1/chart`). */
export function chartJson(chart: Chart, alarms: Record<string, AlarmBrief> = {},
  functions: readonly RegisteredFunction[] = []): Record<string, unknown> {
  const d = chart.definition;
  const dimensions: Record<string, { name: string }> = {};
  for (const dim of chart.dimensions) {
    if (!dim.definition.options.hidden) dimensions[dim.definition.id] = { name: dim.definition.name };
  }
  return {
    id: chart.id,
    name: chart.fullName,
    type: d.type,
    family: d.family,
    context: d.context,
    title: `${d.title} (${chart.fullName})`,
    priority: d.priority,
    plugin: d.plugin,
    module: d.module,
    enabled: true,
    units: d.units,
    data_url: `/api/v1/data?chart=${chart.fullName}`,
    chart_type: d.chartType,
    duration: chart.historyEntries * d.updateEverySecs,
    first_entry: chart.firstEntryS(),
    last_entry: chart.lastEntryS(),
    update_every: d.updateEverySecs,
    dimensions,
    green: null,
    red: null,
    alarms,
    chart_labels: chartLabels(chart),
    functions: chartFunctionsInfo(chart.id, functions),
  };
}

/** `/api/v1/chart?chart=` body. */
export function singleChartJson(chart: Chart, health: HealthApi | undefined,
  functions: readonly RegisteredFunction[] = []): string {
  const alarms = chartAlarms(chart.host, health).get(chart.id) ?? {};
  return JSON.stringify(chartJson(chart, alarms, functions), null, '\t') + '\n';
}

/** `/api/v1/charts` body for a host. */
export function chartsJson(host: Host, registry: HostRegistry, health: HealthApi | undefined, version: string,
  functions: readonly RegisteredFunction[] = []): string {
  const alarms = chartAlarms(host, health);
  const charts: Record<string, unknown> = {};
  let dimensionsCount = 0;
  let alarmsCount = 0;
  for (const chart of viewableCharts(host)) {
    const own = alarms.get(chart.id) ?? {};
    charts[chart.id] = chartJson(chart, own, functions);
    dimensionsCount += chart.dimensions.filter((d) => !d.definition.options.hidden).length;
  }
  for (const list of alarms.values()) alarmsCount += Object.keys(list).length;
  const hosts = registry.hosts();
  return JSON.stringify({
    hostname: host.hostname,
    version: host.isLocal ? version : host.identity.programVersion ?? '',
    os: host.identity.os ?? 'linux',
    timezone: host.identity.timezone ?? 'unknown',
    update_every: host.settings.updateEverySecs,
    history: host.settings.historyEntries,
    custom_info: '',
    charts,
    charts_count: Object.keys(charts).length,
    dimensions_count: dimensionsCount,
    alarms_count: alarmsCount,
    rrd_memory_bytes: host.memoryBytes(),
    hosts_count: hosts.length,
    hosts: hosts.map((h) => ({ hostname: h.hostname })),
  }, null, '\t') + '\n';
}
