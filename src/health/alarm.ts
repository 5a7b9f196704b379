/**
 * One alarm running on one chart, and netdata's status machine (reference §5.2; 1.37 health.c):
 *
 * - `warn` and `crit` are evaluated after `lookup` and `calc`; a true `crit` gives CRITICAL,
 *   else a true `warn` WARNING, else CLEAR when either evaluated, else UNDEFINED (a failed
 *   evaluation, or neither expression given).
 * - A status change is an event. Its delay (hysteresis): outside the previous delay window the
 *   current up/down delays restart from `delay up`/`delay down`; inside it they grow by the
 *   multiplier, up to `max`. Raising uses the up delay, lowering the down delay. The event's
 *   notification waits until `when + delay`.
 * - `repeat`: while WARNING (CRITICAL), after the delay window, a notification is re-sent every
 *   `warning` (`critical`) seconds, and once more on the CLEAR that follows.
 */
import type { Chart } from '../database/index.js';
import type { AlarmDefinition } from './definition.js';
import { isRaised, STATUS } from './definition.js';
import type { Evaluation, VariableResolver } from './expression.js';
import { runLookup } from './lookup.js';

/** What a status change (or a repeat) produces, before the log numbers it. */
export interface AlarmTransition {
  whenS: number;
  oldStatus: number;
  newStatus: number;
  oldValue: number;
  newValue: number;
  /** Seconds the alarm spent in the old status. */
  durationSecs: number;
  delaySecs: number;
  /** The first notification of a CLEAR that follows a repeating WARNING/CRITICAL. */
  runOnce: boolean;
}

/** Per-alarm settings that come from the host rather than the file. */
export interface AlarmDefaults {
  warnRepeatSecs: number;
  critRepeatSecs: number;
}

/** netdata's warn/crit result to a status: NaN/inf → UNDEFINED, non-zero → RAISED. */
function valueToStatus(evaluation: Evaluation | undefined): number {
  if (!evaluation || !evaluation.ok) return STATUS.UNDEFINED;
  return evaluation.value !== 0 ? STATUS.RAISED : STATUS.CLEAR;
}

/** The final status from the warning and critical results. */
function decideStatus(warn: Evaluation | undefined, crit: Evaluation | undefined): number {
  const warning = valueToStatus(warn);
  const critical = valueToStatus(crit);
  let status: number = STATUS.UNDEFINED;
  if (warning === STATUS.CLEAR) status = STATUS.CLEAR;
  else if (warning === STATUS.RAISED) status = STATUS.WARNING;
  if (critical === STATUS.CLEAR && status === STATUS.UNDEFINED) status = STATUS.CLEAR;
  else if (critical === STATUS.RAISED) status = STATUS.CRITICAL;
  return status;
}

/** The word of `info` netdata replaces with the chart's family (1.37 RRDCALC_VAR_FAMILY). */
export const INFO_FAMILY_VARIABLE = '$family';
/** The prefix of `info` words netdata replaces with a chart label's value (RRDCALC_VAR_LABEL). */
export const INFO_LABEL_PREFIX = '$label:';

/**
 * `info` with its variables replaced as netdata 1.37 does (rrdcalc.c): a word (up to a space)
 * that is exactly `$family` becomes the chart's family; `$label:NAME` becomes the value of the
 * chart's label NAME, and stays as written when the chart has no such label.
 */
export function expandInfo(info: string, chart: Chart): string {
  return info.replace(/\$[^ ]*/g, (word) => {
    if (word === INFO_FAMILY_VARIABLE) return chart.definition.family;
    if (word.startsWith(INFO_LABEL_PREFIX)) return chart.labels.get(word.slice(INFO_LABEL_PREFIX.length))?.value ?? word;
    return word;
  });
}

/** An alarm linked to a chart. Created by the host runner; its fields are read by the JSON. */
export class Alarm {
  status: number = STATUS.UNINITIALIZED;
  oldStatus: number = STATUS.UNINITIALIZED;
  value = NaN;
  oldValue = NaN;
  lastStatusChangeS = 0;
  lastUpdatedS = 0;
  nextUpdateS = 0;
  dbAfterS = 0;
  dbBeforeS = 0;
  delayUpCurrentSecs = 0;
  delayDownCurrentSecs = 0;
  delayLastSecs = 0;
  delayUpToS = 0;
  lastRepeatS = 0;
  timesRepeat = 0;
  #ranOnce = false;
  readonly warnRepeatSecs: number;
  readonly critRepeatSecs: number;
  /** The last evaluations, for the notification's expression and trace arguments. */
  calcEvaluation: Evaluation | undefined;
  warnEvaluation: Evaluation | undefined;
  critEvaluation: Evaluation | undefined;
  /** Whether the last loop found this alarm runnable. */
  runnable = false;

  constructor(
    readonly definition: AlarmDefinition,
    readonly chart: Chart,
    /** netdata's alarm_id: stable for the same chart and name across restarts. */
    readonly id: number,
    /** The next alarm_event_id. */
    public nextEventId: number,
    defaults: AlarmDefaults,
    /** When the alarm was linked to its chart: netdata's first last_status_change (rrdcalc.c). */
    linkedS: number,
  ) {
    this.lastStatusChangeS = linkedS;
    this.warnRepeatSecs = definition.warnRepeatSecs ?? defaults.warnRepeatSecs;
    this.critRepeatSecs = definition.critRepeatSecs ?? defaults.critRepeatSecs;
  }

  get name(): string {
    return this.definition.name;
  }

  /** The definition's `info` with `$family` and `$label:NAME` replaced for this chart. */
  get info(): string {
    return expandInfo(this.definition.info, this.chart);
  }

