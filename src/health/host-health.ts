/**
 * Health on one host: links alarm and template definitions to the host's charts (also charts
 * defined later), runs netdata's health loop iteration (lookups and calcs, then warn/crit and
 * status changes, then repeats, then the notifications of the log), and keeps the host's log.
 */
import { createSimplePattern } from '../config/index.js';
import type { Chart, Host, HostObserver } from '../database/index.js';
import { info } from '../log.js';
import { Alarm, type AlarmDefaults, type AlarmTransition } from './alarm.js';
import { ENTRY_FLAG, type AlarmLog, type AlarmLogEntry } from './alarm-log.js';
import { isRaised, STATUS, statusName, type AlarmDefinition } from './definition.js';
import { formatValueAndUnits } from './format-value.js';
import { buildNotifyCommand, editCommand, runNotifyCommand, type NotificationArgs } from './notify.js';
import { alarmResolver, type AlarmDirectory } from './variables.js';

/** An alarm on a chart whose chart went obsolete is removed this long after its last collection. */
export const REMOVE_OBSOLETE_AFTER_SECS = 60;
/** At most this many other raised alarms are listed in a notification (netdata's ACTIVE_ALARMS_LIST). */
export const MAX_LISTED_ACTIVE_ALARMS = 15;
/** netdata's default recipient when an alarm has no `to:`. */
export const DEFAULT_RECIPIENT = 'root';

/** What a host's health needs from the agent; fixed for the host's lifetime. */
export interface HostHealthOptions {
  definitions: readonly AlarmDefinition[];
  log: AlarmLog;
  defaults: AlarmDefaults;
  /** `[health] script to execute on alarm`. */
  defaultExec: string;
  /** Environment for the exec (NETDATA_* directories). */
  notifyEnv: Record<string, string>;
  /** The user config directory, for the edit command argument. */
  userConfigDir: string;
  /** The agent's own registry hostname, for the edit command argument. */
  localRegistryHostname: string;
  /** Minimum seconds between loop iterations (`[health] run at least every seconds`). */
  runAtLeastEverySecs: number;
  /** Wall clock in seconds (default the system's): when an alarm is linked. */
  nowS?: () => number;
  /**
   * Whether this node sends the host's notifications now (`[health] notification owner`;
   * default yes). While it does not, logged events wait unprocessed and repeats are skipped.
   */
  notifies?: () => boolean;
}

const matches = (pattern: string, subject: string): boolean => createSimplePattern(pattern).matches(subject);

function hostMatches(definition: AlarmDefinition, host: Host): boolean {
  if (definition.os !== null && !matches(definition.os, host.identity.os ?? 'linux')) return false;
  if (definition.hosts !== null && !matches(definition.hosts, host.hostname)) return false;
  return true;
}

/** netdata's rrdlabels_match_simple_pattern_parsed: some label's name or `name=value` matches. */
function hostLabelsMatch(pattern: string, host: Host): boolean {
  const p = createSimplePattern(pattern);
  for (const [name, label] of host.labels) {
    if (p.matches(name) || p.matches(`${name}=${label.value}`)) return true;
  }
  return false;
}

function chartMatches(d: AlarmDefinition, chart: Chart): boolean {
  const def = chart.definition;
  if (d.hostLabels !== null && !hostLabelsMatch(d.hostLabels, chart.host)) return false;
  if (d.kind === 'alarm') return d.on === chart.id || d.on === chart.fullName;
  if (d.on !== def.context) return false;
  if (d.families !== null && !matches(d.families, def.family)) return false;
  if (d.charts !== null && !matches(d.charts, chart.id) && !matches(d.charts, chart.fullName)) return false;
  if (d.plugin !== null && !matches(d.plugin, def.plugin)) return false;
  if (d.module !== null && !matches(d.module, def.module)) return false;
  // a foreach template waits for the chart's first dimension
  if (d.kind === 'template' && d.lookup?.foreach && chart.dimensions.length === 0) return false;
  return true;
}

/**
 * The definitions a `foreach` template gives on `chart`: one per dimension whose id or name
 * matches, named `<name>_<dimension name>`, its lookup on that dimension (1.37
 * rrdcalctemplate.c; `,` and `|` separate the pattern's words). Other definitions give themselves.
 */
