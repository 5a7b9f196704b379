/**
 * The bodies of `/api/v1/alarms`, `/api/v1/alarm_log` and `/api/v1/alarm_variables` in netdata
 * 1.37's field order (health/health_json.c, database/rrdvar.c): plain objects the web part
 * serializes. Numbers that are NaN or infinite are null; texts netdata HTML-escapes are escaped.
 */
import { createHash } from 'node:crypto';
import type { Chart, Host } from '../database/index.js';
import type { Alarm } from './alarm.js';
import { ENTRY_FLAG, type AlarmLog, type AlarmLogEntry } from './alarm-log.js';
import { isRaised, statusName } from './definition.js';
import { formatValueAndUnits } from './format-value.js';
import type { HostHealth } from './host-health.js';
import { LINK_ALARM_CHART, LINK_ALARM_CLASS, LINK_ALARM_COMPONENT, LINK_ALARM_FAMILY, LINK_ALARM_RECIPIENT,
  LINK_ALARM_TYPE, type LinkAlarm } from './link-alarm.js';
import type { OwnerVerdict } from './notification-owner.js';
import { DEFAULT_RECIPIENT } from './host-health.js';
import { lookupOptionsString } from './lookup-spec.js';
import { chartVariable } from './variables.js';

const HTML_ESCAPES: Readonly<Record<string, string>> = Object.freeze({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '/': '&#x2F;', "'": '&#x27;',
});

