/**
 * The system's timezone as netdata finds it (1.37 `get_system_timezone()`): the `TZ`
 * environment variable, then `/etc/timezone`, then the target of the `/etc/localtime` link —
 * so a Debian host says `Etc/UTC`, as a netdata child does in its STREAM request. The
 * abbreviation comes from the zone file's POSIX footer. No `Intl` here: loading its locale data
 * costs about 8 MB of RSS, which a headless collector cannot spare.
 */
import { readFileSync, readlinkSync } from 'node:fs';

const ZONEINFO = '/usr/share/zoneinfo/';
const LOCALTIME = '/etc/localtime';

function readTrimmed(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The zone name: `TZ` (leading `:` dropped), `/etc/timezone`, the `/etc/localtime` link, else `UTC`. */
export function systemTimezone(env: NodeJS.ProcessEnv = process.env): string {
  const tz = (env.TZ ?? '').replace(/^:/, '');
  if (tz && !tz.startsWith('/')) return tz;
  const file = readTrimmed('/etc/timezone');
  if (file) return file;
  try {
    const target = readlinkSync(LOCALTIME);
    const at = target.indexOf('zoneinfo/');
    if (at >= 0) return target.slice(at + 'zoneinfo/'.length);
  } catch {
    // not a link: fall through
  }
  return 'UTC';
}

/** The standard and daylight abbreviations of a POSIX TZ string such as `CET-1CEST,M3.5.0,...`. */
export function posixAbbreviations(posix: string): { standard: string; daylight: string | null } {
  const name = /^(<[^>]+>|[A-Za-z]{3,})/;
  const std = name.exec(posix);
  if (!std) return { standard: '', daylight: null };
  const rest = posix.slice(std[0].length).replace(/^[-+]?\d{1,2}(:\d{2}){0,2}/, '');
  const dst = name.exec(rest);
  const strip = (s: string) => s.replace(/^<|>$/g, '');
  return { standard: strip(std[0]), daylight: dst ? strip(dst[0]) : null };
}

/** The last line of a TZif file: its POSIX TZ string ('' when absent). */
function zoneFooter(zone: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(zone.startsWith('/') ? zone : `${ZONEINFO}${zone}`);
  } catch {
    try {
      bytes = readFileSync(LOCALTIME);
    } catch {
      return '';
    }
  }
  const text = bytes.subarray(Math.max(0, bytes.length - 128)).toString('latin1');
  const lines = text.split('\n');
  return lines.length >= 2 ? lines[lines.length - 2]! : '';
}

/** Whether `date` falls in daylight saving time, by comparing with January and July offsets. */
function inDaylightTime(date: Date): boolean {
  const jan = new Date(date.getFullYear(), 0, 1).getTimezoneOffset();
  const jul = new Date(date.getFullYear(), 6, 1).getTimezoneOffset();
  return jan !== jul && date.getTimezoneOffset() === Math.min(jan, jul);
}

/** The abbreviation in force at `date` (`UTC`, `CET`, `CEST`...), as netdata sends `abbrev_timezone`. */
export function timezoneAbbreviation(zone: string, date: Date = new Date()): string {
  const { standard, daylight } = posixAbbreviations(zoneFooter(zone));
  if (!standard) return date.getTimezoneOffset() === 0 ? 'UTC' : '';
  return daylight && inDaylightTime(date) ? daylight : standard;
}
