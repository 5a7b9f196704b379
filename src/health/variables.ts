/**
 * The variables an alarm's expressions can read (reference §5.3), looked up as netdata does:
 * the alarm's own specials first, then the chart's scope, then the family's (charts of the same
 * family on the host), then the host's.
 *
 * - specials: `$this` (the alarm's value), `$after` `$before` (the lookup window used), `$now`,
 *   `$status`, `$REMOVED` ... `$CRITICAL`;
 * - chart: `$last_collected_t`, `$update_every`, `$green`, `$red`, `$collected_total_raw`, each
 *   dimension by id and by name (its last stored value), `_raw` (last collected value) and
 *   `_last_collected_t` forms, the chart's custom variables (VARIABLE CHART), and the values of
 *   the chart's alarms by name;
 * - family: dimensions (also as `context.dim`) and alarms of charts in the same family;
 * - host: `chart.dim` forms by chart id and name, `chart.alarm`, and host variables
 *   (VARIABLE HOST / GLOBAL).
 */
import type { Chart, Host } from '../database/index.js';
import type { Alarm } from './alarm.js';
import { STATUS } from './definition.js';
import type { VariableResolver } from './expression.js';

/** The alarms of a host, for lookups of other alarms by name. */
export interface AlarmDirectory {
  alarmsOf(chart: Chart): readonly Alarm[];
}

const STATUS_VARIABLES: Readonly<Record<string, number>> = Object.freeze({
  REMOVED: STATUS.REMOVED, UNINITIALIZED: STATUS.UNINITIALIZED, UNDEFINED: STATUS.UNDEFINED,
  CLEAR: STATUS.CLEAR, WARNING: STATUS.WARNING, CRITICAL: STATUS.CRITICAL,
});

/** A dimension variable (`name`, `name_raw`, `name_last_collected_t`) of `chart`. */
function dimensionVariable(chart: Chart, name: string): number | undefined {
  for (const d of chart.dimensions) {
    const { id, name: dimName } = d.definition;
    if (name === id || name === dimName) return d.lastStoredValue;
    if (name === `${id}_raw` || name === `${dimName}_raw`) return d.lastCollectedValue;
    if (name === `${id}_last_collected_t` || name === `${dimName}_last_collected_t`) {
      return Math.trunc(d.lastCollectedTimeUs / 1e6);
    }
  }
  return undefined;
}

function greenRed(chart: Chart, alarms: AlarmDirectory, key: 'green' | 'red'): number {
  for (const alarm of alarms.alarmsOf(chart)) {
    const v = alarm.definition[key];
    if (!Number.isNaN(v)) return v;
  }
  return NaN;
}

/** Variables of the chart's own scope (netdata's rrdsetvar and local rrddimvar). */
export function chartVariable(chart: Chart, name: string, alarms: AlarmDirectory): number | undefined {
  switch (name) {
    case 'last_collected_t': return Math.trunc(chart.lastCollectedTimeUs / 1e6);
    case 'update_every': return chart.definition.updateEverySecs;
    case 'green':
    case 'red': return greenRed(chart, alarms, name);
    case 'collected_total_raw':
      return chart.dimensions.reduce((sum, d) => sum + (Number.isNaN(d.lastCollectedValue) ? 0 : d.lastCollectedValue), 0);
    default: break;
  }
  const custom = chart.variables.get(name);
  if (custom !== undefined) return custom;
  const dim = dimensionVariable(chart, name);
  if (dim !== undefined) return dim;
  const alarm = alarms.alarmsOf(chart).find((a) => a.name === name);
  return alarm ? alarm.value : undefined;
}

function familyVariable(chart: Chart, name: string, alarms: AlarmDirectory): number | undefined {
  const family = chart.definition.family;
  for (const other of chart.host.charts.values()) {
    if (other === chart || other.definition.family !== family) continue;
    const dim = dimensionVariable(other, name);
    if (dim !== undefined) return dim;
    const context = `${other.definition.context}.`;
    if (name.startsWith(context)) {
      const byContext = dimensionVariable(other, name.slice(context.length));
      if (byContext !== undefined) return byContext;
    }
    const alarm = alarms.alarmsOf(other).find((a) => a.name === name);
    if (alarm) return alarm.value;
  }
  return undefined;
}

function hostVariable(host: Host, name: string, alarms: AlarmDirectory): number | undefined {
  const custom = host.variables.get(name);
  if (custom !== undefined) return custom;
  for (let dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
    const chart = host.chart(name.slice(0, dot));
    if (!chart) continue;
    const rest = name.slice(dot + 1);
    const dim = dimensionVariable(chart, rest);
    if (dim !== undefined) return dim;
    const alarm = alarms.alarmsOf(chart).find((a) => a.name === rest);
    if (alarm) return alarm.value;
  }
  return undefined;
}

/** The resolver for `alarm`'s expressions at `nowS`. */
export function alarmResolver(alarm: Alarm, nowS: number, alarms: AlarmDirectory): VariableResolver {
  return (name: string): number | undefined => {
    switch (name) {
      case 'this': return alarm.value;
      case 'after': return alarm.dbAfterS || NaN;
      case 'before': return alarm.dbBeforeS || NaN;
      case 'now': return nowS;
      case 'status': return alarm.status;
      default: break;
    }
    if (name in STATUS_VARIABLES) return STATUS_VARIABLES[name];
    return chartVariable(alarm.chart, name, alarms) ??
      familyVariable(alarm.chart, name, alarms) ??
      hostVariable(alarm.chart.host, name, alarms);
  };
}