function perDimension(d: AlarmDefinition, chart: Chart, cache: Map<string, AlarmDefinition>): AlarmDefinition[] {
  const foreach = d.kind === 'template' ? d.lookup?.foreach : null;
  if (!foreach || !d.lookup) return [d];
  const pattern = createSimplePattern(foreach.replace(/[|,]/g, ' '));
  const out: AlarmDefinition[] = [];
  for (const dim of chart.dimensions) {
    const { id, name } = dim.definition;
    if (!pattern.matches(id) && !pattern.matches(name)) continue;
    const key = `${d.source}\0${d.name}\0${name}`;
    let derived = cache.get(key);
    if (!derived) {
      derived = Object.freeze({ ...d, name: `${d.name}_${name}`, lookup: Object.freeze({ ...d.lookup, dimensions: name, foreach: null }) });
      cache.set(key, derived);
    }
    out.push(derived);
  }
  return out;
}

/** The health of one host. Created by `Health.attachHost`. */
export class HostHealth implements AlarmDirectory {
  readonly alarms: Alarm[] = [];
  readonly #byChart = new Map<Chart, Alarm[]>();
  readonly #definitions: readonly AlarmDefinition[];
  readonly #observer: HostObserver;
  /** The definitions foreach templates made, by template and dimension. */
  readonly #perDimension = new Map<string, AlarmDefinition>();
  /** Each chart's dimension count when it was last linked (new dimensions link foreach alarms). */
  readonly #linkedDimensions = new Map<Chart, number>();
  /** No evaluation before this time (postpone after connect). */
  delayUpToS = 0;
  nextRunS = 0;
  #running: Promise<void> | undefined;