/** netdata's buffer_strcat_htmlescape. */
function htmlEscape(text: string): string {
  return text.replace(/[&<>"/']/g, (c) => HTML_ESCAPES[c]);
}

/** netdata's health_string2json: escaped text, or null when empty. */
function textOrNull(text: string | null | undefined): string | null {
  return text ? htmlEscape(text) : null;
}

const numberOrNull = (n: number | null): number | null => (n === null || !Number.isFinite(n) ? null : n);

/** A stable UUID for a definition (netdata hashes the config; any stable id serves). */
function configHashId(alarm: Alarm): string {
  const d = alarm.definition;
  const hex = createHash('md5').update(`${d.kind}\0${d.name}\0${d.source}\0${d.on}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function alarmJson(alarm: Alarm, defaultExec: string): Record<string, unknown> {
  const d = alarm.definition;
  const json: Record<string, unknown> = {
    id: alarm.id,
    config_hash_id: configHashId(alarm),
    name: d.name,
    chart: alarm.chart.id,
    family: alarm.chart.definition.family,
    class: d.classification ?? 'Unknown',
    component: d.component ?? 'Unknown',
    type: d.type ?? 'Unknown',
    active: true,
    disabled: false,
    silenced: false,
    exec: d.exec ?? defaultExec,
    recipient: d.to ?? DEFAULT_RECIPIENT,
    source: d.source,
    units: d.units,
    info: alarm.info,
    status: statusName(alarm.status),
    last_status_change: alarm.lastStatusChangeS,
    last_updated: alarm.lastUpdatedS,
    next_update: alarm.nextUpdateS,
    update_every: alarm.updateEverySecs,
    delay_up_duration: d.delay.upSecs,
    delay_down_duration: d.delay.downSecs,
    delay_max_duration: d.delay.maxSecs,
    delay_multiplier: d.delay.multiplier,
    delay: alarm.delayLastSecs,
    delay_up_to_timestamp: alarm.delayUpToS,
    warn_repeat_every: String(alarm.warnRepeatSecs),
    crit_repeat_every: String(alarm.critRepeatSecs),
    value_string: formatValueAndUnits(alarm.value, d.units),
    last_repeat: String(alarm.lastRepeatS),
    times_repeat: alarm.timesRepeat,
  };
  if (d.noClearNotification) json.no_clear_notification = true;
  if (d.lookup) {
    if (d.lookup.dimensions) json.lookup_dimensions = textOrNull(d.lookup.dimensions);
    json.db_after = alarm.dbAfterS;
    json.db_before = alarm.dbBeforeS;
    json.lookup_method = d.lookup.method;
    json.lookup_after = d.lookup.afterSecs;
    json.lookup_before = d.lookup.beforeSecs;
    json.lookup_options = lookupOptionsString(d.lookup.options);
  }
  for (const [key, expression] of [['calc', d.calc], ['warn', d.warn], ['crit', d.crit]] as const) {
    if (!expression) continue;
    json[key] = textOrNull(expression.source);
    json[`${key}_parsed`] = textOrNull(expression.parsedAs);
  }
  json.green = numberOrNull(d.green);
  json.red = numberOrNull(d.red);
  json.value = numberOrNull(alarm.value);
  return json;
}

/** A link alarm in the shape of a chart's (no lookup, no expressions, no delays). */
function linkAlarmJson(alarm: LinkAlarm, defaultExec: string): Record<string, unknown> {
  const kind = alarm.kind;
  return {
    id: alarm.id,
    name: kind.name,
    chart: LINK_ALARM_CHART,
    family: LINK_ALARM_FAMILY,
    class: LINK_ALARM_CLASS,
    component: LINK_ALARM_COMPONENT,
    type: LINK_ALARM_TYPE,
    active: true,
    disabled: false,
    silenced: false,
    exec: defaultExec,
    recipient: LINK_ALARM_RECIPIENT,
    source: kind.source,
    units: kind.units,
    info: alarm.raised ? alarm.info : '',
    status: statusName(alarm.status),
    last_status_change: alarm.lastStatusChangeS,
    last_updated: alarm.lastUpdatedS,
    next_update: alarm.lastUpdatedS + 1,
    update_every: 1,
    delay: 0,
    value_string: formatValueAndUnits(alarm.value, kind.units),
    value: numberOrNull(alarm.value),
  };
}

/** Alarms netdata lists: linked to a chart that has been collected. */
function listed(health: HostHealth, all: boolean): Alarm[] {
  return health.alarms.filter((a) => a.chart.lastCollectedTimeUs > 0 &&
    (all || isRaised(a.status)));
}

/**
 * `/api/v1/alarms` (`all` or only WARNING/CRITICAL), the host's link alarms among them, and
 * `notification_owner` (Tributary's): whether this node sends the host's notifications, and why.
 */
export function alarmsJson(host: Host, health: HostHealth | undefined, all: boolean, nowS: number,
  defaultExec: string, linkAlarms: readonly LinkAlarm[], owner: OwnerVerdict): Record<string, unknown> {
  const alarms: Record<string, unknown> = {};
  if (health) {
    for (const alarm of listed(health, all)) alarms[`${alarm.chart.id}.${alarm.name}`] = alarmJson(alarm, defaultExec);
    for (const alarm of linkAlarms) {
      if (all || alarm.raised) alarms[`${LINK_ALARM_CHART}.${alarm.name}`] = linkAlarmJson(alarm, defaultExec);
    }
  }
  const body: Record<string, unknown> = {
    hostname: host.hostname,
    latest_alarm_log_unique_id: health ? health.log.latestUniqueId : 0,
    status: health !== undefined,
    now: nowS,
  };
  if (health) body.notification_owner = { rule: owner.rule, this_node_notifies: owner.notifies, reason: owner.reason };
  body.alarms = alarms;
  return body;
}

function entryJson(host: Host, e: AlarmLogEntry, defaultExec: string, editCommand: string): Record<string, unknown> {
  const json: Record<string, unknown> = {
    hostname: host.hostname,
    utc_offset: 0,
    timezone: host.identity.timezone ?? 'UTC',
    unique_id: e.uniqueId,
    alarm_id: e.alarmId,
    alarm_event_id: e.alarmEventId,
    config_hash_id: '00000000-0000-0000-0000-000000000000',
    name: e.name,
    chart: e.chart,
    context: e.context,
    family: e.family,
    class: e.classification ?? 'Unknown',
    component: e.component ?? 'Unknown',
    type: e.type ?? 'Unknown',
    processed: (e.flags & ENTRY_FLAG.PROCESSED) !== 0,
    updated: (e.flags & ENTRY_FLAG.UPDATED) !== 0,
    exec_run: e.execRunS,
    exec_failed: (e.flags & ENTRY_FLAG.EXEC_FAILED) !== 0,
    exec: e.exec ?? defaultExec,
    recipient: e.recipient ?? DEFAULT_RECIPIENT,
    exec_code: e.execCode,
    source: e.source,
    command: editCommand,
    units: e.units,
    when: e.whenS,
    duration: e.durationSecs,
    non_clear_duration: e.nonClearDurationSecs,
    status: statusName(e.newStatus),
    old_status: statusName(e.oldStatus),
    delay: e.delaySecs,
    delay_up_to_timestamp: e.delayUpToS,
    updated_by_id: e.updatedById,
    updates_id: e.updatesId,
    value_string: e.newValueString,
    old_value_string: e.oldValueString,
    last_repeat: String(e.lastRepeatS),
    silenced: (e.flags & ENTRY_FLAG.SILENCED) !== 0 ? 'true' : 'false',
    info: textOrNull(e.info),
  };
  if (e.flags & ENTRY_FLAG.NO_CLEAR_NOTIFICATION) json.no_clear_notification = true;
  json.value = numberOrNull(e.newValue);
  json.old_value = numberOrNull(e.oldValue);
  return json;
}

/** `/api/v1/alarm_log?after=ID`: entries with a larger unique id, newest first. */
export function alarmLogJson(host: Host, log: AlarmLog | undefined, after: number,
  defaultExec: string, editCommand: (source: string) => string): unknown[] {
  if (!log) return [];
  return log.entries.filter((e) => e.uniqueId > after)
    .map((e) => entryJson(host, e, defaultExec, editCommand(e.source)));
}

function variablesOf(names: Iterable<string>, value: (name: string) => number | undefined): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const name of names) out[name] = numberOrNull(value(name) ?? NaN);
  return out;
}

function chartVariableNames(chart: Chart, health: HostHealth | undefined): string[] {
  const names = ['last_collected_t', 'green', 'red', 'update_every'];
  for (const d of chart.dimensions) {
    const { id, name } = d.definition;
    for (const base of id === name ? [id] : [id, name]) {
      names.push(base, `${base}_raw`, `${base}_last_collected_t`);
    }
  }
  names.push(...chart.variables.keys());
  if (health) names.push(...health.alarmsOf(chart).map((a) => a.name));
  return names;
}

/** Dimensions of the charts in `chart`'s family, by id and name, also as `context.dim`. */
function familyVariables(host: Host, chart: Chart): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const other of host.charts.values()) {
    if (other.definition.family !== chart.definition.family) continue;
    for (const d of other.dimensions) {
      for (const name of new Set([d.definition.id, d.definition.name])) {
        out[name] = numberOrNull(d.lastStoredValue);
        out[`${other.definition.context}.${name}`] = numberOrNull(d.lastStoredValue);
      }
    }
  }
  return out;
}

/** Every `chart.dim` of the host (chart by id and name, dim by id and name), then host variables. */
function hostVariables(host: Host): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const other of host.charts.values()) {
    const prefixes = new Set([other.id, other.fullName]);
    for (const d of other.dimensions) {
      const names = new Set([d.definition.id, d.definition.name]);
      for (const prefix of prefixes) {
        for (const name of names) out[`${prefix}.${name}`] = numberOrNull(d.lastStoredValue);
      }
    }
  }
  for (const [name, value] of host.variables) out[name] = numberOrNull(value);
  return out;
}

/** `/api/v1/alarm_variables?chart=ID`; undefined when the chart is unknown. */
export function alarmVariablesJson(host: Host, health: HostHealth | undefined, chartId: string):
  Record<string, unknown> | undefined {
  const chart = host.chart(chartId);
  if (!chart) return undefined;
  const directory = health ?? { alarmsOf: () => [] };
  return {
    chart: chart.id,
    chart_name: chart.fullName,
    chart_context: chart.definition.context,
    chart_variables: variablesOf(chartVariableNames(chart, health), (n) => chartVariable(chart, n, directory)),
    family: chart.definition.family,
    family_variables: familyVariables(host, chart),
    host: host.hostname,
    host_variables: hostVariables(host),
  };
}
