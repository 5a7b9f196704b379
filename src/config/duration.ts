/**
 * netdata's durations (its config library's `config_parse_duration`), read in health.d files
 * (reference §5.1) and in netdata.conf's `[health] default repeat ...`: a number followed by one unit of
 * `s m h d w M y` (seconds, minutes, hours, days, weeks, months of 30 days, years of 365 days;
 * 1.37 spells the year `Y`, both are read); a plain number is seconds and `never` is 0.
 * Negative values keep their sign (`lookup: average -1m`).
 */

const UNIT_SECS: Readonly<Record<string, number>> = Object.freeze({
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 7 * 86400,
  M: 30 * 86400,
  y: 365 * 86400,
  Y: 365 * 86400,
});

const DURATION = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([smhdwMyY]?)$/;

/** The duration in whole seconds, or undefined when `text` is not a duration. */
export function parseDurationSecs(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === 'never') return 0;
  const match = DURATION.exec(trimmed);
  if (!match) return undefined;
  const secs = Number(match[1]) * (match[2] ? UNIT_SECS[match[2]] : 1);
  return Math.trunc(secs);
}
