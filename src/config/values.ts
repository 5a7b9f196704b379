/**
 * Parsers for the value types netdata's config files use (reference §8). Each returns the typed
 * value or throws `BadValue` whose message says what was expected; the reader turns that into a
 * `ConfigError` naming file, line, section and key.
 */
import type { MemoryMode } from '../database/index.js';
import { parseDurationSecs } from './duration.js';

/**
 * Longest line netdata 1.37 reads from a config file: `appconfig_load` reads with `fgets` into
 * CONFIG_FILE_LINE_MAX ((CONFIG_MAX_NAME 1024 + CONFIG_MAX_VALUE 2048 + 1024) × 2 = 8192) bytes,
 * which keeps 8191; the rest of a longer line comes back as further lines, ignored for having no
 * `=`. So a value (the hostname among them) ends at the line's 8191st byte.
 */
export const CONFIG_LINE_MAX_BYTES = 8191;

/** `text` cut to at most `maxBytes` bytes of UTF-8, never inside a character. */
export function cutToUtf8Bytes(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text.slice(0, maxBytes), 'utf8');
  if (bytes.length <= maxBytes) return text.slice(0, maxBytes);
  let end = Math.max(0, maxBytes);
  // step back over continuation bytes (10xxxxxx) to the start of the cut character
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.toString('utf8', 0, end);
}

/** Thrown by a value parser; caught by the reader. */
export class BadValue extends Error {}

const TRUE_WORDS = new Set(['yes', 'true', 'on', '1']);
const FALSE_WORDS = new Set(['no', 'false', 'off', '0']);

/** `yes/no/true/false/on/off/1/0`, any case. */
export function parseBoolean(text: string): boolean {
  const word = text.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new BadValue(`expected yes or no, got '${text}'`);
}

/** A whole number within [min, max]. */
function parseInteger(text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^[+-]?\d+$/.test(text)) throw new BadValue(`expected a whole number, got '${text}'`);
  const n = Number(text);
  if (n < min) throw new BadValue(`must be at least ${min}, got ${n}`);
  if (n > max) throw new BadValue(`must be at most ${max}, got ${n}`);
  return n;
}

/** Returns a parser for integers within [min, max]. */
export function integer(min: number, max?: number): (text: string) => number {
  return (text) => parseInteger(text, min, max);
}

/** Returns a parser accepting one word of a table (aliases map to their canonical word). */
export function oneOf<T extends string>(table: Readonly<Record<string, T>>, what: string): (text: string) => T {
  return (text) => {
    const value = Object.hasOwn(table, text) ? table[text] : undefined;
    if (value === undefined) {
      const words = [...new Set(Object.keys(table))].join(', ');
      throw new BadValue(`unknown ${what} '${text}' (expected one of: ${words})`);
    }
    return value;
  };
}

/**
 * Memory modes (reference §7). `alloc` is a RAM ring like `ram`; `dbengine` (netdata 1.15+)
 * has no equivalent here and becomes `save`, netdata's own fallback for a mode it lacks.
 */
const MEMORY_MODES: Readonly<Record<string, MemoryMode>> = {
  none: 'none', ram: 'ram', alloc: 'ram', save: 'save', map: 'map', dbengine: 'save',
};

/** A memory mode word (aliases included). */
export const parseMemoryMode = oneOf(MEMORY_MODES, 'memory mode');

/** A duration (`never`, `30`, `10m`, `1h` ...) in whole seconds. */
export function duration(value: string): number {
  const secs = parseDurationSecs(value);
  if (secs === undefined) {
    throw new BadValue(`expected a duration (a number with one of s m h d w M y, or never), got '${value}'`);
  }
  return secs;
}

/** Writes a duration default the way netdata.conf shows it (`never` for 0). */
export function renderDuration(secs: number): string {
  return secs === 0 ? 'never' : String(secs);
}

/** Any text, as written. */
export function text(value: string): string {
  return value;
}

/**
 * A list separated by spaces or commas; `"..."` or `'...'` quotes keep spaces and commas
 * inside one item (`[directories] plugins`, `destination`, `bind to`, reference §1.1, §2.5).
 */
export function parseList(value: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoteChar = '';
  let quoted = false;
  for (const ch of value) {
    if (quoteChar) {
      if (ch === quoteChar) quoteChar = '';
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quoteChar = ch;
      quoted = true;
    } else if (ch === ',' || /\s/.test(ch)) {
      if (current !== '' || quoted) items.push(current);
      current = '';
      quoted = false;
    } else {
      current += ch;
    }
  }
  if (quoteChar) throw new BadValue(`unterminated ${quoteChar} quote in '${value}'`);
  if (current !== '' || quoted) items.push(current);
  return items;
}

/** A list of at most `max` items. */
export function list(max = Number.MAX_SAFE_INTEGER): (value: string) => string[] {
  return (value) => {
    const items = parseList(value);
    if (items.length > max) throw new BadValue(`at most ${max} entries are allowed, got ${items.length}`);
    return items;
  };
}

/** Renders a list back the way `[directories] plugins` is written: each item quoted. */
export function renderQuotedList(items: readonly string[]): string {
  return items.map((item) => `"${item}"`).join(' ');
}
