/**
 * An alarm value with its units as netdata writes `value_string` and `old_value_string`
 * (1.37 `format_value_and_unit`): precision picked by magnitude, trailing zeros trimmed, time
 * units as durations, `on/off`-like units as words, `percentage` as `%`, NaN as `-`.
 */

type UnitsFormat = 'seconds' | 'seconds ago' | 'minutes' | 'minutes ago' | 'hours' | 'hours ago' |
  'onoff' | 'updown' | 'okerror' | 'okfailed' | 'empty' | 'percent' | 'none';

const UNITS: Readonly<Record<string, UnitsFormat>> = Object.freeze({
  seconds: 'seconds', 'seconds ago': 'seconds ago', minutes: 'minutes', 'minutes ago': 'minutes ago',
  hours: 'hours', 'hours ago': 'hours ago',
  'on/off': 'onoff', 'on-off': 'onoff', onoff: 'onoff',
  'up/down': 'updown', 'up-down': 'updown', updown: 'updown',
  'ok/error': 'okerror', 'ok-error': 'okerror', okerror: 'okerror',
  'ok/failed': 'okfailed', 'ok-failed': 'okfailed', okfailed: 'okfailed',
  empty: 'empty', null: 'empty',
  percentage: 'percent', percent: 'percent', pcent: 'percent',
});

const WORDS: Partial<Record<UnitsFormat, [string, string]>> = {
  onoff: ['on', 'off'], updown: ['up', 'down'], okerror: ['ok', 'error'], okfailed: ['ok', 'failed'],
};

const pad2 = (n: number): string => String(n).padStart(2, '0');

function formatSeconds(value: number, ago: string): string {
  let s = Math.trunc(value);
  const d = Math.trunc(s / 86400);
  s %= 86400;
  const h = Math.trunc(s / 3600);
  s %= 3600;
  const m = Math.trunc(s / 60);
  s %= 60;
  const clock = `${pad2(h)}:${pad2(m)}:${pad2(s)}`;
  return d ? `${d} ${d === 1 ? 'day' : 'days'} ${clock}${ago}` : `${clock}${ago}`;
}

function formatMinutes(value: number, ago: string): string {
  let m = Math.trunc(value);
  const d = Math.trunc(m / 1440);
  m %= 1440;
  const h = Math.trunc(m / 60);
  m %= 60;
  return d ? `${d}d ${pad2(h)}h ${pad2(m)}m${ago}` : `${h}h ${m}m${ago}`;
}

function formatHours(value: number, ago: string): string {
  const total = Math.trunc(value);
  const d = Math.trunc(total / 24);
  const h = total % 24;
  return d ? `${d}d ${h}h${ago}` : `${h}h${ago}`;
}

function formatDuration(value: number, format: UnitsFormat): string {
  if (value === 0) return 'now';
  if (!Number.isFinite(value)) return 'undefined';
  const ago = format.endsWith(' ago') ? ' ago' : '';
  if (format.startsWith('seconds')) return formatSeconds(value, ago);
  if (format.startsWith('minutes')) return formatMinutes(value, ago);
  return formatHours(value, ago);
}

/** Digits after the point netdata uses for a magnitude (precision < 0). */
function autoDigits(abs: number): number {
  if (abs >= 1000) return 0;
  if (abs >= 10) return 1;
  if (abs >= 0.1) return 2;
  if (abs >= 0.01) return 4;
  if (abs >= 0.001) return 5;
  if (abs >= 0.0001) return 6;
  return 7;
}

/** A number with netdata's precision rules and its units (format_value_with_precision_and_unit). */
function formatNumberWithUnits(value: number, units: string, precision = -1): string {
  const v = Number.isFinite(value) ? value : 0;
  const separator = /^[A-Za-z0-9]/.test(units) ? ' ' : '';
  if (precision >= 0) return `${v.toFixed(Math.min(precision, 50))}${separator}${units}`;
  const digits = autoDigits(Math.abs(v));
  let text = v.toFixed(digits);
  if (digits > 0) text = text.replace(/0+$/, '').replace(/\.$/, '');
  if (text === '' || text === '-') text = '0';
  return `${text}${separator}${units}`;
}

/** netdata's `format_value_and_unit` with automatic precision. */
export function formatValueAndUnits(value: number, units: string, precision = -1): string {
  const format = UNITS[units] ?? 'none';
  if (format.startsWith('seconds') || format.startsWith('minutes') || format.startsWith('hours')) {
    return formatDuration(value, format);
  }
  const words = WORDS[format];
  if (words) return value !== 0 ? words[0] : words[1];
  if (Number.isNaN(value) || !Number.isFinite(value)) return '-';
  const shownUnits = format === 'empty' ? '' : format === 'percent' ? '%' : units;
  return formatNumberWithUnits(value, shownUnits, precision);
}
