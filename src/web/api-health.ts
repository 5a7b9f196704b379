/**
 * `/api/v1/alarms`, `/api/v1/alarm_log` and `/api/v1/alarm_variables`: health's bodies when
 * health runs, otherwise netdata's shapes with nothing in them (1.37 `health/health_json.c`,
 * `database/rrdvar.c`; reference §6).
 */
import type { Chart, Host } from '../database/index.js';
import type { HealthApi } from '../health/index.js';
import { formatNumber } from './number-format.js';

function json(body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body, null, '\t') + '\n';
}

/** `?all` (bare word) lists every alarm, otherwise only raised ones. */
export function alarmsBody(host: Host, health: HealthApi | undefined, all: boolean, nowS: number): string {
  if (health) return json(health.alarmsJson(host, all));
  return json({ hostname: host.hostname, latest_alarm_log_unique_id: 0, status: false, now: nowS, alarms: {} });
}

/** Entries with a unique id above `after`, newest first. */
export function alarmLogBody(host: Host, health: HealthApi | undefined, after: number): string {
  return health ? json(health.alarmLogJson(host, after)) : '[\n]\n';
}

function variables(vars: ReadonlyMap<string, number>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [name, value] of vars) out[name] = Number.isFinite(value) ? Number(formatNumber(value)) : null;
  return out;
}

/** The chart's, its family's and its host's variables. */
export function alarmVariablesBody(chart: Chart, health: HealthApi | undefined): string {
  const body = health?.alarmVariablesJson(chart.host, chart.id);
  if (body !== undefined) return json(body);
  return json({
    chart: chart.id,
    chart_name: chart.fullName,
    chart_context: chart.definition.context,
    chart_variables: variables(chart.variables),
    family: chart.definition.family,
    family_variables: {},
    host: chart.host.hostname,
    host_variables: variables(chart.host.variables),
  });
}