  constructor(readonly host: Host, readonly options: HostHealthOptions) {
    this.#definitions = options.definitions.filter((d) => hostMatches(d, host));
    this.#observer = { chartDefined: (chart) => this.link(chart) };
    host.addObserver(this.#observer);
    for (const chart of host.charts.values()) this.link(chart);
  }

  get log(): AlarmLog {
    return this.options.log;
  }

  /** Stops following the host's new charts. */
  detach(): void {
    this.host.removeObserver(this.#observer);
  }

  alarmsOf(chart: Chart): readonly Alarm[] {
    return this.#byChart.get(chart) ?? [];
  }

  /** Creates the alarms of every matching definition not yet on `chart` (alarms before templates). */
  link(chart: Chart): void {
    const ordered = [...this.#definitions.filter((d) => d.kind === 'alarm'),
      ...this.#definitions.filter((d) => d.kind === 'template')];
    this.#linkedDimensions.set(chart, chart.dimensions.length);
    for (const template of ordered) {
      if (!chartMatches(template, chart)) continue;
      for (const definition of perDimension(template, chart, this.#perDimension)) this.#add(definition, chart);
    }
  }

  #add(definition: AlarmDefinition, chart: Chart): void {
    const list = this.#byChart.get(chart) ?? [];
    if (list.some((a) => a.name === definition.name)) return;
    const { alarmId, nextEventId } = this.log.alarmIdFor(chart.id, definition.name);
    const linkedS = this.options.nowS?.() ?? Math.floor(Date.now() / 1000);
    const alarm = new Alarm(definition, chart, alarmId, nextEventId, this.options.defaults, linkedS);
    list.push(alarm);
    this.#byChart.set(chart, list);
    this.alarms.push(alarm);
  }

  /** One health loop iteration at `nowS`; resolves when its notifications finished. */
  run(nowS: number): Promise<void> {
    if (this.#running) return this.#running;
    this.#running = this.#iterate(nowS).finally(() => { this.#running = undefined; });
    return this.#running;
  }

  async #iterate(nowS: number): Promise<void> {
    this.nextRunS = nowS + this.options.runAtLeastEverySecs;
    if (nowS < this.delayUpToS) {
      this.nextRunS = this.delayUpToS;
      return;
    }
    const notifications: Promise<void>[] = [];
    // netdata links templates again when a chart gets new dimensions (foreach alarms)
    for (const chart of this.host.charts.values()) {
      if (this.#linkedDimensions.get(chart) !== chart.dimensions.length) this.link(chart);
    }
    this.#removeObsolete(nowS);
    for (const alarm of this.alarms) {
      alarm.runnable = alarm.status !== STATUS.REMOVED && alarm.isRunnable(nowS);
      if (alarm.runnable) alarm.computeValue(alarmResolver(alarm, nowS, this));
      else if (alarm.nextUpdateS > nowS) this.nextRunS = Math.min(this.nextRunS, alarm.nextUpdateS);
    }
    for (const alarm of this.alarms) {
      if (!alarm.runnable) continue;
      const transition = alarm.evaluateStatus(nowS, alarmResolver(alarm, nowS, this));
      if (transition) this.#logTransition(alarm, transition);
      this.nextRunS = Math.min(this.nextRunS, alarm.nextUpdateS);
    }
    for (const alarm of this.alarms) {
      const repeat = alarm.repeatDue(nowS);
      if (!repeat) continue;
      const entry = this.#entry(alarm, repeat);
      entry.lastRepeatS = alarm.lastRepeatS;
      if (repeat.runOnce) entry.flags |= ENTRY_FLAG.RUN_ONCE;
      notifications.push(this.#execute(entry, nowS, false));
    }
    for (const entry of this.#pendingEntries(nowS)) notifications.push(this.#execute(entry, nowS, true));
    await Promise.all(notifications);
  }

  /**
   * Sends the notifications of logged events that wait (link alarms, events held while another
   * node notified) without evaluating anything; for hosts whose loop does not run now.
   */
  async notifyPending(nowS: number): Promise<void> {
    await Promise.all(this.#pendingEntries(nowS).map((entry) => this.#execute(entry, nowS, true)));
  }

  #removeObsolete(nowS: number): void {
    for (const alarm of this.alarms) {
      const chart = alarm.chart;
      if (alarm.status === STATUS.REMOVED || !chart.definition.options.obsolete) continue;
      if (nowS <= Math.trunc(chart.lastCollectedTimeUs / 1e6) + REMOVE_OBSOLETE_AFTER_SECS) continue;
      const transition = alarm.remove(nowS);
      if (!alarm.isRepeating) this.#logTransition(alarm, transition);
    }
  }

  #entry(alarm: Alarm, t: AlarmTransition): AlarmLogEntry {
    const d = alarm.definition;
    const chart = alarm.chart.definition;
    let flags = 0;
    if (d.noClearNotification) flags |= ENTRY_FLAG.NO_CLEAR_NOTIFICATION;
    if (alarm.isRepeating) flags |= ENTRY_FLAG.IS_REPEATING;
    return {
      uniqueId: this.log.takeUniqueId(), alarmId: alarm.id, alarmEventId: alarm.nextEventId++,
      name: d.name, chart: alarm.chart.id, context: chart.context, family: chart.family,
      classification: d.classification, component: d.component, type: d.type,
      exec: d.exec, recipient: d.to, source: d.source, units: d.units, info: alarm.info,
      whenS: t.whenS, durationSecs: t.durationSecs, nonClearDurationSecs: 0,
      oldStatus: t.oldStatus, newStatus: t.newStatus, oldValue: t.oldValue, newValue: t.newValue,
      oldValueString: formatValueAndUnits(t.oldValue, d.units), newValueString: formatValueAndUnits(t.newValue, d.units),
      delaySecs: t.delaySecs, delayUpToS: t.whenS + t.delaySecs, updatedById: 0, updatesId: 0,
      flags, execRunS: 0, execCode: 0, lastRepeatS: 0,
    };
  }

  #logTransition(alarm: Alarm, transition: AlarmTransition): void {
    const entry = this.#entry(alarm, transition);
    this.log.add(entry);
    info(`[${this.host.hostname}]: Alert event for [${entry.chart}.${entry.name}], value ` +
      `[${entry.newValueString}], status [${statusName(entry.newStatus)}].`);
  }

  /** Entries waiting for their notification whose delay passed (oldest first). */
  #pendingEntries(nowS: number): AlarmLogEntry[] {
    const waiting = (e: AlarmLogEntry): boolean =>
      !(e.flags & (ENTRY_FLAG.PROCESSED | ENTRY_FLAG.UPDATED | ENTRY_FLAG.IS_REPEATING)) && nowS >= e.delayUpToS;
    return this.log.entries.filter(waiting).reverse();
  }

  /** netdata's health_alarm_execute: decide whether to notify, then run the exec. */
  async #execute(entry: AlarmLogEntry, nowS: number, logged: boolean): Promise<void> {
    // another node notifies: the event waits (its newest is sent if this node takes over)
    if (this.options.notifies && !this.options.notifies()) return;
    entry.flags |= ENTRY_FLAG.PROCESSED;
    if (!this.#shouldNotify(entry, logged)) {
      if (logged) this.log.save(entry);
      return;
    }
    info(`[${this.host.hostname}]: Sending notification for alarm '${entry.chart}.${entry.name}' ` +
      `status ${statusName(entry.newStatus)}.`);
    const command = buildNotifyCommand(this.#notificationArgs(entry));
    entry.flags |= ENTRY_FLAG.EXEC_RUN;
    entry.execRunS = nowS;
    const outcome = await runNotifyCommand(command, this.options.notifyEnv);
    entry.execCode = outcome.exitCode;
    if (outcome.exitCode !== 0) entry.flags |= ENTRY_FLAG.EXEC_FAILED;
    if (logged) this.log.save(entry);
  }

  /**
   * netdata's rules: no notification for internal statuses, for CLEAR with no-clear-notification,
   * for the status last notified, or for a CLEAR never preceded by a notification (except the
   * CLEAR after a repeating alarm). A repeat notification is not in the log, so it has no
   * previous notification to compare with.
   */
  #shouldNotify(entry: AlarmLogEntry, logged: boolean): boolean {
    if (entry.newStatus < STATUS.CLEAR) return false;
    const noClear = (entry.flags & ENTRY_FLAG.NO_CLEAR_NOTIFICATION) !== 0;
    if (entry.newStatus <= STATUS.CLEAR && noClear) return false;
    if (noClear) return true;
    const older = logged && this.log.entries.find((e) => e !== entry && e.alarmId === entry.alarmId &&
      e.uniqueId < entry.uniqueId && (e.flags & ENTRY_FLAG.EXEC_RUN) !== 0);
    if (older) return older.newStatus !== entry.newStatus;
    if (entry.newStatus === STATUS.CLEAR) {
      const runOnce = (entry.flags & ENTRY_FLAG.RUN_ONCE) !== 0;
      if (!runOnce || entry.oldStatus < STATUS.RAISED) return false;
    }
    return true;
  }

  #notificationArgs(entry: AlarmLogEntry): NotificationArgs {
    const others = this.alarms.filter((a) => a.id !== entry.alarmId && isRaised(a.status) &&
      a.chart.lastCollectedTimeUs > 0).sort((a, b) => b.lastStatusChangeS - a.lastStatusChangeS);
    const own = this.alarms.find((a) => a.id === entry.alarmId);
    const expression = entry.newStatus === STATUS.CRITICAL ? own?.definition.crit : own?.definition.warn;
    const evaluation = entry.newStatus === STATUS.CRITICAL ? own?.critEvaluation : own?.warnEvaluation;
    const listed = others.slice(0, MAX_LISTED_ACTIVE_ALARMS);
    const list = (status: number): string => listed.filter((a) => a.status === status)
      .map((a) => `${a.name}=${a.lastStatusChangeS}`).join(',');
    const registryHostname = this.host.identity.registryHostname || this.host.hostname;
    return {
      exec: entry.exec ?? this.options.defaultExec,
      recipient: entry.recipient ?? DEFAULT_RECIPIENT,
      registryHostname,
      uniqueId: entry.uniqueId, alarmId: entry.alarmId, alarmEventId: entry.alarmEventId, whenS: entry.whenS,
      name: entry.name, chart: entry.chart || 'NOCHART', family: entry.family || 'NOFAMILY',
      newStatus: statusName(entry.newStatus), oldStatus: statusName(entry.oldStatus),
      newValue: entry.newValue ?? NaN, oldValue: entry.oldValue ?? NaN,
      source: entry.source || 'UNKNOWN', durationSecs: entry.durationSecs,
      nonClearDurationSecs: entry.nonClearDurationSecs, units: entry.units, info: entry.info,
      newValueString: entry.newValueString, oldValueString: entry.oldValueString,
      expressionSource: expression?.source ?? 'NOSOURCE',
      expressionTrace: evaluation?.trace || 'NOERRMSG',
      warnCount: others.filter((a) => a.status === STATUS.WARNING).length,
      critCount: others.filter((a) => a.status === STATUS.CRITICAL).length,
      warnAlarms: list(STATUS.WARNING), critAlarms: list(STATUS.CRITICAL),
      classification: entry.classification ?? 'Unknown',
      editCommand: editCommand(entry.source, this.options.userConfigDir, this.options.localRegistryHostname),
      childMachineGuid: this.host.isLocal ? '' : this.host.machineGuid,
    };
  }
}
