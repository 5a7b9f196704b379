/**
 * What one `alarm:` or `template:` block of a health.d file means after parsing (reference §5.1),
 * and netdata's alarm statuses (§5.2).
 */
import type { Expression } from './expression.js';

/** netdata's status numbers (`eval.h`); `$status` and the status variables carry these. */
export const STATUS = Object.freeze({
  REMOVED: -2,
  UNDEFINED: -1,
  UNINITIALIZED: 0,
  CLEAR: 1,
  RAISED: 2,
  WARNING: 3,
  CRITICAL: 4,
});

/** A status as netdata names it (`CLEAR`, `WARNING` ...). */
export type StatusName = keyof typeof STATUS;

/** WARNING or CRITICAL: the statuses netdata calls raised (they count as non-clear time). */
export function isRaised(status: number): boolean {
  return status === STATUS.WARNING || status === STATUS.CRITICAL;
}

/** A status number as netdata prints it (`rrdcalc_status2string`). */
export function statusName(status: number): StatusName {
  switch (status) {
    case STATUS.REMOVED: return 'REMOVED';
    case STATUS.UNDEFINED: return 'UNDEFINED';
    case STATUS.CLEAR: return 'CLEAR';
    case STATUS.RAISED: return 'RAISED';
    case STATUS.WARNING: return 'WARNING';
    case STATUS.CRITICAL: return 'CRITICAL';
    default: return 'UNINITIALIZED';
  }
}

/** How a lookup groups the window into one value (netdata's group methods). */
export type LookupMethod = 'average' | 'min' | 'max' | 'sum' | 'incremental_sum' | 'median';

/** The option words of a `lookup:` line. */
export interface LookupOptions {
  absolute: boolean;
  min2max: boolean;
  null2zero: boolean;
  percentage: boolean;
  unaligned: boolean;
  matchIds: boolean;
  matchNames: boolean;
}

/** `lookup: METHOD AFTER [at BEFORE] [every DURATION] [OPTIONS] [of DIMENSIONS]`. */
export interface LookupSpec {
  method: LookupMethod;
  /** Negative seconds, relative to `before`. */
  afterSecs: number;
  /** Seconds, 0 or negative, relative to the chart's last entry. */
  beforeSecs: number;
  /** The `every` given inside the lookup, or |after|. */
  everySecs: number;
  options: LookupOptions;
  /** The `of` list as written (`,` `|` or space separated simple patterns); null = all. */
  dimensions: string | null;
  /**
   * `foreach PATTERN` (the rest of the line, a simple pattern whose `,` and `|` separate words):
   * a template makes one alarm per matching dimension, named `<name>_<dimension name>`, whose
   * lookup covers that dimension only (1.37 rrdcalctemplate.c). null = one alarm per chart.
   */
  foreach: string | null;
}

/** `delay: up D down D multiplier F max D`, in seconds. */
export interface DelaySpec {
  upSecs: number;
  downSecs: number;
  multiplier: number;
  maxSecs: number;
}

/** One alarm or template, as read. Frozen after parsing. */
export interface AlarmDefinition {
  kind: 'alarm' | 'template';
  /** Sanitised: characters other than letters, digits, `.` and `_` became `_`. */
  name: string;
  /** For an alarm the chart id or name, for a template the context. */
  on: string;
  file: string;
  line: number;
  /** netdata's `LINE@FILE`. */
  source: string;
  os: string | null;
  hosts: string | null;
  /**
   * `host labels`: a simple pattern matched against each host label's name and `name=value`
   * (spaces around `=` removed, as netdata does); the definition applies when one matches.
   */
  hostLabels: string | null;
  families: string | null;
  charts: string | null;
  plugin: string | null;
  module: string | null;
  lookup: LookupSpec | null;
  calc: Expression | null;
  warn: Expression | null;
  crit: Expression | null;
  updateEverySecs: number;
  green: number;
  red: number;
  exec: string | null;
  to: string | null;
  units: string;
  info: string;
  classification: string | null;
  component: string | null;
  type: string | null;
  delay: DelaySpec;
  /** undefined = `[health] default repeat warning|critical`; 0 = never. */
  warnRepeatSecs: number | undefined;
  critRepeatSecs: number | undefined;
  noClearNotification: boolean;
}
