/**
 * An alarm about a mirrored host's stream link rather than one of its charts (a silent child, a
 * machine GUID streaming from two places). Events raise and clear it, not an expression: it has
 * no chart, no lookup and no timer of its own. Its status changes go into the host's alarm log
 * like any alarm's, so the log, `/api/v1/alarm_log` and the notifications treat them alike.
 */
import type { AlarmLog, AlarmLogEntry } from './alarm-log.js';
import { STATUS } from './definition.js';
import { formatValueAndUnits } from './format-value.js';

/** The chart id link alarms are filed under (no such chart exists; netdata shows it as text). */
export const LINK_ALARM_CHART = 'netdata.streaming';
/** Their family, class, component and type in the log and the API. */
export const LINK_ALARM_FAMILY = 'streaming';
export const LINK_ALARM_CLASS = 'Errors';
export const LINK_ALARM_COMPONENT = 'Streaming';
export const LINK_ALARM_TYPE = 'Netdata';
/** Who they go to: the role of netdata's stock alarms. */
export const LINK_ALARM_RECIPIENT = 'sysadmin';

/** What is fixed about one kind of link alarm. */
export interface LinkAlarmKind {
  name: string;
  units: string;
  /** The status it raises to. */
  raisedStatus: number;
  /** `LINE@FILE`-like: the setting that governs it. */
  source: string;
}

/** One link alarm of one host. Created by health's link alarm set; read by the JSON. */
export class LinkAlarm {
  status: number = STATUS.CLEAR;
  value = NaN;
  info = '';
  lastStatusChangeS: number;
  lastUpdatedS: number;
  readonly id: number;
  #nextEventId: number;

  constructor(readonly kind: LinkAlarmKind, readonly log: AlarmLog, nowS: number) {
    const ids = log.alarmIdFor(LINK_ALARM_CHART, kind.name);
    this.id = ids.alarmId;
    this.#nextEventId = ids.nextEventId;
    this.lastStatusChangeS = nowS;
    this.lastUpdatedS = nowS;
  }

  get name(): string {
    return this.kind.name;
  }

  get raised(): boolean {
    return this.status !== STATUS.CLEAR;
  }

  /**
   * Sets the alarm at `nowS`: raised or clear, its value now, and the info a raise carries
   * (asked only then). A change of status is logged (its notification follows through the
   * log); true when it was.
   */
  set(nowS: number, raised: boolean, value: number, info: () => string): boolean {
    const status = raised ? this.kind.raisedStatus : STATUS.CLEAR;
    const oldValue = this.value;
    this.value = value;
    this.lastUpdatedS = nowS;
    if (status === this.status) return false;
    if (raised) this.info = info();
    const entry = this.#entry(nowS, status, oldValue);
    this.status = status;
    this.lastStatusChangeS = nowS;
    this.log.add(entry);
    return true;
  }

  #entry(nowS: number, newStatus: number, oldValue: number): AlarmLogEntry {
    const units = this.kind.units;
    return {
      uniqueId: this.log.takeUniqueId(), alarmId: this.id, alarmEventId: this.#nextEventId++,
      name: this.kind.name, chart: LINK_ALARM_CHART, context: LINK_ALARM_CHART, family: LINK_ALARM_FAMILY,
      classification: LINK_ALARM_CLASS, component: LINK_ALARM_COMPONENT, type: LINK_ALARM_TYPE,
      exec: null, recipient: LINK_ALARM_RECIPIENT, source: this.kind.source, units, info: this.info,
      whenS: nowS, durationSecs: nowS - this.lastStatusChangeS, nonClearDurationSecs: 0,
      oldStatus: this.status, newStatus, oldValue, newValue: this.value,
      oldValueString: formatValueAndUnits(oldValue, units), newValueString: formatValueAndUnits(this.value, units),
      delaySecs: 0, delayUpToS: nowS, updatedById: 0, updatesId: 0,
      flags: 0, execRunS: 0, execCode: 0, lastRepeatS: 0,
    };
  }
}