  /** Seconds between evaluations. */
  get updateEverySecs(): number {
    return this.definition.updateEverySecs;
  }

  get isRepeating(): boolean {
    return this.warnRepeatSecs > 0 || this.critRepeatSecs > 0;
  }

  /**
   * Whether the alarm should be evaluated at `nowS` (netdata's rrdcalc_isrunnable): due, the
   * chart collected at least twice and not obsolete, and the lookup window within the data.
   */
  isRunnable(nowS: number): boolean {
    const chart = this.chart;
    if (this.nextUpdateS > nowS || !this.updateEverySecs) return false;
    if (chart.definition.options.obsolete) return false;
    if (!chart.lastCollectedTimeUs || chart.iterations < 2) return false;
    const ue = chart.definition.updateEverySecs;
    const first = chart.firstEntryS();
    const last = chart.lastEntryS();
    if (nowS + ue < first) return false;
    const lookup = this.definition.lookup;
    if (lookup) {
      const needed = nowS + lookup.beforeSecs + lookup.afterSecs;
      if (needed + ue < first || needed - ue > last) return false;
    }
    return true;
  }

  /** Runs lookup and calc (netdata's first pass); sets `value`. */
  computeValue(resolve: VariableResolver): void {
    this.oldValue = this.value;
    const lookup = this.definition.lookup;
    if (lookup) {
      const result = runLookup(this.chart, lookup);
      this.value = result.value;
      this.dbAfterS = result.dbAfterS;
      this.dbBeforeS = result.dbBeforeS;
    }
    const calc = this.definition.calc;
    if (calc) {
      this.calcEvaluation = calc.evaluate(resolve);
      this.value = this.calcEvaluation.value;
    }
  }

  /**
   * Evaluates warn and crit (netdata's second pass) and applies a status change; returns the
   * transition to log, or undefined when the status stayed.
   */
  evaluateStatus(nowS: number, resolve: VariableResolver): AlarmTransition | undefined {
    const { warn, crit } = this.definition;
    this.warnEvaluation = warn ? warn.evaluate(resolve) : undefined;
    this.critEvaluation = crit ? crit.evaluate(resolve) : undefined;
    const status = decideStatus(this.warnEvaluation, this.critEvaluation);
    let transition: AlarmTransition | undefined;
    if (status !== this.status) transition = this.#changeStatus(nowS, status);
    this.lastUpdatedS = nowS;
    this.nextUpdateS = nowS + this.updateEverySecs;
    return transition;
  }

  #changeStatus(nowS: number, status: number): AlarmTransition {
    const delay = this.definition.delay;
    if (nowS > this.delayUpToS) {
      this.delayUpCurrentSecs = delay.upSecs;
      this.delayDownCurrentSecs = delay.downSecs;
      this.delayLastSecs = 0;
      this.delayUpToS = 0;
    } else {
      this.delayUpCurrentSecs = Math.min(Math.trunc(this.delayUpCurrentSecs * delay.multiplier), delay.maxSecs);
      this.delayDownCurrentSecs = Math.min(Math.trunc(this.delayDownCurrentSecs * delay.multiplier), delay.maxSecs);
    }
    const delaySecs = status > this.status ? this.delayUpCurrentSecs : this.delayDownCurrentSecs;
    this.delayLastSecs = delaySecs;
    this.delayUpToS = nowS + delaySecs;
    const transition: AlarmTransition = {
      whenS: nowS, oldStatus: this.status, newStatus: status, oldValue: this.oldValue, newValue: this.value,
      durationSecs: nowS - this.lastStatusChangeS, delaySecs, runOnce: false,
    };
    this.lastStatusChangeS = nowS;
    this.oldStatus = this.status;
    this.status = status;
    return transition;
  }

  /** A repeat notification due at `nowS`, if any (netdata's repeating alarms pass). */
  repeatDue(nowS: number): AlarmTransition | undefined {
    if (!this.isRepeating || this.delayUpToS > nowS) return undefined;
    let every = 0;
    if (this.status === STATUS.WARNING) {
      this.#ranOnce = false;
      every = this.warnRepeatSecs;
    } else if (this.status === STATUS.CRITICAL) {
      this.#ranOnce = false;
      every = this.critRepeatSecs;
    } else if (this.status === STATUS.CLEAR && !this.#ranOnce && isRaised(this.oldStatus)) {
      every = 1;
    }
    if (every <= 0 || this.lastRepeatS + every > nowS) return undefined;
    this.lastRepeatS = nowS;
    this.timesRepeat++;
    const runOnce = !this.#ranOnce && this.status === STATUS.CLEAR;
    this.#ranOnce = true;
    return {
      whenS: nowS, oldStatus: this.oldStatus, newStatus: this.status, oldValue: this.oldValue,
      newValue: this.value, durationSecs: nowS - this.lastStatusChangeS, delaySecs: this.delayLastSecs,
      runOnce,
    };
  }

  /** Marks the alarm REMOVED (its chart went obsolete); returns the transition to log. */
  remove(nowS: number): AlarmTransition {
    const transition: AlarmTransition = {
      whenS: nowS, oldStatus: this.status, newStatus: STATUS.REMOVED, oldValue: this.value, newValue: NaN,
      durationSecs: nowS - this.lastStatusChangeS, delaySecs: 0, runOnce: false,
    };
    this.oldStatus = this.status;
    this.status = STATUS.REMOVED;
    this.lastStatusChangeS = nowS;
    this.lastUpdatedS = nowS;
    this.value = NaN;
    return transition;
  }
}
